/**
 * Hands out RTP ports from the configured range: always an even port for RTP, with the odd port above it
 * reserved for RTCP (RFC 3550 §11), whether or not rtcp-mux (RFC 5761) makes it unused. Allocation walks
 * the range round-robin so a port just returned is not handed out again at once (late packets of the old
 * call would land in the new one). Pure bookkeeping: binding the socket is the caller's job, and a port the
 * caller could not bind (used by another program) is simply released and another one asked for.
 */
export class PortAllocator {
  readonly min: number;
  readonly max: number;
  #inUse = new Set<number>();
  #next: number;

  /** `min`..`max` inclusive; `min` is rounded up to even, and a pair needs `port + 1 <= max`. */
  constructor(min: number, max: number) {
    const lo = min % 2 === 0 ? min : min + 1;
    if (!Number.isInteger(min) || !Number.isInteger(max) || lo < 1 || max > 65535 || lo + 1 > max) {
      throw new RangeError(`RTP port range ${min}-${max} holds no even/odd pair`);
    }
    this.min = lo;
    this.max = max;
    this.#next = lo;
  }

  /** How many RTP/RTCP pairs the range holds. */
  get capacity(): number {
    return Math.floor((this.max - this.min + 1) / 2);
  }

  get used(): number {
    return this.#inUse.size;
  }

  /** The next free even port, or null when every pair is taken. */
  allocate(): number | null {
    const pairs = this.capacity;
    for (let i = 0; i < pairs; i++) {
      const port = this.#next;
      this.#next += 2;
      if (this.#next + 1 > this.max) this.#next = this.min;
      if (!this.#inUse.has(port)) {
        this.#inUse.add(port);
        return port;
      }
    }
    return null;
  }

  /** Returns a port to the pool; unknown ports are ignored (release is idempotent). */
  release(port: number): void {
    this.#inUse.delete(port);
  }

  isAllocated(port: number): boolean {
    return this.#inUse.has(port);
  }
}
