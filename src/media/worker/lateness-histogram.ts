/**
 * A fixed-bucket histogram of lateness in milliseconds: 0.05 ms buckets up to 200 ms, one overflow bucket.
 * Recording is O(1) with no allocation, so a media clock can record every tick; percentiles read the buckets.
 */
const BUCKET_MS = 0.05;
const BUCKETS = 4000;

/** Percentiles of recorded lateness, in milliseconds. */
export interface LatenessSummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
  /** Samples more than 2 ms late: the media clock's target is a p99 within 2 ms. */
  over2ms: number;
}

/** The lateness `over2ms` counts beyond. */
const TARGET_MS = 2;

/** Lateness histogram (see file comment). */
export class LatenessHistogram {
  #buckets = new Uint32Array(BUCKETS + 1);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one sample (negative values count as 0). */
  record(ms: number): void {
    const v = Math.max(ms, 0);
    const i = Math.min(BUCKETS, Math.floor(v / BUCKET_MS));
    this.#buckets[i]!++;
    this.#count++;
    this.#sum += v;
    if (v > this.#max) this.#max = v;
  }

  /** The value below which `q` (0..1) of the samples lie, at bucket resolution (upper bucket edge). */
  quantile(q: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil(q * this.#count);
    let seen = 0;
    for (let i = 0; i <= BUCKETS; i++) {
      seen += this.#buckets[i]!;
      if (seen >= rank) return i === BUCKETS ? this.#max : Math.min(this.#max, (i + 1) * BUCKET_MS);
    }
    return this.#max;
  }

  /** How many samples lie above `ms`, at bucket resolution (a sample in the bucket holding `ms` is not). */
  countAbove(ms: number): number {
    const from = Math.min(BUCKETS, Math.floor(ms / BUCKET_MS) + 1);
    let n = 0;
    for (let i = from; i <= BUCKETS; i++) n += this.#buckets[i]!;
    return n;
  }

  summary(): LatenessSummary {
    return {
      count: this.#count,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.#max,
      mean: this.#count ? this.#sum / this.#count : 0,
      over2ms: this.countAbove(TARGET_MS),
    };
  }

  reset(): void {
    this.#buckets.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#max = 0;
  }
}
