/**
 * The server side of SIP digest authentication (RFC 3261 §22, RFC 7616, RFC 8760): builds challenges and
 * checks credentials. Knows nothing of users beyond a password lookup, nothing of the PBX.
 *
 * - Challenges offer every configured algorithm, strongest first, one header each (RFC 8760 §2.4), all
 *   with qop="auth" and the same self-dating nonce (see nonce.ts).
 * - The challenge never depends on who asks; credentials for an unknown user are checked against a
 *   dummy H(A1) computed the same way, so answers and their timing do not reveal which users exist.
 * - Only qop=auth is accepted, so every success carries a nonce-count that is checked for replay.
 */
import { randomBytes } from 'node:crypto';
import {
  computeHa1,
  computeResponse,
  constantTimeEqual,
  DIGEST_HEX_LENGTH,
  type DigestAlgorithm,
  parseAlgorithm,
} from './digest.ts';
import { type AuthParams, formatAuthHeader, isAuthParseError, parseAuthHeader } from './digest-header.ts';
import { NonceIssuer } from './nonce.ts';
import { NonceCountTracker } from './nonce-count.ts';

export interface DigestServerOptions {
  /** The protection space (RFC 3261 §22.1): Parley uses the SIP domain. */
  realm: string;
  /** Algorithms offered, in the order offered. Default SHA-256 then MD5 (RFC 8760 §2.4). */
  algorithms?: DigestAlgorithm[];
  /** HMAC key for nonces; random per process when absent. */
  secret?: Uint8Array;
  /** Nonce lifetime before `stale=true`. Default 300 s. */
  nonceLifetimeMs?: number;
  now?: () => number;
}

/** The password of `username`, or undefined when there is no such user. */
export type PasswordLookup = (username: string) => string | undefined;

/** What the request carried, as the server sees it. */
export interface DigestRequest {
  method: string;
  /** The Request-URI as written on the request line. */
  uri: string;
  /** Every Authorization (or Proxy-Authorization) header value, in order. */
  credentials: string[];
}

/** Why credentials were not accepted. */
export type DigestFailureReason =
  /** No credentials for our realm: challenge, not a failure. */
  | 'missing'
  /** The header could not be parsed or lacks required parameters. */
  | 'malformed'
  /** An algorithm or qop we did not offer. */
  | 'unsupported'
  /**
   * Right password on a nonce we did not issue (e.g. one from before a restart, when the nonce key
   * changed): challenge again with stale=true so the client retries with the fresh nonce at once.
   */
  | 'bad-nonce'
  /** digest-uri differs from the Request-URI (RFC 7616 §3.4.6). */
  | 'uri-mismatch'
  /** Wrong response: wrong password or unknown user (never distinguished). */
  | 'invalid'
  /** Right password on an expired nonce: challenge again with stale=true. */
  | 'stale'
  /** Right password but the nonce-count was already used. */
  | 'replay';

export type DigestResult =
  | { ok: true; username: string; algorithm: DigestAlgorithm }
  | {
      ok: false;
      reason: DigestFailureReason;
      /** Whether the next challenge should say stale=true. */
      stale: boolean;
      /** Whether this counts as a failed attempt (for the ban list). */
      failure: boolean;
      /** The username the client claimed, when there was one (for logs). */
      username?: string;
    };

const DEFAULT_ALGORITHMS: DigestAlgorithm[] = ['SHA-256', 'MD5'];

/** Issues digest challenges and verifies digest credentials for one realm. */
export class DigestServer {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly #nonces: NonceIssuer;
  readonly #counts: NonceCountTracker;
  /** Stands in for the password of users that do not exist (never matches: it is random and unknown). */
  readonly #dummyPassword = randomBytes(18).toString('base64');

  constructor(options: DigestServerOptions) {
    this.realm = options.realm;
    this.algorithms = options.algorithms ?? DEFAULT_ALGORITHMS;
    if (this.algorithms.length === 0) throw new Error('DigestServer needs at least one algorithm');
    this.#nonces = new NonceIssuer({
      secret: options.secret,
      lifetimeMs: options.nonceLifetimeMs,
      now: options.now,
    });
    this.#counts = new NonceCountTracker({ lifetimeMs: this.#nonces.lifetimeMs, now: options.now });
  }

  /**
   * Header values for a 401 WWW-Authenticate or 407 Proxy-Authenticate: one per algorithm, strongest
   * first, sharing one fresh nonce (RFC 8760 §2.4, RFC 7616 §3.7).
   *
   * `algorithms` overrides the order (and may offer fewer) for clients older than RFC 8760 that read only
   * the first challenge, or fail on any algorithm they do not know; only configured ones are offered.
   */
  challenge(stale = false, algorithms: readonly DigestAlgorithm[] = this.algorithms): string[] {
    const nonce = this.#nonces.issue();
    let order = algorithms.filter((a) => this.algorithms.includes(a));
    if (order.length === 0) order = [...this.algorithms];
    return order.map((algorithm) => {
      const params: Array<[string, string]> = [
        ['realm', this.realm],
        ['nonce', nonce],
        ['algorithm', algorithm],
        ['qop', 'auth'],
      ];
      if (stale) params.push(['stale', 'true']);
      return formatAuthHeader('Digest', params);
    });
  }

  /** Check the credentials of a request (RFC 3261 §22.4, RFC 7616 §3.4). */
  authenticate(request: DigestRequest, lookup: PasswordLookup): DigestResult {
    const picked = this.#pick(request.credentials);
    if ('reason' in picked) return picked;
    const p = picked.params;
    const username = p.username;
    const algorithm = parseAlgorithm(p.algorithm);
    const fail = (reason: DigestFailureReason, failure: boolean, stale = false): DigestResult => ({
      ok: false,
      reason,
      stale,
      failure,
      username,
    });
    if (username === undefined || p.nonce === undefined || p.uri === undefined || p.response === undefined) {
      return fail('malformed', true);
    }
    if (!algorithm || !this.algorithms.includes(algorithm)) return fail('unsupported', false);
    // Only qop=auth: without it there is no nonce-count, hence no replay protection (RFC 7616 §3.4).
    if (p.qop?.toLowerCase() !== 'auth' || p.userhash === 'true') return fail('unsupported', false);
    if (p.cnonce === undefined || p.nc === undefined || !/^[0-9a-fA-F]{8}$/.test(p.nc)) {
      return fail('malformed', true);
    }
    if (p.response.length !== DIGEST_HEX_LENGTH[algorithm]) return fail('malformed', true);
    const { state: nonceState, issuedAt } = this.#nonces.verify(p.nonce);
    if (p.uri.toLowerCase() !== request.uri.toLowerCase()) return fail('uri-mismatch', true);

    // Same work whether or not the user exists: a dummy password yields a well-formed, never-matching HA1.
    const password = lookup(username);
    const ha1 = computeHa1(algorithm, username, this.realm, password ?? this.#dummyPassword);
    const expected = computeResponse({
      algorithm,
      ha1,
      method: request.method,
      uri: p.uri,
      nonce: p.nonce,
      qop: 'auth',
      nc: p.nc,
      cnonce: p.cnonce,
    });
    const match = constantTimeEqual(expected, p.response.toLowerCase());
    if (!match || password === undefined) return fail('invalid', true);
    // The password is right: an unusable nonce only needs a fresh one (RFC 7616 §3.3 stale).
    if (nonceState === 'invalid') return fail('bad-nonce', false, true);
    if (nonceState === 'stale') return fail('stale', false, true);
    if (!this.#counts.use(p.nonce, Number.parseInt(p.nc, 16), issuedAt!)) return fail('replay', false, true);
    return { ok: true, username, algorithm };
  }

  /** The Digest credentials meant for our realm, or why there are none usable. */
  #pick(
    values: string[],
  ): AuthParams | { ok: false; reason: DigestFailureReason; stale: false; failure: boolean } {
    let malformed = false;
    for (const value of values) {
      const parsed = parseAuthHeader(value);
      if (isAuthParseError(parsed)) {
        malformed = true;
        continue;
      }
      for (const c of parsed) {
        // Credentials for another realm belong to another server (RFC 3261 §22.3): ignore them.
        if (c.scheme.toLowerCase() === 'digest' && c.params.realm === this.realm) return c;
      }
    }
    return malformed
      ? { ok: false, reason: 'malformed', stale: false, failure: true }
      : { ok: false, reason: 'missing', stale: false, failure: false };
  }
}
