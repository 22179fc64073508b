/**
 * CANCEL for a pending INVITE (RFC 3261 §9.1): same Request-URI, Call-ID, To, From and CSeq number,
 * method CANCEL, one Via equal to the request's top Via (so it matches the same server transaction),
 * the same Route set.
 */

import { parseCSeq } from './cseq.ts';
import { getHeader, getHeaderValues, headerKey } from './header-access.ts';
import { isParseError } from './lexer.ts';
import type { SipHeader, SipRequest } from './types.ts';

/** Builds the CANCEL of `req`; undefined when `req` has no Via or no valid CSeq. */
export function createCancel(req: SipRequest): SipRequest | undefined {
  return hopRequest(req, 'CANCEL', undefined);
}

/**
 * The request-hop builder shared by CANCEL and the ACK of a non-2xx response: both reuse the
 * original's top Via (same branch) and copy its identifiers; only To may differ (the ACK takes the
 * response's, with its tag, §17.1.1.3).
 */
export function hopRequest(req: SipRequest, method: string, to: string | undefined): SipRequest | undefined {
  const via = getHeaderValues(req, 'via')[0];
  const cseq = parseCSeq(getHeader(req, 'cseq') ?? '');
  if (via === undefined || isParseError(cseq)) return undefined;
  const headers: SipHeader[] = [{ name: 'Via', value: via }];
  for (const h of req.headers) {
    const key = headerKey(h.name);
    if (key === 'to') headers.push({ name: h.name, value: to ?? h.value });
    else if (key === 'from' || key === 'call-id' || key === 'route' || key === 'max-forwards') {
      headers.push({ name: h.name, value: h.value });
    }
  }
  headers.push({ name: 'CSeq', value: `${cseq.seq} ${method}` }, { name: 'Content-Length', value: '0' });
  return { kind: 'request', version: 'SIP/2.0', method, uri: req.uri, headers, body: new Uint8Array(0) };
}
