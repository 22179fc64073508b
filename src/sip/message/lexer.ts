/**
 * Character-level helpers shared by the SIP message parsers (RFC 3261 §25.1). Everything here is a
 * linear scan over a string: no regular expression with nested quantifiers, so no input can make a
 * parser backtrack.
 */

import type { SipParseError } from './types.ts';

/** A parse failure value; `status` defaults to 400 Bad Request. */
export function parseError(message: string, status = 400): SipParseError {
  return { kind: 'error', message, status };
}

/** Narrows a parser result to its error case. */
export function isParseError(x: unknown): x is SipParseError {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'error';
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")  (RFC 3261 §25.1)
const TOKEN = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

/** True for a character allowed in an RFC 3261 `token`. */
export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

/** True when `s` is a non-empty RFC 3261 `token`. */
export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

/** SP or HTAB. */
export function isWsp(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Trims SP/HTAB/CR/LF on both sides (LWS, RFC 3261 §25.1). */
export function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isLwsChar(s.charCodeAt(a))) a++;
  while (b > a && isLwsChar(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

function isLwsChar(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d || code === 0x0a;
}

/**
 * Index of the end of a quoted-string starting at `start` (which holds `"`): the index just past the
 * closing quote, or -1 when it is not closed. quoted-pair (`\` + char) is honoured (RFC 3261 §25.1).
 */
export function skipQuoted(s: string, start: number): number {
  for (let i = start + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  return -1;
}

/** Unquotes a quoted-string (with its quotes) and undoes quoted-pairs. */
export function unquote(s: string): string {
  const inner = s.slice(1, -1);
  if (inner.indexOf('\\') < 0) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += ch;
  }
  return out;
}

/** Writes `s` as a quoted-string, escaping `"` and `\` (RFC 3261 §25.1 quoted-pair). */
export function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"' || ch === '\\') out += '\\';
    out += ch;
  }
  return out + '"';
}

/**
 * Splits `s` at every `sep` that is outside a quoted-string and outside `<…>`. Returns null when a quote
 * is left open (the value is malformed). Parts are trimmed of LWS.
 */
export function splitOutside(s: string, sep: string): string[] | null {
  const sepCode = sep.charCodeAt(0);
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) {
      const end = skipQuoted(s, i);
      if (end < 0) return null;
      i = end - 1;
    } else if (c === 0x3c) depth++;
    else if (c === 0x3e) {
      if (depth > 0) depth--;
    } else if (c === sepCode && depth === 0) {
      parts.push(trimLws(s.slice(from, i)));
      from = i + 1;
    }
  }
  parts.push(trimLws(s.slice(from)));
  return parts;
}

/**
 * Parses `;name[=value]` header parameters (generic-param, RFC 3261 §25.1) from `s` (which starts after
 * the first `;` has been consumed by the caller, or is the whole parameter string without its leading
 * `;`). Names are lower-cased; values are kept as written (quoted-strings keep their quotes) with the
 * LWS around `=` removed. An empty or malformed parameter is an error.
 */
export function parseParams(s: string, into: Record<string, string | null>): SipParseError | undefined {
  const parts = splitOutside(s, ';');
  if (parts === null) return parseError('unterminated quoted string in parameters');
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = trimLws(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (!isToken(name)) return parseError(`bad parameter name "${name}"`);
    if (eq < 0) {
      setOwn(into, name, null);
      continue;
    }
    const value = trimLws(part.slice(eq + 1));
    if (value.length === 0) return parseError(`empty value for parameter "${name}"`);
    if (value.charCodeAt(0) === 0x22) {
      if (skipQuoted(value, 0) !== value.length) return parseError(`bad quoted value for "${name}"`);
    } else if (!isGenValue(value)) return parseError(`bad value for parameter "${name}"`);
    setOwn(into, name, value);
  }
  return undefined;
}

/** gen-value = token / host / quoted-string; host brings `[`, `]` and `:` (IPv6). */
function isGenValue(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isTokenChar(c) && c !== 0x5b && c !== 0x5d && c !== 0x3a) return false;
  }
  return true;
}

/**
 * Sets `obj[key]` as an own property even for `__proto__`, which plain assignment would treat as the
 * prototype (a parameter named so would vanish, or worse).
 */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Writes header parameters as `;name=value` (values as stored, so quoted ones keep their quotes). */
export function formatParams(params: Record<string, string | null>): string {
  let out = '';
  for (const name in params) {
    const v = params[name];
    out += v === null ? `;${name}` : `;${name}=${v}`;
  }
  return out;
}

/** Parses a decimal integer of at most maxDigits significant digits; -1 when not all digits or too long. */
export function parseDigits(s: string, maxDigits: number): number {
  if (s.length === 0) return -1;
  let start = 0;
  // Leading zeros carry no value ("0068" in RFC 4475 §3.1.1.1 is 68).
  while (start < s.length - 1 && s.charCodeAt(start) === 0x30) start++;
  if (s.length - start > maxDigits) return -1;
  let n = 0;
  for (let i = start; i < s.length; i++) {
    const d = s.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
