/**
 * Per-source request throttling: a token bucket per source address, so one address flooding the server
 * is slowed down while every other address is served as usual. Requests over the limit are to be dropped
 * (answering them would spend the very resources the flood is after).
 *
 * Memory is bounded: at most `maxTracked` sources, the least recently seen forgotten first — a forgotten
 * source starts again with a full bucket, which only ever errs on the side of serving.
 */

export interface RateLimiterOptions {
  /** Sustained requests per second per source. Default 100. */
  ratePerSecond?: number;
  /** Bucket size: how many requests a source may send in a burst. Default 2 × rate. */
  burst?: number;
  /** Most sources tracked at once. Default 100,000. */
  maxTracked?: number;
  now?: () => number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** A token bucket per source address. */
export class RateLimiter {
  readonly ratePerSecond: number;
  readonly burst: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #buckets = new Map<string, Bucket>();
  #dropped = 0;

  constructor(options: RateLimiterOptions = {}) {
    this.ratePerSecond = options.ratePerSecond ?? 100;
    this.burst = options.burst ?? this.ratePerSecond * 2;
    this.#maxTracked = options.maxTracked ?? 100_000;
    this.#now = options.now ?? Date.now;
  }

  /** Take one token for `source`; false means: over the limit, drop the request. */
  allow(source: string): boolean {
    const now = this.#now();
    let b = this.#buckets.get(source);
    if (b) {
      this.#buckets.delete(source);
      b.tokens = Math.min(this.burst, b.tokens + ((now - b.updated) * this.ratePerSecond) / 1000);
      b.updated = now;
    } else {
      b = { tokens: this.burst, updated: now };
      if (this.#buckets.size >= this.#maxTracked)
        this.#buckets.delete(this.#buckets.keys().next().value as string);
    }
    this.#buckets.set(source, b);
    if (b.tokens < 1) {
      this.#dropped++;
      return false;
    }
    b.tokens -= 1;
    return true;
  }

  /** Counters for metrics. */
  stats(): { tracked: number; dropped: number } {
    return { tracked: this.#buckets.size, dropped: this.#dropped };
  }
}
