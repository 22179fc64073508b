import type { RateLimit } from './transport.ts';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per key (a source IP): each message takes one token, tokens refill at `ratePerSecond`
 * up to `burst`. A flooding source runs dry and is dropped while every other source keeps its own
 * bucket. Memory is bounded: buckets that have refilled completely carry no state worth keeping and are
 * swept out.
 */
export class RateLimiter {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #lastSweep = 0;

  constructor(limit: RateLimit, now: () => number = () => performance.now()) {
    this.#rate = limit.ratePerSecond / 1000;
    this.#burst = limit.burst;
    this.#now = now;
    this.#lastSweep = now();
  }

  /** Takes one token for `key`; false when the bucket is empty (drop the message). */
  allow(key: string): boolean {
    const now = this.#now();
    if (now - this.#lastSweep > 10_000) this.#sweep(now);
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.#burst, at: now };
      this.#buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.#burst, b.tokens + (now - b.at) * this.#rate);
      b.at = now;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    for (const [key, b] of this.#buckets) {
      if (b.tokens + (now - b.at) * this.#rate >= this.#burst) this.#buckets.delete(key);
    }
  }
}
