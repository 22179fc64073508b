/**
 * The text of a REGISTER sent by a hand-made phone over its own TCP connection (tests that need a contact
 * whose connection they can drop at will).
 */
import { generateBranch } from '../../../src/sip/message/index.ts';

export interface TcpRegisterFields {
  extension: string;
  domain: string;
  /** host:port of the test's end of the connection. */
  local: string;
  tag: string;
  callId: string;
  cseq: number;
  /** Extra header lines (an Authorization). */
  auth: readonly string[];
  /** The contact's q value, if any. */
  q?: string;
}

export function tcpRegisterText(f: TcpRegisterFields): string {
  return [
    `REGISTER sip:${f.domain} SIP/2.0`,
    `Via: SIP/2.0/TCP ${f.local};branch=${generateBranch()};rport`,
    'Max-Forwards: 70',
    `From: <sip:${f.extension}@${f.domain}>;tag=${f.tag}`,
    `To: <sip:${f.extension}@${f.domain}>`,
    `Call-ID: ${f.callId}`,
    `CSeq: ${f.cseq} REGISTER`,
    `Contact: <sip:${f.extension}@${f.local};transport=tcp>${f.q ? `;q=${f.q}` : ''}`,
    'Expires: 300',
    ...f.auth,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}
