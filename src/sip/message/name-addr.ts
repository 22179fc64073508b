/**
 * name-addr and addr-spec with header parameters (RFC 3261 §20.10, §25.1): the value of From, To,
 * Contact, Route, Record-Route, Reply-To, Refer-To…
 *
 *   ( name-addr / addr-spec ) *( SEMI param )
 *   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *( token LWS ) / quoted-string
 *
 * §20.10: when the URI is not in angle brackets, every `;param` belongs to the header, not the URI.
 */

import {
  formatParams,
  isTokenChar,
  isWsp,
  parseError,
  parseParams,
  quote,
  skipQuoted,
  trimLws,
  unquote,
} from './lexer.ts';
import type { NameAddr, SipParseError } from './types.ts';

const MAX_NAME_ADDR_LENGTH = 8192;

/** True for the characters a URI inside `<…>` may hold: no LWS, no `<`, `>` or `"` (RFC 4475 §3.1.2.14). */
function isUriText(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return false;
  }
  return true;
}

/** Parses one name-addr or addr-spec with its header parameters. */
export function parseNameAddr(input: string): NameAddr | SipParseError {
  if (input.length > MAX_NAME_ADDR_LENGTH) return parseError('address too long');
  const s = trimLws(input);
  let i = 0;
  let displayName: string | undefined;
  if (s.charCodeAt(0) === 0x22) {
    const end = skipQuoted(s, 0);
    if (end < 0) return parseError('unterminated quoted display name');
    let close = end;
    i = end;
    while (i < s.length && isWsp(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) !== 0x3c) {
      // Liberal reading of an unescaped quote inside the name, as SIP.js 0.21 writes `"Desk "101"" <…>`:
      // the name runs to the last quote before the "<" (RFC 4475 §3.1.2.6, an unclosed quote, is
      // still refused above).
      const lt = s.indexOf('<', end);
      const last = lt < 0 ? -1 : s.lastIndexOf('"', lt);
      if (last < end - 1 || trimLws(s.slice(last + 1, lt)).length > 0) {
        return parseError('quoted display name without <URI>');
      }
      close = last + 1;
      i = lt;
    }
    displayName = unquote(s.slice(0, close));
  } else {
    const lt = s.indexOf('<');
    if (lt >= 0) {
      // display-name = *(token LWS): tokens only, LWS between them (RFC 4475 §3.1.2.15 baddn). Non-ASCII
      // letters are let through: phones send unquoted UTF-8 names, and they cannot be mistaken for
      // separators.
      const name = trimLws(s.slice(0, lt));
      for (let k = 0; k < name.length; k++) {
        const c = name.charCodeAt(k);
        if (!isTokenChar(c) && !isWsp(c) && c < 0x80)
          return parseError('display name must be a token list or quoted');
      }
      if (name.length > 0) displayName = name;
      i = lt;
    }
  }
  const params: Record<string, string | null> = {};
  if (s.charCodeAt(i) === 0x3c) {
    const gt = s.indexOf('>', i + 1);
    if (gt < 0) return parseError('missing ">"');
    const uri = s.slice(i + 1, gt);
    if (!isUriText(uri) || uri.indexOf(':') <= 0) return parseError('bad URI in <>');
    const rest = trimLws(s.slice(gt + 1));
    if (rest.length > 0) {
      if (rest.charCodeAt(0) !== 0x3b) return parseError('garbage after ">"');
      const err = parseParams(rest.slice(1), params);
      if (err) return err;
    }
    const out: NameAddr = { uri, params };
    if (displayName !== undefined) out.displayName = displayName;
    return out;
  }
  // addr-spec: the URI ends at the first ";" and what follows are header parameters (§20.10).
  const semi = s.indexOf(';');
  const uri = trimLws(semi < 0 ? s : s.slice(0, semi));
  if (!isUriText(uri) || uri.indexOf(':') <= 0) return parseError('bad addr-spec');
  // An addr-spec cannot carry "?headers" or "," (§20.10: such URIs need <>; RFC 4475 §3.1.2.13).
  if (uri.indexOf('?') >= 0 || uri.indexOf(',') >= 0) return parseError('URI with "?" or "," needs <>');
  if (semi >= 0) {
    const err = parseParams(s.slice(semi + 1), params);
    if (err) return err;
  }
  return { uri, params };
}

/**
 * Writes a name-addr. The URI always goes in angle brackets (always legal, and required by §20.10 when
 * it holds `,`, `;` or `?`); a display name is always quoted, with `"` and `\` escaped.
 */
export function formatNameAddr(n: NameAddr): string {
  const name = n.displayName !== undefined ? quote(n.displayName) + ' ' : '';
  return `${name}<${n.uri}>${formatParams(n.params)}`;
}
