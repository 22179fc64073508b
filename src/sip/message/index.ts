/**
 * The SIP message layer (RFC 3261 §7, §19, §20, §25): pure parse and serialize functions, typed views
 * on headers, builders, and a stream framer. No I/O, no timers.
 */

export { createAck } from './create-ack.ts';
export { createCancel } from './create-cancel.ts';
export type { CreateRequestOptions } from './create-request.ts';
export { createRequest } from './create-request.ts';
export type { CreateResponseOptions } from './create-response.ts';
export { createResponse } from './create-response.ts';
export { formatCSeq, parseCSeq } from './cseq.ts';
export {
  addHeader,
  getHeader,
  getHeaderValues,
  headerKey,
  isHeader,
  removeHeader,
  setHeader,
} from './header-access.ts';
export { generateBranch, generateCallId, generateTag, MAGIC_COOKIE } from './ids.ts';
export { isParseError } from './lexer.ts';
export { formatNameAddr, parseNameAddr } from './name-addr.ts';
export type { ParseOptions } from './parse-message.ts';
export { DEFAULT_MAX_MESSAGE_BYTES, parseMessage } from './parse-message.ts';
export { REASON_PHRASES, reasonPhrase } from './reason-phrases.ts';
export { serializeMessage } from './serialize-message.ts';
export type { FramerOutput, KeepAlive, StreamFramerOptions } from './stream-framer.ts';
export { StreamFramer } from './stream-framer.ts';
export type {
  CSeq,
  NameAddr,
  SipHeader,
  SipMessage,
  SipParseError,
  SipRequest,
  SipResponse,
  SipUri,
  Via,
} from './types.ts';
export { formatUri, parseUri } from './uri.ts';
export type { ValidateOptions } from './validate-message.ts';
export { validateRequest, validateResponse } from './validate-message.ts';
export { formatVia, parseVia, parseViaList } from './via.ts';
