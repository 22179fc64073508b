/**
 * Digest computation shared by the server and the client side (RFC 7616 §3.4.1–3.4.3, RFC 3261 §22.4,
 * RFC 8760 for SIP's use of SHA-256 and SHA-512/256). Pure functions over strings.
 *
 * ```
 * A1       = username ":" realm ":" passwd
 * A2       = Method ":" digest-uri                       (qop=auth)
 * response = H( H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2) )
 * ```
 */
import { hash, timingSafeEqual } from 'node:crypto';

/** The algorithms this stack speaks, strongest first (RFC 8760 §2.2: SHA-512/256, SHA-256, MD5). */
export type DigestAlgorithm = 'SHA-512-256' | 'SHA-256' | 'MD5';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-512-256', 'SHA-256', 'MD5'];

const NODE_HASH: Record<DigestAlgorithm, string> = {
  'SHA-512-256': 'sha512-256',
  'SHA-256': 'sha256',
  MD5: 'md5',
};

/** Hex length of each algorithm's digest: a response of another length is malformed. */
export const DIGEST_HEX_LENGTH: Record<DigestAlgorithm, number> = {
  'SHA-512-256': 64,
  'SHA-256': 64,
  MD5: 32,
};

/** The algorithm named by a challenge's or credentials' `algorithm` parameter; absent means MD5 (§3.3). */
export function parseAlgorithm(name: string | undefined): DigestAlgorithm | undefined {
  if (name === undefined) return 'MD5';
  const upper = name.toUpperCase();
  return (DIGEST_ALGORITHMS as readonly string[]).includes(upper) ? (upper as DigestAlgorithm) : undefined;
}

/** H(data) as lower-case hex. */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  // One-shot hash(): no Hash object per call, which matters at thousands of REGISTERs a second.
  return hash(NODE_HASH[algorithm], data, 'hex');
}

/** H(A1) for the non-session algorithms. */
export function computeHa1(
  algorithm: DigestAlgorithm,
  username: string,
  realm: string,
  password: string,
): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

/** The inputs of a request-digest once H(A1) is known. */
export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  ha1: string;
  method: string;
  uri: string;
  nonce: string;
  /** With qop=auth: the nonce-count as 8 hex digits, and the client nonce. Without: RFC 2069 form. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/** The `response` value (RFC 7616 §3.4.1; RFC 3261 §22.4 keeps the RFC 2069 form when qop is absent). */
export function computeResponse(input: DigestResponseInput): string {
  const ha2 = digestHash(input.algorithm, `${input.method}:${input.uri}`);
  if (input.qop === 'auth') {
    return digestHash(input.algorithm, `${input.ha1}:${input.nonce}:${input.nc}:${input.cnonce}:auth:${ha2}`);
  }
  return digestHash(input.algorithm, `${input.ha1}:${input.nonce}:${ha2}`);
}

/**
 * Compare two hex strings in time that depends only on their length, never on where they differ
 * (a response compared byte by byte would leak how much of it is right).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'latin1');
  const bb = Buffer.from(b, 'latin1');
  if (ba.length !== bb.length) {
    timingSafeEqual(ba, ba);
    return false;
  }
  return timingSafeEqual(ba, bb);
}
