/**
 * SIP, SIPS and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966). Escaped characters of the user, password,
 * parameters and headers are unescaped in the model and escaped again by `formatUri`, so
 * `parseUri(formatUri(u))` gives `u` back. Other schemes are kept opaque (RFC 4475 §3.3.2–3.3.4 say an
 * element must be able to carry them, for example to answer 416).
 *
 *   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *   hostport = host [ ":" port ]      host = hostname / IPv4address / IPv6reference
 */

import { isParseError, parseDigits, parseError, setOwn } from './lexer.ts';
import type { SipParseError, SipUri } from './types.ts';

/** The longest URI we look at: a bound so a hostile header cannot make us work for long. */
const MAX_URI_LENGTH = 8192;

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const MARK = "-_.!~*'()";
function charSet(extra: string): Uint8Array {
  const set = new Uint8Array(128);
  for (const ch of ALNUM + MARK + extra) set[ch.charCodeAt(0)] = 1;
  return set;
}
/** user = 1*( unreserved / escaped / user-unreserved ), user-unreserved = & = + $ , ; ? / */
const USER_SAFE = charSet('&=+$,;?/');
/** password = *( unreserved / escaped / & = + $ , ) */
const PASSWORD_SAFE = charSet('&=+$,');
/** paramchar = param-unreserved / unreserved / escaped, param-unreserved = [ ] / : & + $ */
const PARAM_SAFE = charSet('[]/:&+$');
/** hname / hvalue characters: hnv-unreserved = [ ] / ? : + $ */
const HEADER_SAFE = charSet('[]/?:+$');

const encoder = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });
const HEX = '0123456789ABCDEF';

/** %-escapes every character of `s` outside `safe` (as UTF-8 bytes). */
function percentEncode(s: string, safe: Uint8Array): string {
  let plain = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || safe[c] !== 1) {
      plain = false;
      break;
    }
  }
  if (plain) return s;
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 128 && safe[c] === 1) out += ch;
    else for (const b of encoder.encode(ch)) out += '%' + HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/**
 * Undoes %-escapes (RFC 3261 §19.1.2). The bytes are read as UTF-8, or as Latin-1 when they are not
 * valid UTF-8. Characters that may never appear raw in a URI (controls, SP, `<`, `>`, `"`) are refused.
 */
function percentDecode(s: string, what: string): string | SipParseError {
  let hasPercent = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
      return parseError(`character not allowed in URI ${what}`);
    }
    if (c === 0x25) hasPercent = true;
  }
  if (!hasPercent) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hi = i + 2 < s.length ? hexValue(s.charCodeAt(i + 1)) : -1;
      const lo = hi >= 0 ? hexValue(s.charCodeAt(i + 2)) : -1;
      if (lo < 0) return parseError(`bad %-escape in URI ${what}`);
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (c < 128) bytes.push(c);
    else for (const b of encoder.encode(s[i] ?? '')) bytes.push(b);
  }
  const arr = Uint8Array.from(bytes);
  try {
    return utf8.decode(arr);
  } catch {
    return String.fromCharCode(...arr);
  }
}

/** hostname / IPv4address characters; IPv6 references are checked separately. */
function isHostChar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0x5f
  );
}

function isIpv6Char(c: number): boolean {
  return hexValue(c) >= 0 || c === 0x3a || c === 0x2e;
}

/**
 * Parses `host[:port]` (RFC 3261 §25.1 hostport). IPv6 references keep their brackets in `host`.
 * Shared with the Via parser (sent-by).
 */
export function parseHostPort(s: string): { host: string; port?: number } | SipParseError {
  let host: string;
  let rest: string;
  if (s.charCodeAt(0) === 0x5b) {
    const close = s.indexOf(']');
    if (close < 0) return parseError('unterminated IPv6 reference');
    host = s.slice(0, close + 1);
    for (let i = 1; i < close; i++) if (!isIpv6Char(s.charCodeAt(i))) return parseError('bad IPv6 reference');
    if (close === 1) return parseError('empty IPv6 reference');
    rest = s.slice(close + 1);
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    rest = colon < 0 ? '' : s.slice(colon);
    if (host.length === 0) return parseError('empty host');
    for (let i = 0; i < host.length; i++) if (!isHostChar(host.charCodeAt(i))) return parseError('bad host');
  }
  if (rest.length === 0) return { host };
  if (rest.charCodeAt(0) !== 0x3a) return parseError('garbage after host');
  const port = parseDigits(rest.slice(1), 5);
  if (port < 0 || port > 65535) return parseError('bad port');
  return { host, port };
}

/** Parses `;name[=value]` URI parameters (without the first `;`) into `params`, unescaping values. */
function parseUriParams(s: string, params: Record<string, string | null>): SipParseError | undefined {
  for (const part of s.split(';')) {
    const eq = part.indexOf('=');
    const rawName = eq < 0 ? part : part.slice(0, eq);
    if (rawName.length === 0) return parseError('empty URI parameter');
    const name = percentDecode(rawName, 'parameter');
    if (isParseError(name)) return name;
    if (eq < 0) {
      setOwn(params, name.toLowerCase(), null);
      continue;
    }
    const value = percentDecode(part.slice(eq + 1), 'parameter');
    if (isParseError(value)) return value;
    setOwn(params, name.toLowerCase(), value);
  }
  return undefined;
}

function parseUriHeaders(s: string, headers: Record<string, string>): SipParseError | undefined {
  for (const part of s.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return parseError('bad URI header');
    const name = percentDecode(part.slice(0, eq), 'header');
    if (isParseError(name)) return name;
    const value = percentDecode(part.slice(eq + 1), 'header');
    if (isParseError(value)) return value;
    setOwn(headers, name, value);
  }
  return undefined;
}

/** Parses a URI: sip/sips/tel fully, any other `scheme:` opaquely. The scheme is lower-cased. */
export function parseUri(s: string): SipUri | SipParseError {
  if (s.length > MAX_URI_LENGTH) return parseError('URI too long');
  const colon = s.indexOf(':');
  if (colon <= 0) return parseError('URI without scheme');
  for (let i = 0; i < colon; i++) {
    const c = s.charCodeAt(i);
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )  (RFC 3261 §25.1)
    if (!alpha && (i === 0 || !((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e))) {
      return parseError('bad URI scheme');
    }
  }
  const scheme = s.slice(0, colon).toLowerCase();
  const rest = s.slice(colon + 1);
  const uri: SipUri = { scheme, host: '', params: {}, headers: {} };
  if (scheme === 'tel') return parseTel(rest, uri);
  if (scheme !== 'sip' && scheme !== 'sips') {
    if (rest.length === 0) return parseError('empty URI');
    for (let i = 0; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) {
        return parseError('character not allowed in URI');
      }
    }
    uri.opaque = rest;
    return uri;
  }
  let hostStart = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pc = userinfo.indexOf(':');
    const user = percentDecode(pc < 0 ? userinfo : userinfo.slice(0, pc), 'user');
    if (isParseError(user)) return user;
    if (user.length === 0) return parseError('empty user part');
    uri.user = user;
    if (pc >= 0) {
      const password = percentDecode(userinfo.slice(pc + 1), 'password');
      if (isParseError(password)) return password;
      uri.password = password;
    }
    hostStart = at + 1;
  }
  // The host ends at the first ";" or "?" (an IPv6 reference holds neither).
  let end = hostStart;
  while (end < rest.length) {
    const c = rest.charCodeAt(end);
    if (c === 0x3b || c === 0x3f) break;
    end++;
  }
  const hp = parseHostPort(rest.slice(hostStart, end));
  if (isParseError(hp)) return hp;
  uri.host = hp.host;
  if (hp.port !== undefined) uri.port = hp.port;
  const q = rest.indexOf('?', end);
  const paramEnd = q < 0 ? rest.length : q;
  if (end < paramEnd) {
    const err = parseUriParams(rest.slice(end + 1, paramEnd), uri.params);
    if (err) return err;
  }
  if (q >= 0) {
    const err = parseUriHeaders(rest.slice(q + 1), uri.headers);
    if (err) return err;
  }
  return uri;
}

/** tel: the number goes to `user`, `host` stays empty (RFC 3966 §3). */
function parseTel(rest: string, uri: SipUri): SipUri | SipParseError {
  const semi = rest.indexOf(';');
  const number = percentDecode(semi < 0 ? rest : rest.slice(0, semi), 'telephone number');
  if (isParseError(number)) return number;
  if (number.length === 0) return parseError('empty telephone number');
  uri.user = number;
  if (semi >= 0) {
    const err = parseUriParams(rest.slice(semi + 1), uri.params);
    if (err) return err;
  }
  return uri;
}

/** Writes a URI back as text, escaping what must be escaped. */
export function formatUri(u: SipUri): string {
  if (u.opaque !== undefined && u.scheme !== 'sip' && u.scheme !== 'sips' && u.scheme !== 'tel') {
    return `${u.scheme}:${u.opaque}`;
  }
  let out = u.scheme + ':';
  if (u.scheme === 'tel') out += percentEncode(u.user ?? '', PARAM_SAFE);
  else {
    if (u.user !== undefined) {
      out += percentEncode(u.user, USER_SAFE);
      if (u.password !== undefined) out += ':' + percentEncode(u.password, PASSWORD_SAFE);
      out += '@';
    }
    out += u.host;
    if (u.port !== undefined) out += ':' + u.port;
  }
  for (const name in u.params) {
    const v = u.params[name];
    out += ';' + percentEncode(name, PARAM_SAFE);
    if (v !== null && v !== undefined) out += '=' + percentEncode(v, PARAM_SAFE);
  }
  let sep = '?';
  for (const name in u.headers) {
    out += sep + percentEncode(name, HEADER_SAFE) + '=' + percentEncode(u.headers[name] ?? '', HEADER_SAFE);
    sep = '&';
  }
  return out;
}
