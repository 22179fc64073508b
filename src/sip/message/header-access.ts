/**
 * Reading and editing headers of a message by name: case-insensitive and aware of the compact forms
 * (RFC 3261 §7.3.3, §20; RFC 3265, 3515, 3892, 4028, 4474, 3841). The raw header list stays the source
 * of truth; names are written as the caller gives them.
 */

import { splitOutside } from './lexer.ts';
import type { SipMessage } from './types.ts';

/** Compact form → full name, lower-cased. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  f: 'from',
  t: 'to',
  v: 'via',
  k: 'supported',
  c: 'content-type',
  s: 'subject',
  o: 'event',
  u: 'allow-events',
  r: 'refer-to',
  b: 'referred-by',
  x: 'session-expires',
  y: 'identity',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  n: 'identity-info',
};

/**
 * Headers whose single value may itself hold commas (RFC 3261 §7.3.1 names the authentication ones;
 * dates, free text and single-valued headers must not be split either).
 */
const NOT_A_LIST = new Set([
  'www-authenticate',
  'authorization',
  'proxy-authenticate',
  'proxy-authorization',
  'authentication-info',
  'date',
  'subject',
  'user-agent',
  'server',
  'organization',
  'retry-after',
  'call-id',
  'cseq',
  'from',
  'to',
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
  'min-expires',
  'timestamp',
  'mime-version',
  'priority',
  'reply-to',
  'identity',
  'identity-info',
  'referred-by',
  'refer-to',
  'session-expires',
  'min-se',
  'event',
  'subscription-state',
  'replaces',
  'rseq',
  'rack',
]);

const keyCache = new Map<string, string>();

/** The lower-cased full name for `name` (compact forms expanded): what header names are compared by. */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = (lower.length === 1 ? COMPACT[lower] : undefined) ?? lower;
  if (keyCache.size < 4096) keyCache.set(name, key);
  return key;
}

/**
 * Whether a header line's `name` is the header `key` (a `headerKey`). Names of another length can only
 * be the compact form (one letter): most lines are told apart without a lookup.
 */
export function isHeader(name: string, key: string): boolean {
  if (name.length !== key.length && name.length !== 1) return false;
  return headerKey(name) === key;
}

/** True for `Content-Length` in any case or its compact form `l`: a hot path, so no map lookup. */
export function isContentLength(name: string): boolean {
  if (name.length === 1) return name === 'l' || name === 'L';
  return name.length === 14 && name.toLowerCase() === 'content-length';
}

/** Splits one header line's value into its comma-separated values, unless the header is not a list. */
export function splitHeaderValue(key: string, value: string): string[] {
  if (value.indexOf(',') < 0 || NOT_A_LIST.has(key)) return [value];
  // A value with an unbalanced quote cannot be split safely: keep it whole for the caller to reject.
  return splitOutside(value, ',') ?? [value];
}

/** The first value of a header (the first element of `getHeaderValues`), or undefined. */
export function getHeader(m: SipMessage, name: string): string | undefined {
  const key = headerKey(name);
  for (const h of m.headers) {
    if (isHeader(h.name, key)) return splitHeaderValue(key, h.value)[0];
  }
  return undefined;
}

/** Every value of a header, in order, across header lines and comma lists (split outside quotes and `<…>`). */
export function getHeaderValues(m: SipMessage, name: string): string[] {
  const key = headerKey(name);
  const out: string[] = [];
  for (const h of m.headers) {
    if (!isHeader(h.name, key)) continue;
    for (const v of splitHeaderValue(key, h.value)) out.push(v);
  }
  return out;
}

/** Replaces every line of a header with one line `name: value`, where the first one was (else at the end). */
export function setHeader(m: SipMessage, name: string, value: string): void {
  const key = headerKey(name);
  const headers = m.headers;
  let first = -1;
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i];
    if (h && isHeader(h.name, key)) {
      if (first >= 0) headers.splice(first, 1);
      first = i;
    }
  }
  if (first < 0) headers.push({ name, value });
  else headers[first] = { name, value };
}

/**
 * Adds a header line: after the last line of the same header (or at the end), or with `first` before
 * the first line of the same header (or at the very top), which is where a new Via or Record-Route goes.
 */
export function addHeader(m: SipMessage, name: string, value: string, opts: { first?: boolean } = {}): void {
  const key = headerKey(name);
  const line = { name, value };
  if (opts.first) {
    const idx = m.headers.findIndex((h) => isHeader(h.name, key));
    m.headers.splice(Math.max(idx, 0), 0, line);
    return;
  }
  for (let i = m.headers.length - 1; i >= 0; i--) {
    const h = m.headers[i];
    if (h && isHeader(h.name, key)) {
      m.headers.splice(i + 1, 0, line);
      return;
    }
  }
  m.headers.push(line);
}

/** Removes every line of a header; returns how many lines went. */
export function removeHeader(m: SipMessage, name: string): number {
  const key = headerKey(name);
  let removed = 0;
  for (let i = m.headers.length - 1; i >= 0; i--) {
    const h = m.headers[i];
    if (h && isHeader(h.name, key)) {
      m.headers.splice(i, 1);
      removed++;
    }
  }
  return removed;
}
