/**
 * `CallContext` (what every call-flow step sees) over one SIP leg and its media session: answering sends
 * the prepared 200 OK, sounds are played by the engine, digits come from RFC 4733 / in-band detection in
 * the engine and from SIP INFO, and hanging up ends both.
 */
import { type SoundName, soundPath } from '../../../prompts/index.ts';
import type { CallContext, HangupReason } from '../apps/call-context.ts';
import type { PlaybackResult } from '../conference/room-media.ts';
import type { CallMedia } from './call-media.ts';
import { InboundLeg } from './inbound-leg.ts';
import type { SipLeg } from './sip-leg.ts';

export interface SipCallContextOptions {
  leg: SipLeg;
  media: CallMedia;
  callerId: string;
  authenticatedExtension?: string;
  /** Prompt language (e.g. "en", "fr"). */
  language?: string | undefined;
  /** Told once the 200 OK went out. */
  onAnswered?: () => void;
}

export class SipCallContext implements CallContext {
  readonly callId: string;
  readonly callerId: string;
  readonly authenticatedExtension?: string;
  readonly leg: SipLeg;
  readonly media: CallMedia;
  readonly #language: string | undefined;
  readonly #onAnswered: (() => void) | undefined;
  readonly #digitListeners = new Set<(digit: string) => void>();
  readonly #unsubscribe: () => void;
  /** The playback a digit may cut short (interruptOnDigit). */
  #interruptible = false;
  hangupReason: HangupReason | undefined;

  constructor(options: SipCallContextOptions) {
    this.leg = options.leg;
    this.media = options.media;
    this.callId = options.leg.callId;
    this.callerId = options.callerId;
    if (options.authenticatedExtension !== undefined)
      this.authenticatedExtension = options.authenticatedExtension;
    this.#language = options.language;
    this.#onAnswered = options.onAnswered;
    this.#unsubscribe = this.media.engine.onDigit(this.media.sessionId, (e) => this.#digit(e.digit));
    this.leg.handlers = {
      reoffer: (offer) => this.media.reoffer(offer),
      currentSdp: () => this.media.localSdp,
      answer: (sdp) => void this.media.acceptAnswer(sdp),
      dtmf: (info) => {
        // SIP INFO digits do not pass through the engine, so they cut an interruptible prompt here.
        if (this.#interruptible) void this.media.engine.stopPlayback(this.media.sessionId).catch(() => {});
        this.#digit(info.digit);
      },
    };
    this.leg.onEnded(() => {
      this.#unsubscribe();
      this.media.close();
    });
  }

  get mediaId(): string {
    return this.media.sessionId;
  }

  get ended(): boolean {
    return this.leg.ended !== undefined;
  }

  async answer(): Promise<void> {
    if (this.ended) throw new Error('the call has ended');
    if (this.leg instanceof InboundLeg && this.leg.state !== 'answered') {
      const acked = this.leg.answer(this.media.localSdp);
      this.#onAnswered?.();
      // A late-offer INVITE: our 200 carried the offer, the ACK carries the answer.
      if (this.leg.offer === undefined) {
        const answer = await acked;
        if (answer !== undefined) await this.media.acceptAnswer(answer);
      }
    }
  }

  async play(
    sounds: readonly SoundName[],
    options: { interruptOnDigit?: boolean } = {},
  ): Promise<PlaybackResult> {
    if (this.ended) return 'stopped';
    this.#interruptible = options.interruptOnDigit ?? false;
    const files = sounds.map((s) => soundPath(this.#language, s));
    try {
      const r = await this.media.engine.play(this.media.sessionId, files, {
        interruptOnDigit: this.#interruptible,
      });
      if (this.ended) return 'stopped';
      return r;
    } catch {
      return 'stopped';
    } finally {
      this.#interruptible = false;
    }
  }

  onDigit(listener: (digit: string) => void): () => void {
    this.#digitListeners.add(listener);
    return () => {
      this.#digitListeners.delete(listener);
    };
  }

  hangup(reason: HangupReason): void {
    this.hangupReason ??= reason;
    this.leg.hangup();
  }

  onHangup(listener: () => void): () => void {
    let active = true;
    this.leg.onEnded(() => {
      if (active) listener();
    });
    return () => {
      active = false;
    };
  }

  #digit(digit: string): void {
    for (const l of this.#digitListeners) {
      try {
        l(digit);
      } catch {
        // a step's listener failing must not stop the others
      }
    }
  }
}
