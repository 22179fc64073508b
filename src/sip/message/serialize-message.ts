/**
 * Writes a SIP message as bytes (RFC 3261 §7): the start line, the header lines in their order, an
 * empty line and the body. Content-Length always tells the truth: a wrong one is corrected, extra ones
 * are dropped, a missing one is added last — stream transports need it (§18.3, §20.14).
 */

import { isContentLength } from './header-access.ts';
import { parseDigits } from './lexer.ts';
import type { SipMessage } from './types.ts';

/** CR and LF inside a value would start a new header line: fold them to a space. */
function oneLine(s: string): string {
  if (s.indexOf('\r') < 0 && s.indexOf('\n') < 0) return s;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    out += ch === '\r' || ch === '\n' ? ' ' : ch;
  }
  return out;
}

/** Serializes a request or response. */
export function serializeMessage(m: SipMessage): Uint8Array {
  let head =
    m.kind === 'request'
      ? `${oneLine(m.method)} ${oneLine(m.uri)} ${oneLine(m.version)}\r\n`
      : `${oneLine(m.version)} ${m.status} ${oneLine(m.reason)}\r\n`;
  const bodyLength = m.body.length;
  let wroteLength = false;
  for (const h of m.headers) {
    if (isContentLength(h.name)) {
      if (wroteLength) continue;
      wroteLength = true;
      const value = parseDigits(h.value, 10) === bodyLength ? h.value : String(bodyLength);
      head += `${oneLine(h.name)}: ${value}\r\n`;
      continue;
    }
    head += `${oneLine(h.name)}: ${oneLine(h.value)}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${bodyLength}\r\n`;
  head += '\r\n';
  // Buffer's small allocations come from a shared pool: no memory of its own per message sent (a plain
  // Uint8Array view of it is returned).
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + bodyLength);
  out.write(head, 0, 'utf8');
  if (bodyLength > 0) out.set(m.body, headLength);
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
