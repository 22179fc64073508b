/**
 * A call: the legs it owns, their media sessions and the engine room that bridges two parties. Ownership
 * tree: ending the call hangs up every leg, closes every session and room, once, and writes the record.
 */
import type { CallMedia } from './call-media.ts';
import type { EndReason, SipLeg } from './sip-leg.ts';

export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallDisposition = 'answered' | 'busy' | 'failed' | 'no-answer' | 'cancelled';

/** What a finished call leaves behind (the store's call record). */
export interface CallSummary {
  id: string;
  startedAt: string;
  answeredAt?: string;
  endedAt: string;
  from: string;
  to: string;
  direction: CallDirection;
  disposition: CallDisposition;
  conferenceId?: string;
  durationSeconds?: number;
  reason: EndReason | string;
}

export interface CallInit {
  id: string;
  from: string;
  to: string;
  direction: CallDirection;
  conferenceId?: string;
}

export class Call {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly direction: CallDirection;
  conferenceId: string | undefined;
  readonly startedAt = new Date();
  answeredAt: Date | undefined;
  readonly legs = new Set<SipLeg>();
  readonly #media = new Set<CallMedia>();
  readonly #cleanups: Array<() => void> = [];
  #ended: CallSummary | undefined;
  #outcome: { reason: EndReason | string; disposition: CallDisposition } | undefined;
  readonly #listeners: Array<(summary: CallSummary) => void> = [];
  readonly #answeredListeners: Array<() => void> = [];

  constructor(init: CallInit) {
    this.id = init.id;
    this.from = init.from;
    this.to = init.to;
    this.direction = init.direction;
    this.conferenceId = init.conferenceId;
  }

  get ended(): boolean {
    return this.#ended !== undefined;
  }

  /** Adds a leg; with `essential`, the leg's end ends the call (a bridged party hanging up). */
  addLeg(leg: SipLeg, essential = true): void {
    this.legs.add(leg);
    leg.onEnded((reason) => {
      if (essential) this.end(reason);
    });
  }

  /** Whether one of this call's media sessions is `sessionId`. */
  hasSession(sessionId: string): boolean {
    return this.media(sessionId) !== undefined;
  }

  /** This call's media session `sessionId`, if it has it. */
  media(sessionId: string): CallMedia | undefined {
    for (const m of this.#media) if (m.sessionId === sessionId) return m;
    return undefined;
  }

  addMedia(media: CallMedia): void {
    if (this.#ended) media.close();
    else this.#media.add(media);
  }

  /** Runs `fn` when the call ends (closing a room, say). */
  addCleanup(fn: () => void): void {
    if (this.#ended) fn();
    else this.#cleanups.push(fn);
  }

  answered(): void {
    if (this.answeredAt) return;
    this.answeredAt = new Date();
    for (const l of this.#answeredListeners.splice(0)) safely(l);
  }

  /** Called once when the call is answered (never if it ends first). */
  onAnswered(listener: () => void): void {
    if (this.answeredAt) listener();
    else if (!this.#ended) this.#answeredListeners.push(listener);
  }

  onEnded(listener: (summary: CallSummary) => void): void {
    if (this.#ended) listener(this.#ended);
    else this.#listeners.push(listener);
  }

  /**
   * How the call is about to end, for an `end` that comes first without a disposition: rejecting the
   * caller's leg (busy, no answer) ends the call through that leg before the caller of `end` gets to it.
   */
  endingAs(reason: EndReason | string, disposition: CallDisposition): void {
    this.#outcome ??= { reason, disposition };
  }

  /** Ends everything the call owns. Idempotent. */
  end(reason: EndReason | string, disposition?: CallDisposition): void {
    if (this.#ended) return;
    if (disposition === undefined && this.#outcome) ({ reason, disposition } = this.#outcome);
    const endedAt = new Date();
    const summary: CallSummary = {
      id: this.id,
      startedAt: this.startedAt.toISOString(),
      endedAt: endedAt.toISOString(),
      from: this.from,
      to: this.to,
      direction: this.direction,
      disposition: disposition ?? dispositionOf(this.answeredAt !== undefined, reason),
      reason,
    };
    if (this.conferenceId) summary.conferenceId = this.conferenceId;
    if (this.answeredAt) {
      summary.answeredAt = this.answeredAt.toISOString();
      summary.durationSeconds = Math.round((endedAt.getTime() - this.answeredAt.getTime()) / 1000);
    }
    this.#ended = summary;
    this.#answeredListeners.length = 0;
    for (const leg of this.legs) leg.hangup(reason === 'shutdown' ? 'shutdown' : 'local-hangup');
    for (const m of this.#media) m.close();
    for (const fn of this.#cleanups.splice(0)) safely(fn);
    for (const l of this.#listeners.splice(0)) safely(() => l(summary));
  }
}

function dispositionOf(answered: boolean, reason: string): CallDisposition {
  if (answered) return 'answered';
  if (reason === 'cancelled') return 'cancelled';
  if (reason === 'no-answer') return 'no-answer';
  if (reason === 'busy') return 'busy';
  return 'failed';
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // cleanup failures never stop the rest of the teardown
  }
}
