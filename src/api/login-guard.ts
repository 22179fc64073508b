/**
 * Login throttling per client address: a sliding one-minute window of attempts. Per-account lock-out
 * (after repeated failures) lives in the store, so it holds across restarts and servers.
 */
const WINDOW_MS = 60_000;
/** Beyond this many tracked addresses the oldest windows are dropped (memory stays bounded). */
const MAX_TRACKED = 10_000;

export class LoginGuard {
  private readonly attempts = new Map<string, number[]>();
  private readonly perMinute: number;
  private readonly now: () => number;

  constructor(perMinute: number, now: () => number = Date.now) {
    this.perMinute = perMinute;
    this.now = now;
  }

  /** Counts one attempt from `address`; returns the seconds to wait when over the limit, else 0. */
  attempt(address: string): number {
    const now = this.now();
    const recent = (this.attempts.get(address) ?? []).filter((t) => now - t < WINDOW_MS);
    if (recent.length >= this.perMinute) {
      this.attempts.set(address, recent);
      return Math.max(1, Math.ceil((recent[0]! + WINDOW_MS - now) / 1000));
    }
    recent.push(now);
    this.attempts.delete(address);
    this.attempts.set(address, recent);
    if (this.attempts.size > MAX_TRACKED) this.attempts.delete(this.attempts.keys().next().value!);
    return 0;
  }
}
