/**
 * CSeq = "CSeq" HCOLON 1*DIGIT LWS Method  (RFC 3261 §20.16). The sequence number must fit in 32 bits
 * (§8.1.1.5; RFC 4475 §3.1.2.4 and §3.1.2.5 send larger ones, which are errors).
 */

import { isToken, isWsp, parseDigits, parseError, trimLws } from './lexer.ts';
import type { CSeq, SipParseError } from './types.ts';

const MAX_CSEQ = 0xffffffff;

/** Parses a CSeq value such as `4711 INVITE`. */
export function parseCSeq(input: string): CSeq | SipParseError {
  const s = trimLws(input);
  let i = 0;
  while (i < s.length && !isWsp(s.charCodeAt(i))) i++;
  const seq = parseDigits(s.slice(0, i), 10);
  if (seq < 0 || seq > MAX_CSEQ) return parseError('bad CSeq number');
  const method = trimLws(s.slice(i));
  if (i === s.length || !isToken(method)) return parseError('bad CSeq method');
  return { seq, method };
}

/** Writes a CSeq value. */
export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
