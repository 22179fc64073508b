/**
 * Nonce-count replay protection (RFC 7616 §3.4 and §5.5): for each nonce that has carried valid
 * credentials, remember which `nc` values were used, so the same request-digest cannot be replayed.
 * A sliding window (as IPsec's anti-replay, RFC 4303 §3.4.3) lets requests sent in parallel arrive out
 * of order: any unused nc within WINDOW of the highest seen is accepted once.
 *
 * Entries are kept only for nonces that authenticated someone (an attacker cannot grow the table without
 * a password) and are forgotten once the nonce is stale anyway.
 */

const WINDOW = 32;

interface Entry {
  highest: number;
  /** Bit i set: nc = highest - i was used. */
  seen: number;
  expiresAt: number;
}

export interface NonceCountTrackerOptions {
  /** Forget a nonce this long after its issue (the nonce lifetime). */
  lifetimeMs: number;
  now?: () => number;
}

/** Remembers which nonce-counts each nonce has used. */
export class NonceCountTracker {
  readonly #entries = new Map<string, Entry>();
  readonly #lifetimeMs: number;
  readonly #now: () => number;
  #nextSweep = 0;

  constructor(options: NonceCountTrackerOptions) {
    this.#lifetimeMs = options.lifetimeMs;
    this.#now = options.now ?? Date.now;
  }

  /** Number of nonces currently tracked. */
  get size(): number {
    return this.#entries.size;
  }

  /** Would `nc` be fresh for `nonce`? Does not record it. */
  isFresh(nonce: string, nc: number): boolean {
    if (!Number.isInteger(nc) || nc < 1) return false;
    const e = this.#entries.get(nonce);
    if (!e) return true;
    if (nc > e.highest) return true;
    const back = e.highest - nc;
    if (back >= WINDOW) return false;
    return (e.seen & (1 << back)) === 0;
  }

  /**
   * Record `nc` for `nonce` (issued at `issuedAt`). Returns false, recording nothing, when it was
   * already used or is too old for the window: a replay.
   */
  use(nonce: string, nc: number, issuedAt: number): boolean {
    this.#sweep();
    if (!this.isFresh(nonce, nc)) return false;
    const e = this.#entries.get(nonce);
    if (!e) {
      // The nonce was cut from the request's text, and a cut string keeps all of it: the key is a copy,
      // or every call's whole INVITE would stay in memory as long as its nonce is tracked (minutes).
      const key = Buffer.from(nonce, 'latin1').toString('latin1');
      this.#entries.set(key, { highest: nc, seen: 1, expiresAt: issuedAt + this.#lifetimeMs });
      return true;
    }
    if (nc > e.highest) {
      const shift = nc - e.highest;
      e.seen = shift >= WINDOW ? 1 : ((e.seen << shift) | 1) >>> 0;
      e.highest = nc;
    } else {
      e.seen = (e.seen | (1 << (e.highest - nc))) >>> 0;
    }
    return true;
  }

  /** Drop expired entries, at most every quarter lifetime so the cost stays amortised. */
  #sweep(): void {
    const now = this.#now();
    if (now < this.#nextSweep) return;
    this.#nextSweep = now + this.#lifetimeMs / 4;
    for (const [nonce, e] of this.#entries) if (e.expiresAt < now) this.#entries.delete(nonce);
  }
}
