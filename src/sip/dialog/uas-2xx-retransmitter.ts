/**
 * §13.3.1.4: a UAS core retransmits its 2xx to INVITE — starting at T1, doubling up to T2 — until the
 * ACK arrives, on every transport (a hop further on may be UDP). After 64*T1 without ACK the dialog
 * should be ended with BYE, which the TU is told to do. Keyed by the dialog and the INVITE's CSeq
 * number, which is what the ACK for a 2xx carries (it has a branch of its own, §17.1.1.3).
 */
import type { Clock, Timer } from '../transaction/clock.ts';
import type { TransactionTimers } from '../transaction/timers.ts';

interface Pending<T> {
  timer: Timer | undefined;
  value: T;
}

/** Retransmits 2xx responses until their ACK; `T` is what the caller wants back when the ACK comes. */
export class Uas2xxRetransmitter<T> {
  readonly #clock: Clock;
  readonly #timers: TransactionTimers;
  readonly #pending = new Map<string, Pending<T>>();

  constructor(clock: Clock, timers: TransactionTimers) {
    this.#clock = clock;
    this.#timers = timers;
  }

  /** Starts retransmitting with `resend` (unless already running for `key`); `value` comes back on ACK. */
  start(key: string, value: T, resend: () => void, onTimeout: () => void): void {
    if (this.#pending.has(key)) return;
    const { T1, T2, H } = this.#timers;
    const started = this.#clock.now();
    let interval = T1;
    const pending: Pending<T> = { timer: undefined, value };
    const fire = () => {
      const elapsed = this.#clock.now() - started;
      if (elapsed >= H) {
        this.#pending.delete(key);
        onTimeout();
        return;
      }
      resend();
      interval = Math.min(interval * 2, T2);
      pending.timer = this.#clock.setTimer(Math.min(interval, H - elapsed), fire);
    };
    pending.timer = this.#clock.setTimer(interval, fire);
    this.#pending.set(key, pending);
  }

  /** The ACK for `key` arrived: stops, and returns the value given to `start` (undefined if none was pending). */
  ack(key: string): T | undefined {
    const pending = this.#pending.get(key);
    if (!pending) return undefined;
    pending.timer?.cancel();
    this.#pending.delete(key);
    return pending.value;
  }

  close(): void {
    for (const p of this.#pending.values()) p.timer?.cancel();
    this.#pending.clear();
  }
}
