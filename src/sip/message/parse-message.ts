/**
 * Parses one SIP message from bytes (RFC 3261 §7, §18.3, §25).
 *
 *   generic-message = start-line *message-header CRLF [ message-body ]
 *   start-line      = Request-Line / Status-Line
 *   Request-Line    = Method SP Request-URI SP SIP-Version CRLF
 *   Status-Line     = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * The parser checks framing and the start line; header values are kept raw and checked on demand
 * (see `validateRequest` for what a server must refuse). Every failure is a returned `SipParseError`;
 * nothing here throws or loops more than once over the input.
 */

import { isContentLength } from './header-access.ts';
import { isToken, isWsp, parseDigits, parseError } from './lexer.ts';
import type { SipHeader, SipMessage, SipParseError, SipRequest, SipResponse } from './types.ts';

/** Limits that keep a hostile message from costing much. */
export interface ParseOptions {
  /** Largest message accepted, in bytes (default 65,535: the largest UDP payload). */
  maxBytes?: number;
  /** Most header lines accepted (default 256). */
  maxHeaders?: number;
}

/** Default datagram size limit: the largest UDP payload. */
export const DEFAULT_MAX_MESSAGE_BYTES = 65535;
const DEFAULT_MAX_HEADERS = 256;

/**
 * The body of every message without one: shared, as a zero-length array cannot be written to (most
 * messages have no body, and each array is an allocation the garbage collector then tracks).
 */
export const EMPTY_BODY = new Uint8Array(0);

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');

/** Where the header section ends: `headEnd` (exclusive, before the empty line) and `bodyStart`. */
export interface HeadBounds {
  headEnd: number;
  bodyStart: number;
}

/**
 * Finds the empty line that ends the header section, searching from `from`. CRLF is the rule (§7);
 * a bare LF is tolerated as a line end. Returns undefined when the section is not complete yet.
 */
export function findHeadEnd(bytes: Uint8Array, from: number): HeadBounds | undefined {
  let i = from;
  for (;;) {
    const lf = bytes.indexOf(0x0a, i);
    if (lf < 0) return undefined;
    const next = bytes[lf + 1];
    if (next === 0x0a) return { headEnd: lf, bodyStart: lf + 2 };
    if (next === 0x0d && bytes[lf + 2] === 0x0a) return { headEnd: lf, bodyStart: lf + 3 };
    if (next === undefined || (next === 0x0d && lf + 2 >= bytes.length)) return undefined;
    i = lf + 1;
  }
}

/** Skips the CRLFs that may precede a start line (§7.5). */
export function skipLeadingCrlf(bytes: Uint8Array, from: number): number {
  let i = from;
  while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  return i;
}

/**
 * Parses the start line and headers in `bytes[start, headEnd)`. The result has an empty body; the
 * caller frames the body. An error may carry `partial` when the headers were readable.
 */
export function parseHead(
  bytes: Uint8Array,
  start: number,
  headEnd: number,
  maxHeaders = DEFAULT_MAX_HEADERS,
): SipMessage | SipParseError {
  const text = decoder.decode(bytes.subarray(start, headEnd));
  let lineEnd = text.indexOf('\n');
  if (lineEnd < 0) lineEnd = text.length;
  const startLine = stripCr(text.slice(0, lineEnd));
  const headers: SipHeader[] = [];
  let pos = lineEnd + 1;
  let current: SipHeader | undefined;
  // Index arithmetic on the decoded text: one slice per name and per value, nothing per line.
  while (pos < text.length) {
    let next = text.indexOf('\n', pos);
    if (next < 0) next = text.length;
    let end = next;
    while (end > pos && isLwsCode(text.charCodeAt(end - 1))) end--;
    let from = pos;
    pos = next + 1;
    if (isWsp(text.charCodeAt(from))) {
      // A continuation line: folding is equivalent to a single SP (§7.3.1).
      if (!current) return parseError('continuation line before any header');
      while (from < end && isWsp(text.charCodeAt(from))) from++;
      if (from < end) {
        const more = text.slice(from, end);
        current.value = current.value.length > 0 ? current.value + ' ' + more : more;
      }
      continue;
    }
    const colon = text.indexOf(':', from);
    if (colon < 0 || colon >= next) return parseError('header line without ":"');
    // HCOLON = *( SP / HTAB ) ":" SWS
    let nameEnd = colon;
    while (nameEnd > from && isWsp(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const name = text.slice(from, nameEnd);
    if (!isToken(name)) return parseError(`bad header name "${name.slice(0, 40)}"`);
    if (headers.length >= maxHeaders) return parseError('too many headers');
    let valueStart = colon + 1;
    while (valueStart < end && isWsp(text.charCodeAt(valueStart))) valueStart++;
    current = { name, value: valueStart < end ? text.slice(valueStart, end) : '' };
    headers.push(current);
  }
  return parseStartLine(startLine, headers);
}

function isLwsCode(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d;
}

function stripCr(line: string): string {
  return line.charCodeAt(line.length - 1) === 0x0d ? line.slice(0, -1) : line;
}

/** SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT (§25.1; "SIP" is case-insensitive in ABNF). */
function isSipVersion(s: string): boolean {
  if (s.length < 7 || s.slice(0, 4).toUpperCase() !== 'SIP/') return false;
  const dot = s.indexOf('.', 4);
  return dot > 4 && parseDigits(s.slice(4, dot), 9) >= 0 && parseDigits(s.slice(dot + 1), 9) >= 0;
}

function parseStartLine(line: string, headers: SipHeader[]): SipMessage | SipParseError {
  const body = EMPTY_BODY;
  if (line.slice(0, 4).toUpperCase() === 'SIP/') {
    const sp1 = line.indexOf(' ');
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    if (!isSipVersion(version)) return parseError('bad SIP version in status line');
    const sp2 = line.indexOf(' ', sp1 + 1);
    const code = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
    const status = code.length === 3 ? parseDigits(code, 3) : -1;
    // Status-Code = 3DIGIT; RFC 4475 §3.1.2.19 (bigcode): anything else is dropped.
    if (sp1 < 0 || status < 100 || status > 699) return parseError('bad status code');
    // A response in a version we do not speak is dropped (it cannot be answered).
    if (version.toUpperCase() !== 'SIP/2.0') return parseError('unsupported SIP version');
    const reason = sp2 < 0 ? '' : line.slice(sp2 + 1);
    const res: SipResponse = { kind: 'response', version, status, reason, headers, body };
    return res;
  }
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  const method = sp1 < 0 ? line : line.slice(0, sp1);
  const uri = sp2 < 0 ? line.slice(sp1 + 1) : line.slice(sp1 + 1, sp2);
  const version = sp2 < 0 ? '' : line.slice(sp2 + 1);
  if (sp1 <= 0 || !isToken(method)) return parseError('bad request line');
  const req: SipRequest = { kind: 'request', version, method, uri, headers, body };
  // Exactly one SP between the three elements and none at the end (RFC 4475 §3.1.2.8–3.1.2.10).
  if (sp2 < 0 || uri.length === 0 || !isSipVersion(version)) {
    return { ...parseError('bad request line'), partial: req };
  }
  // A version we do not speak is answered 505 Version Not Supported (§21.5.6; RFC 4475 §3.1.2.16).
  if (version.toUpperCase() !== 'SIP/2.0') {
    return { ...parseError(`unsupported version ${version}`, 505), partial: req };
  }
  return req;
}

/**
 * The value of the Content-Length header(s): a number, undefined when absent, or an error when it is
 * not a non-negative integer or when several disagree (RFC 4475 §3.1.2.3, §3.3.9).
 */
export function contentLengthOf(headers: SipHeader[]): number | undefined | SipParseError {
  let found: number | undefined;
  for (const h of headers) {
    if (!isContentLength(h.name)) continue;
    const n = parseDigits(h.value, 10);
    if (n < 0) return parseError('bad Content-Length');
    if (found !== undefined && found !== n) return parseError('several different Content-Length values');
    found = n;
  }
  return found;
}

/** Copies into a plain Uint8Array (not a view on a Buffer the caller may reuse). */
function copyBytes(bytes: Uint8Array, start: number, end: number): Uint8Array {
  if (end <= start) return EMPTY_BODY;
  const out = new Uint8Array(end - start);
  out.set(bytes.subarray(start, end));
  return out;
}

/**
 * Parses a datagram holding one SIP message. The body is framed by Content-Length: fewer bytes than it
 * says is an error, extra bytes are dropped (§18.3). With no Content-Length the body is the rest of the
 * datagram. Never throws.
 */
export function parseMessage(
  input: Uint8Array | string,
  opts: ParseOptions = {},
): SipMessage | SipParseError {
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  if (typeof input === 'string' && input.length > maxBytes) return parseError('message too large', 513);
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  if (!(bytes instanceof Uint8Array)) return parseError('not bytes');
  if (bytes.length > maxBytes) return parseError('message too large', 513);
  const start = skipLeadingCrlf(bytes, 0);
  if (start >= bytes.length) return parseError('empty message');
  const bounds = findHeadEnd(bytes, start);
  if (!bounds) {
    const head = parseHead(bytes, start, bytes.length, opts.maxHeaders);
    return withPartial('no empty line after the headers', head);
  }
  const msg = parseHead(bytes, start, bounds.headEnd, opts.maxHeaders);
  if (msg.kind === 'error') return msg;
  const length = contentLengthOf(msg.headers);
  const available = bytes.length - bounds.bodyStart;
  if (typeof length === 'object') return { ...length, partial: msg };
  if (length === undefined) {
    msg.body = copyBytes(bytes, bounds.bodyStart, bytes.length);
    return msg;
  }
  if (length > available) {
    msg.body = copyBytes(bytes, bounds.bodyStart, bytes.length);
    // RFC 4475 §3.1.2.2 (clerr): a datagram shorter than its Content-Length is answered 400.
    return { ...parseError('body shorter than Content-Length'), partial: msg };
  }
  msg.body = copyBytes(bytes, bounds.bodyStart, bounds.bodyStart + length);
  return msg;
}

function withPartial(message: string, head: SipMessage | SipParseError): SipParseError {
  if (head.kind === 'error') return { ...head, message: `${message}; ${head.message}` };
  return { ...parseError(message), partial: head };
}
