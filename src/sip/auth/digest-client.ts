/**
 * The client side of SIP digest authentication (RFC 3261 §22.2–22.3, RFC 7616 §3.4, RFC 8760): answers
 * a 401/407 challenge with Authorization / Proxy-Authorization credentials. Used where Parley is the
 * client, e.g. registering to and calling through a SIP trunk.
 */
import { randomBytes } from 'node:crypto';
import {
  computeHa1,
  computeResponse,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  parseAlgorithm,
} from './digest.ts';
import { type AuthParams, formatAuthHeader, isAuthParseError, parseAuthHeader } from './digest-header.ts';

export interface DigestClientOptions {
  username: string;
  password: string;
  /** Client nonce source, for tests; random by default. */
  cnonce?: () => string;
}

/** A chosen challenge: what the credentials answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  algorithm: DigestAlgorithm;
  /** Whether the server offered qop=auth (otherwise the RFC 2069 form is used). */
  qopAuth: boolean;
  opaque?: string;
  stale: boolean;
}

/**
 * Pick the challenge to answer among WWW-Authenticate / Proxy-Authenticate header values: the strongest
 * algorithm we support (RFC 8760 §2.4: the client uses the topmost it supports; servers list strongest
 * first, and we pick by strength so a misordered list still gets the best one). Challenges offering only
 * qop values other than "auth" are skipped.
 */
export function pickChallenge(values: string[]): DigestChallenge | undefined {
  let best: DigestChallenge | undefined;
  for (const value of values) {
    const parsed = parseAuthHeader(value);
    if (isAuthParseError(parsed)) continue;
    for (const c of parsed) {
      const ch = toChallenge(c);
      if (!ch) continue;
      if (!best || DIGEST_ALGORITHMS.indexOf(ch.algorithm) < DIGEST_ALGORITHMS.indexOf(best.algorithm))
        best = ch;
    }
  }
  return best;
}

function toChallenge(c: AuthParams): DigestChallenge | undefined {
  if (c.scheme.toLowerCase() !== 'digest') return undefined;
  const { realm, nonce, opaque } = c.params;
  if (realm === undefined || nonce === undefined) return undefined;
  const algorithm = parseAlgorithm(c.params.algorithm);
  if (!algorithm) return undefined;
  let qopAuth = false;
  if (c.params.qop !== undefined) {
    qopAuth = c.params.qop.split(',').some((q) => q.trim().toLowerCase() === 'auth');
    if (!qopAuth) return undefined;
  }
  return { realm, nonce, algorithm, qopAuth, opaque, stale: c.params.stale?.toLowerCase() === 'true' };
}

/** Holds one account's credentials and the nonce-count per server nonce. */
export class DigestClient {
  readonly #username: string;
  readonly #password: string;
  readonly #cnonce: () => string;
  #nonce = '';
  #nc = 0;

  constructor(options: DigestClientOptions) {
    this.#username = options.username;
    this.#password = options.password;
    this.#cnonce = options.cnonce ?? (() => randomBytes(12).toString('hex'));
  }

  /**
   * The Authorization / Proxy-Authorization value answering these challenge header values for a request
   * `method` to `uri`, or undefined when none is usable.
   */
  authorize(challengeValues: string[], method: string, uri: string): string | undefined {
    const ch = pickChallenge(challengeValues);
    if (!ch) return undefined;
    // A new nonce restarts the count (RFC 7616 §3.4: nc counts requests sent with this nonce).
    if (ch.nonce !== this.#nonce) {
      this.#nonce = ch.nonce;
      this.#nc = 0;
    }
    this.#nc++;
    const nc = this.#nc.toString(16).padStart(8, '0');
    const cnonce = this.#cnonce();
    const ha1 = computeHa1(ch.algorithm, this.#username, ch.realm, this.#password);
    const response = computeResponse({
      algorithm: ch.algorithm,
      ha1,
      method,
      uri,
      nonce: ch.nonce,
      ...(ch.qopAuth ? { qop: 'auth' as const, nc, cnonce } : {}),
    });
    const params: Array<[string, string]> = [
      ['username', this.#username],
      ['realm', ch.realm],
      ['nonce', ch.nonce],
      ['uri', uri],
      ['response', response],
      ['algorithm', ch.algorithm],
    ];
    if (ch.opaque !== undefined) params.push(['opaque', ch.opaque]);
    if (ch.qopAuth) params.push(['qop', 'auth'], ['nc', nc], ['cnonce', cnonce]);
    return formatAuthHeader('Digest', params, CREDENTIAL_UNQUOTED);
  }
}

/** RFC 7616 §3.4: in credentials, algorithm, qop and nc are tokens. */
const CREDENTIAL_UNQUOTED: ReadonlySet<string> = new Set(['algorithm', 'qop', 'nc']);
