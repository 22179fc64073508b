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

/** The real clock: `performance.now()` and `setTimeout` (unref'd so a pending SIP timer never keeps a process alive). */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimer(ms, fn) {
    const handle = setTimeout(fn, ms);
    handle.unref();
    return { cancel: () => clearTimeout(handle) };
  },
};
