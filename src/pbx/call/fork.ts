/**
 * Forking, done by a B2BUA: every destination of a call (each registered contact of a user, or one
 * trunk) is rung in parallel with a media session of its own, the first 2xx wins and every other leg is
 * cancelled (RFC 3261 §16.7 / §9.1), and when no one answers the outcome says how it ended (busy
 * somewhere, the last status, or the ring timeout). Bridging a call (bridge.ts), a blind transfer's target
 * (transfer.ts) and the console's Invite (call-manager.ts) all ring this way; what each does with the
 * winner, and how each reports failure, stays with it.
 */
import type { Call } from './call.ts';
import { type CallMedia, isMediaFailure } from './call-media.ts';
import { type CallServices, offerFor } from './call-services.ts';
import { type DialOptions, OutboundLeg } from './outbound-leg.ts';

/** One destination: where and how to send the INVITE (the offer is made per leg). */
export type ForkTarget = Omit<DialOptions, 'offer'>;

/** How a fork ended without an answer. */
export interface ForkFailure {
  /** Why: every leg failed, no leg could be dialled (no media), or the ring timeout passed. */
  cause: 'failed' | 'no-legs' | 'timeout';
  /** Some leg answered 486 Busy Here or 600 Busy Everywhere. */
  busy: boolean;
  /** The last final status and reason a leg got (480 when none failed). */
  lastStatus: number;
  lastReason: string;
}

export interface ForkHandlers {
  /** Each leg as it is dialled (index it, give it in-dialog handlers…). */
  dialled?(leg: OutboundLeg, media: CallMedia): void;
  /** The first leg to report ringing (once). */
  ringing?(): void;
  /**
   * The first 2xx. The other legs are already cancelled and their media closed; the winner's answer SDP
   * (undefined when it sent none) is the handler's to accept.
   */
  answered(leg: OutboundLeg, media: CallMedia, answer: string | undefined): void;
  /**
   * No one answered; every leg is hung up and its media closed. Not called after `cancel()`, nor once the
   * call has ended. May come before `Fork.ring` resolves (when no leg could be dialled, say).
   */
  failed(failure: ForkFailure, fork: Fork): void;
}

export interface ForkOptions {
  /** The media sessions' worker affinity (engine.ts): beside the room they are going to join. */
  affinity: string;
  /** Give up after this long without an answer (`failed` with cause `timeout`); default: the PBX's. */
  ringTimeoutMs?: number;
  /** How a leg's media is offered and the leg dialled: `offerFor` and `OutboundLeg.dial` (tests swap them). */
  offer?: typeof offerFor;
  dial?: typeof OutboundLeg.dial;
}

/** A fork in progress (see file comment). */
export class Fork {
  readonly #svc: CallServices;
  readonly #call: Call;
  readonly #handlers: ForkHandlers;
  /** Every leg dialled and not failed, with its media; while the fork rings, the legs still ringing. */
  readonly #legs = new Map<OutboundLeg, CallMedia>();
  #winner: OutboundLeg | undefined;
  #done = false;
  #busy = false;
  #lastStatus = 480;
  #lastReason = 'Temporarily Unavailable';
  #rang = false;
  /**
   * True while the targets are still being dialled: each dial first awaits its media session, and a leg
   * that fails meanwhile (a contact whose connection just closed fails at once) must not end the fork
   * before the later contacts have rung.
   */
  #dialling = true;
  #timer: NodeJS.Timeout | undefined;
  /** The legs dialled, in order (the first one names an outbound call). */
  readonly dialled: OutboundLeg[] = [];

  private constructor(svc: CallServices, call: Call, handlers: ForkHandlers) {
    this.#svc = svc;
    this.#call = call;
    this.#handlers = handlers;
  }

  /**
   * Rings every target; resolves once all have been dialled (the fork goes on: its handlers report the
   * outcome). Each leg and its media are added to `call` (not as essential legs).
   */
  static async ring(
    svc: CallServices,
    call: Call,
    targets: readonly ForkTarget[],
    options: ForkOptions,
    handlers: ForkHandlers,
  ): Promise<Fork> {
    const fork = new Fork(svc, call, handlers);
    const ringTimeoutMs = options.ringTimeoutMs ?? svc.ringTimeoutMs;
    if (ringTimeoutMs !== undefined) {
      fork.#timer = setTimeout(() => fork.#fail('timeout'), ringTimeoutMs);
      fork.#timer.unref();
      call.addCleanup(() => clearTimeout(fork.#timer));
    }
    await fork.#dialAll(targets, options);
    return fork;
  }

  /** Whether a leg has answered. */
  get answered(): boolean {
    return this.#winner !== undefined;
  }

  /** Stops ringing: every leg still ringing is cancelled and its media closed; no handler is called. */
  cancel(): void {
    if (this.#done) return;
    this.#done = true;
    this.#hangupAll();
  }

  async #dialAll(targets: readonly ForkTarget[], options: ForkOptions): Promise<void> {
    const offer = options.offer ?? offerFor;
    const dial = options.dial ?? OutboundLeg.dial;
    for (const target of targets) {
      // Answered already (a contact rung earlier picked up while this one's media was being set up): the
      // rest are not rung at all, or they would ring on, uncancelled, for the whole call.
      if (this.#over()) break;
      const media = await offer(this.#svc, target.target, options.affinity);
      if (isMediaFailure(media)) {
        this.#svc.logger.warn({ callId: this.#call.id, err: media.message }, 'no media for an outgoing leg');
        continue;
      }
      if (this.#over()) {
        media.close();
        break;
      }
      this.#call.addMedia(media);
      const leg = dial(
        this.#svc.stack,
        { ...target, offer: media.localSdp },
        {
          ringing: () => {
            if (this.#rang || this.#over()) return;
            this.#rang = true;
            this.#handlers.ringing?.();
          },
          answered: (leg, answer) => this.#answered(leg, answer),
          failed: (leg, status, reason) => this.#legFailed(leg, status, reason),
        },
      );
      this.#legs.set(leg, media);
      this.dialled.push(leg);
      this.#call.addLeg(leg, false);
      this.#handlers.dialled?.(leg, media);
    }
    this.#dialling = false;
    if (this.#legs.size === 0 && !this.#over()) this.#fail(this.dialled.length === 0 ? 'no-legs' : 'failed');
  }

  /** Answered, cancelled, given up, or the call itself ended. */
  #over(): boolean {
    return this.#done || this.#call.ended;
  }

  #answered(leg: OutboundLeg, answer: string | undefined): void {
    if (this.#over()) {
      // Another leg won (or the call ended) while this 2xx was on its way: it gets a BYE after its ACK.
      leg.hangup();
      return;
    }
    this.#done = true;
    this.#winner = leg;
    clearTimeout(this.#timer);
    const media = this.#legs.get(leg)!;
    for (const [other, m] of this.#legs) {
      if (other === leg) continue;
      other.hangup('cancelled');
      m.close();
    }
    this.#handlers.answered(leg, media, answer);
  }

  #legFailed(leg: OutboundLeg, status: number, reason: string): void {
    this.#legs.get(leg)?.close();
    if (!this.#legs.delete(leg)) return;
    this.#lastStatus = status;
    this.#lastReason = reason || 'Failed';
    if (status === 486 || status === 600) this.#busy = true;
    if (this.#legs.size === 0 && !this.#dialling && !this.#over()) this.#fail('failed');
  }

  #fail(cause: ForkFailure['cause']): void {
    if (this.#over()) return;
    this.#done = true;
    this.#hangupAll();
    this.#handlers.failed(
      { cause, busy: this.#busy, lastStatus: this.#lastStatus, lastReason: this.#lastReason },
      this,
    );
  }

  #hangupAll(): void {
    clearTimeout(this.#timer);
    for (const [leg, media] of this.#legs) {
      leg.hangup('cancelled');
      media.close();
    }
  }
}
