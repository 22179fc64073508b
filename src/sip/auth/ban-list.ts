/**
 * Temporary bans for sources that keep failing authentication (password guessing, RFC 3261 §26.1.x
 * threats). Failures are counted per source address in a sliding window; at `maxFailures` the source is
 * banned for `banMs`, and its requests are to be dropped without an answer. Each ban is logged as a
 * security event.
 *
 * Memory is bounded: at most `maxTracked` sources are remembered, the least recently failing forgotten
 * first, so a spoofed-address flood cannot grow the table.
 */
import type { Logger } from 'pino';

export interface BanListOptions {
  /** Failures within `windowMs` that trigger a ban. Default 10. */
  maxFailures?: number;
  /** Sliding window for counting failures. Default 60 s. */
  windowMs?: number;
  /** Ban duration. Default 15 min. */
  banMs?: number;
  /** Most sources tracked at once. Default 100,000. */
  maxTracked?: number;
  /** Where security events go. */
  logger?: Logger;
  now?: () => number;
}

interface SourceState {
  /** Failure times within the window, oldest first (at most maxFailures entries). */
  failures: number[];
  bannedUntil: number;
}

/** Counts authentication failures per source and bans repeat offenders. */
export class BanList {
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly banMs: number;
  readonly #maxTracked: number;
  readonly #logger: Logger | undefined;
  readonly #now: () => number;
  /** Insertion order = least recently touched first (entries are re-inserted when touched). */
  readonly #sources = new Map<string, SourceState>();
  #bansIssued = 0;

  constructor(options: BanListOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 60_000;
    this.banMs = options.banMs ?? 15 * 60_000;
    this.#maxTracked = options.maxTracked ?? 100_000;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
  }

  /** Whether requests from `source` are to be dropped now. */
  isBanned(source: string): boolean {
    const s = this.#sources.get(source);
    if (!s || s.bannedUntil === 0) return false;
    if (s.bannedUntil > this.#now()) return true;
    // The ban has run out: forget it, and the failures that led to it.
    this.#sources.delete(source);
    return false;
  }

  /**
   * Count one failed attempt from `source`. Returns true when this failure banned it. `detail` goes
   * into the security log line (e.g. the username tried and the method).
   */
  recordFailure(source: string, detail: Record<string, unknown> = {}): boolean {
    const now = this.#now();
    let s = this.#sources.get(source);
    if (s) this.#sources.delete(source);
    else s = { failures: [], bannedUntil: 0 };
    this.#sources.set(source, s);
    if (s.bannedUntil > now) return false;
    const cutoff = now - this.windowMs;
    while (s.failures.length > 0 && s.failures[0]! <= cutoff) s.failures.shift();
    s.failures.push(now);
    this.#logger?.info({ event: 'security.auth-failure', source, ...detail }, 'authentication failed');
    this.#evict();
    if (s.failures.length < this.maxFailures) return false;
    s.failures = [];
    s.bannedUntil = now + this.banMs;
    this.#bansIssued++;
    this.#logger?.warn(
      {
        event: 'security.ban',
        source,
        failures: this.maxFailures,
        windowMs: this.windowMs,
        banMs: this.banMs,
        ...detail,
      },
      'source banned after repeated authentication failures',
    );
    return true;
  }

  /** Lift a ban (an administrator's decision). */
  unban(source: string): void {
    this.#sources.delete(source);
  }

  /** Sources banned right now. */
  banned(): string[] {
    const now = this.#now();
    return [...this.#sources].filter(([, s]) => s.bannedUntil > now).map(([k]) => k);
  }

  /** Counters for metrics. */
  stats(): { tracked: number; bansIssued: number } {
    return { tracked: this.#sources.size, bansIssued: this.#bansIssued };
  }

  #evict(): void {
    while (this.#sources.size > this.#maxTracked) {
      const oldest = this.#sources.keys().next().value as string;
      this.#sources.delete(oldest);
    }
  }
}
