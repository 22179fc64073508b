/**
 * Semantic checks a server applies to a request the parser accepted, before any processing (RFC 3261
 * §8.2, §16.3; RFC 4475 §3.1.2, §3.3). The parser keeps header values raw; this is where a request with
 * a missing mandatory header, a CSeq that disagrees with the method or a malformed address is turned
 * into the status to answer. Responses get the matching check (a bad response is dropped, §18.1.2).
 */

import { parseCSeq } from './cseq.ts';
import { headerKey, splitHeaderValue } from './header-access.ts';
import { isParseError, parseDigits, parseError, trimLws } from './lexer.ts';
import { parseNameAddr } from './name-addr.ts';
import type { SipMessage, SipParseError, SipRequest, SipResponse } from './types.ts';
import { parseUri } from './uri.ts';
import { parseVia } from './via.ts';

/** Options of `validateRequest`. */
export interface ValidateOptions {
  /** Request-URI schemes this element serves; others get 416 (§8.2.2.1). Default sip, sips, tel. */
  schemes?: readonly string[];
}

/** Headers that must appear exactly once when present (§20; RFC 4475 §3.3.8, §3.3.9). */
const SINGLE = ['to', 'from', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type'];
/** Headers whose values are name-addr / addr-spec and must parse, in the order they are checked. */
const ADDRESSES = ['to', 'from', 'contact', 'route', 'record-route', 'reply-to'];
/** Via, From, To, Call-ID, CSeq are what every response is routed and matched by (§8.1.1, §8.2.6). */
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

/** What one pass over the header lines gathers for the checks (every message is checked: one pass). */
interface HeaderScan {
  counts: Map<string, number>;
  /** Values of the headers checked for their syntax (Via and the addresses), by header. */
  values: Map<string, string[]>;
  /** The first value of Call-ID, CSeq, Max-Forwards and Expires. */
  firsts: Map<string, string>;
}

const CHECKED = new Set(['via', ...ADDRESSES]);
const FIRSTS = new Set(['call-id', 'cseq', 'max-forwards', 'expires']);

function scanHeaders(m: SipMessage): HeaderScan {
  const scan: HeaderScan = { counts: new Map(), values: new Map(), firsts: new Map() };
  for (const h of m.headers) {
    const key = headerKey(h.name);
    const split = splitHeaderValue(key, h.value);
    scan.counts.set(key, (scan.counts.get(key) ?? 0) + split.length);
    if (CHECKED.has(key)) {
      const list = scan.values.get(key);
      if (list) list.push(...split);
      else scan.values.set(key, split);
    } else if (FIRSTS.has(key) && !scan.firsts.has(key) && split.length > 0) {
      scan.firsts.set(key, split[0]!);
    }
  }
  return scan;
}

/** What the message's headers say wrong, shared by requests and responses. */
function checkHeaders(scan: HeaderScan): SipParseError | undefined {
  const { counts, values, firsts } = scan;
  for (const name of REQUIRED) {
    if (!counts.has(name)) return parseError(`missing ${name} header`);
  }
  for (const name of SINGLE) {
    if ((counts.get(name) ?? 0) > 1) return parseError(`more than one ${name} header`);
  }
  for (const value of values.get('via') ?? []) {
    const via = parseVia(value);
    if (isParseError(via)) return parseError(`bad Via: ${via.message}`);
  }
  for (const name of ADDRESSES) {
    for (const value of values.get(name) ?? []) {
      // Contact: * is the REGISTER wildcard (§10.2.2).
      if (name === 'contact' && value === '*') continue;
      const addr = parseNameAddr(value);
      if (isParseError(addr)) return parseError(`bad ${name}: ${addr.message}`);
    }
  }
  const callId = firsts.get('call-id') ?? '';
  if (trimLws(callId).length === 0) return parseError('empty Call-ID');
  const cseq = parseCSeq(firsts.get('cseq') ?? '');
  if (isParseError(cseq)) return cseq;
  return undefined;
}

/**
 * Checks a parsed request; returns the error to answer (status 400, 416 or 505) or undefined when the
 * request may be processed. What it does not check is left to the application: Require (420), body
 * types (415), authentication (401/407), Max-Forwards 0 at a proxy (483).
 */
export function validateRequest(req: SipRequest, opts: ValidateOptions = {}): SipParseError | undefined {
  if (req.version.toUpperCase() !== 'SIP/2.0') return parseError('unsupported SIP version', 505);
  const uri = parseUri(req.uri);
  if (isParseError(uri)) return parseError(`bad Request-URI: ${uri.message}`);
  const scan = scanHeaders(req);
  const headerErr = checkHeaders(scan);
  if (headerErr) return headerErr;
  // RFC 4475 §3.1.2.17/18: the CSeq method must be the request's method (even for unknown methods).
  const cseq = parseCSeq(scan.firsts.get('cseq') ?? '');
  if (!isParseError(cseq) && cseq.method !== req.method) return parseError('CSeq method does not match');
  const maxForwards = scan.firsts.get('max-forwards');
  if (maxForwards !== undefined) {
    const n = parseDigits(maxForwards, 3);
    if (n < 0 || n > 255) return parseError('bad Max-Forwards');
  }
  const expires = scan.firsts.get('expires');
  // delta-seconds = 1*DIGIT; a huge value is legal syntax and is capped by the application.
  if (expires !== undefined && parseDigits(expires, expires.length) < 0) return parseError('bad Expires');
  // §19.1.1 Table 1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11 escruri).
  if (Object.keys(uri.headers).length > 0) return parseError('Request-URI with headers');
  const schemes = opts.schemes ?? ['sip', 'sips', 'tel'];
  if (!schemes.includes(uri.scheme)) return parseError(`unsupported URI scheme ${uri.scheme}`, 416);
  return undefined;
}

/**
 * Checks a parsed response; an error means "drop it" (a response is never answered). The status is
 * always 400 for uniformity.
 */
export function validateResponse(res: SipResponse): SipParseError | undefined {
  if (res.version.toUpperCase() !== 'SIP/2.0') return parseError('unsupported SIP version');
  return checkHeaders(scanHeaders(res));
}
