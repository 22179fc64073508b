/**
 * The time source of the SIP layer. Transactions, dialogs and the stack take a `Clock` so tests drive
 * every RFC timer on a fake clock (see `fake-clock.ts`) instead of waiting for real seconds.
 */

/** A pending timer; `cancel()` is idempotent. */
export interface Timer {
  cancel(): void;
}

/** A time source: the real one (`systemClock`) or a test one (`FakeClock`). */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences are meaningful). */
  now(): number;
  /** Calls `fn` once after `ms` milliseconds unless cancelled first. */
  setTimer(ms: number, fn: () => void): Timer;
}

/** A `setTimeout` as a `Timer`: one object per timer (calls keep several alive for 64*T1). */
class SystemTimer implements Timer {
  readonly #handle: NodeJS.Timeout;

  constructor(ms: number, fn: () => void) {
    this.#handle = setTimeout(fn, ms);
    this.#handle.unref();
  }

  cancel(): void {
    clearTimeout(this.#handle);
  }
}

/** The real clock: `performance.now()` and `setTimeout` (unref'd so a pending SIP timer never keeps a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer: (ms, fn) => new SystemTimer(ms, fn),
};
