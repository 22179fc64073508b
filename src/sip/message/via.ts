/**
 * Via header values (RFC 3261 §20.42, §25.1; RFC 3581 rport).
 *
 *   via-parm      = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport     (SLASH = SWS "/" SWS)
 *   sent-by       = host [ COLON port ]
 */

import { getHeaderValues } from './header-access.ts';
import { formatParams, isParseError, isToken, isWsp, parseError, parseParams, trimLws } from './lexer.ts';
import type { SipMessage, SipParseError, Via } from './types.ts';
import { parseHostPort } from './uri.ts';

/** Parses one via-parm (one element of a comma list). */
export function parseVia(input: string): Via | SipParseError {
  const s = trimLws(input);
  if (s.length > 8192) return parseError('Via too long');
  // sent-protocol: three tokens separated by "/" with optional LWS around each slash.
  const fields: string[] = [];
  let i = 0;
  for (let f = 0; f < 3; f++) {
    while (i < s.length && isWsp(s.charCodeAt(i))) i++;
    const start = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 0x2f || isWsp(c) || c === 0x3b) break;
      i++;
    }
    const tok = s.slice(start, i);
    if (!isToken(tok)) return parseError('bad Via sent-protocol');
    fields.push(tok);
    while (i < s.length && isWsp(s.charCodeAt(i))) i++;
    if (f < 2) {
      if (s.charCodeAt(i) !== 0x2f) return parseError('bad Via sent-protocol');
      i++;
    }
  }
  const [name, version, transport] = fields as [string, string, string];
  const semi = s.indexOf(';', i);
  const sentBy = trimLws(semi < 0 ? s.slice(i) : s.slice(i, semi));
  // LWS is allowed around the colon of sent-by (COLON = SWS ":" SWS).
  const hp = parseHostPort(stripWsp(sentBy));
  if (isParseError(hp)) return parseError('bad Via sent-by: ' + hp.message);
  const via: Via = { protocol: `${name}/${version}`, transport, host: hp.host, params: {} };
  if (hp.port !== undefined) via.port = hp.port;
  if (semi >= 0) {
    const err = parseParams(s.slice(semi + 1), via.params);
    if (err) return parseError('bad Via parameter: ' + err.message);
  }
  return via;
}

/** Drops the LWS next to the port colon (COLON = SWS ":" SWS); any other LWS stays and is refused. */
function stripWsp(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (!isWsp(s.charCodeAt(i))) {
      out += s[i];
      continue;
    }
    let next = i;
    while (next < s.length && isWsp(s.charCodeAt(next))) next++;
    if (s.charCodeAt(next) !== 0x3a && out.charCodeAt(out.length - 1) !== 0x3a) out += ' ';
    i = next - 1;
  }
  return out;
}

/** Writes a via-parm: `SIP/2.0/UDP host:port;params`. */
export function formatVia(v: Via): string {
  const port = v.port !== undefined ? `:${v.port}` : '';
  return `${v.protocol}/${v.transport} ${v.host}${port}${formatParams(v.params)}`;
}

/**
 * Every Via of a message, topmost first, across header lines and comma lists. Stops at the first value
 * that does not parse (what follows it cannot be trusted for routing responses); `validateRequest`
 * reports such a message as 400.
 */
export function parseViaList(m: SipMessage): Via[] {
  const out: Via[] = [];
  for (const value of getHeaderValues(m, 'via')) {
    const via = parseVia(value);
    if (isParseError(via)) break;
    out.push(via);
  }
  return out;
}
