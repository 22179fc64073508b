/**
 * The ACK a client transaction sends for a non-2xx final response to an INVITE (RFC 3261 §17.1.1.3):
 * Request-URI, Call-ID, From, CSeq number and top Via of the INVITE, To of the response (with its tag),
 * the INVITE's Route set. The ACK of a 2xx is a new transaction built by the dialog layer (§13.2.2.4).
 */

import { hopRequest } from './create-cancel.ts';
import { getHeader } from './header-access.ts';
import type { SipRequest, SipResponse } from './types.ts';

/** Builds the ACK; undefined when the INVITE has no Via or CSeq, or the response no To. */
export function createAck(invite: SipRequest, response: SipResponse): SipRequest | undefined {
  const to = getHeader(response, 'to');
  if (to === undefined) return undefined;
  return hopRequest(invite, 'ACK', to);
}
