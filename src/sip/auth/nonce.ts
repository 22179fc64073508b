/**
 * Stateless server nonces (RFC 7616 §3.3 and §5.4): a nonce carries its own issue time and an HMAC over
 * it, so any nonce we issued can be checked — and its age known — without remembering it. A restart with
 * a new secret simply makes old nonces invalid, and clients are challenged again.
 *
 * ```
 * nonce = base64url( issued-ms (8 bytes, big-endian) | serial (8 bytes) | HMAC-SHA256(secret, first 16)[0..16) )
 * ```
 */
import { createHmac, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';

/** What a nonce presented by a client turned out to be. */
export type NonceState = 'valid' | 'stale' | 'invalid';

export interface NonceIssuerOptions {
  /** HMAC key; random per process when absent. */
  secret?: Uint8Array;
  /** How long a nonce is accepted; afterwards it is stale (RFC 7616 §3.3 `stale`). Default 300 s. */
  lifetimeMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

const RAW_LENGTH = 32;
const MAC_LENGTH = 16;
/** Nonces stamped this far in the future are accepted (clock adjustments); beyond, they are forged. */
const FUTURE_SKEW_MS = 5_000;

/** Issues and checks HMAC-signed, self-dating nonces. */
export class NonceIssuer {
  readonly lifetimeMs: number;
  readonly #key: KeyObject;
  readonly #now: () => number;
  /** A random start and a counter make every nonce unique without a random draw per challenge. */
  readonly #serialHigh: number;
  #serialLow: number;

  constructor(options: NonceIssuerOptions = {}) {
    this.#key = createSecretKey(options.secret ?? randomBytes(32));
    this.lifetimeMs = options.lifetimeMs ?? 300_000;
    this.#now = options.now ?? Date.now;
    const start = randomBytes(8);
    this.#serialHigh = start.readUInt32BE(0);
    this.#serialLow = start.readUInt32BE(4);
  }

  /** A fresh nonce stamped with the current time. */
  issue(): string {
    const raw = Buffer.allocUnsafe(RAW_LENGTH);
    const now = Math.floor(this.#now());
    raw.writeUInt32BE(Math.floor(now / 2 ** 32), 0);
    raw.writeUInt32BE(now >>> 0, 4);
    this.#serialLow = (this.#serialLow + 1) >>> 0;
    raw.writeUInt32BE(this.#serialHigh, 8);
    raw.writeUInt32BE(this.#serialLow, 12);
    this.#mac(raw).copy(raw, 16, 0, MAC_LENGTH);
    return raw.toString('base64url');
  }

  /** Whether we issued `nonce` (signature) and whether it is still young enough. */
  check(nonce: string): NonceState {
    return this.verify(nonce).state;
  }

  /** `check` plus the issue time of a nonce we signed (one HMAC for both). */
  verify(nonce: string): { state: NonceState; issuedAt?: number } {
    const issuedAt = this.issuedAt(nonce);
    if (issuedAt === undefined) return { state: 'invalid' };
    const age = this.#now() - issuedAt;
    if (age < -FUTURE_SKEW_MS) return { state: 'invalid' };
    return { state: age > this.lifetimeMs ? 'stale' : 'valid', issuedAt };
  }

  /** The issue time of a nonce we signed, or undefined when it is not ours. */
  issuedAt(nonce: string): number | undefined {
    if (nonce.length !== 43 || !/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== RAW_LENGTH) return undefined;
    const expected = this.#mac(raw);
    // Constant-time: a forger must not learn how many MAC bytes were right.
    let diff = 0;
    for (let k = 0; k < MAC_LENGTH; k++) diff |= expected[k]! ^ raw[16 + k]!;
    if (diff !== 0) return undefined;
    return raw.readUInt32BE(0) * 2 ** 32 + raw.readUInt32BE(4);
  }

  #mac(raw: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(raw.subarray(0, 16)).digest();
  }
}
