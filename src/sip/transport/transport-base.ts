import { DEFAULT_MAX_MESSAGE_BYTES } from '../message/index.ts';
import type { SipMessage, SipParseError } from '../message/types.ts';
import { RateLimiter } from './rate-limiter.ts';
import type {
  MessageSource,
  TransportLimits,
  TransportListener,
  TransportLog,
  TransportProtocol,
  TransportStats,
} from './transport.ts';

const DEFAULT_RATE = { ratePerSecond: 500, burst: 1000 };
// Longer than the usual 3600 s re-registration, so a phone that registered over TCP without keep-alives
// stays reachable on its connection until it refreshes.
const DEFAULT_IDLE_MS = 70 * 60 * 1000;
const silent: TransportLog = { warn: () => {}, debug: () => {} };

let nextConnection = 1;

/** A process-unique connection id, e.g. `tcp-17`. */
export function newConnectionId(protocol: TransportProtocol): string {
  return `${protocol}-${nextConnection++}`;
}

/**
 * What every transport shares: the listener list (errors in listeners are logged, never thrown back into
 * the socket handlers), the counters, the per-source rate limiter and the limits.
 */
export abstract class TransportBase {
  protected readonly counters: Omit<TransportStats, 'connections'> = {
    received: 0,
    sent: 0,
    droppedMalformed: 0,
    droppedRateLimited: 0,
    oversized: 0,
    sendErrors: 0,
    keepalives: 0,
  };
  protected readonly maxMessageBytes: number;
  protected readonly idleTimeoutMs: number;
  protected readonly log: TransportLog;
  readonly #maxConnectionsPerIp: number;
  readonly #connectionsPerIp = new Map<string, number>();
  readonly #limiter: RateLimiter | undefined;
  readonly #listeners = new Set<TransportListener>();

  constructor(limits: TransportLimits) {
    this.maxMessageBytes = limits.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.idleTimeoutMs = limits.idleTimeoutMs ?? DEFAULT_IDLE_MS;
    this.log = limits.log ?? silent;
    this.#maxConnectionsPerIp = limits.maxConnectionsPerIp ?? 200;
    const rate = limits.rateLimit === undefined ? DEFAULT_RATE : limits.rateLimit;
    this.#limiter = rate === false ? undefined : new RateLimiter(rate, limits.now);
  }

  listen(listener: TransportListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Takes a token for the source; counts and returns false when it is over its rate. */
  protected admit(address: string): boolean {
    if (!this.#limiter || this.#limiter.allow(address)) return true;
    this.counters.droppedRateLimited++;
    return false;
  }

  /**
   * Counts a new connection from `address`; false (and counted as rate-limited) when that source already
   * holds its maximum. Every true must be paired with `connectionGone(address)`.
   */
  protected admitConnection(address: string): boolean {
    const n = this.#connectionsPerIp.get(address) ?? 0;
    if (n >= this.#maxConnectionsPerIp) {
      this.counters.droppedRateLimited++;
      return false;
    }
    this.#connectionsPerIp.set(address, n + 1);
    return true;
  }

  protected connectionGone(address: string): void {
    const n = (this.#connectionsPerIp.get(address) ?? 1) - 1;
    if (n <= 0) this.#connectionsPerIp.delete(address);
    else this.#connectionsPerIp.set(address, n);
  }

  protected deliver(message: SipMessage, source: MessageSource): void {
    this.counters.received++;
    for (const l of this.#listeners) {
      try {
        l.message(message, source);
      } catch (err) {
        this.log.warn({ err, source }, 'SIP transport listener failed');
      }
    }
  }

  /** Counts a message that failed to parse (513 = too large) and tells the listeners. */
  protected reject(error: SipParseError, source: MessageSource): void {
    if (error.status === 513) this.counters.oversized++;
    else this.counters.droppedMalformed++;
    this.log.debug({ source, reason: error.message }, 'SIP message dropped');
    for (const l of this.#listeners) {
      try {
        l.malformed?.(error, source);
      } catch (err) {
        this.log.warn({ err, source }, 'SIP transport listener failed');
      }
    }
  }

  protected connectionClosed(connectionId: string, source: MessageSource): void {
    for (const l of this.#listeners) {
      try {
        l.connectionClosed?.(connectionId, source);
      } catch (err) {
        this.log.warn({ err, source }, 'SIP transport listener failed');
      }
    }
  }
}
