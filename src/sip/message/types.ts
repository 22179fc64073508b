/**
 * The SIP message model (RFC 3261 §7). Headers are kept as an ordered list of raw name/value pairs,
 * exactly as received (one entry per header line after unfolding; a line holding several comma-separated
 * values stays one entry). Typed views (Via, name-addr, CSeq, URIs…) are parsed on demand by the
 * functions in this folder, so a message survives `parse → serialize` byte-for-byte in meaning and a
 * proxy-like B2BUA never rewrites what it does not touch.
 */

/** One header line: `name` as written on the wire (compact forms kept), `value` with folding undone. */
export interface SipHeader {
  name: string;
  value: string;
}

interface SipMessageBase {
  /** "SIP/2.0" for every message we accept. */
  version: string;
  headers: SipHeader[];
  /** The body as bytes: never decoded, so binary and multipart bodies pass intact. */
  body: Uint8Array;
}

/**
 * Request-Line = Method SP Request-URI SP SIP-Version CRLF  (RFC 3261 §7.1)
 */
export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  /** The Request-URI as written; parse with `parseUri`. */
  uri: string;
}

/**
 * Status-Line = SIP-Version SP Status-Code SP Reason-Phrase CRLF  (RFC 3261 §7.2)
 */
export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** A parse failure: a value, never a throw. `status` is what a server should answer (usually 400). */
export interface SipParseError {
  kind: 'error';
  message: string;
  status: number;
  /**
   * When the start line and headers could be read but the message is still unacceptable (bad
   * Content-Length, extra spaces in the Request-Line, unknown SIP version…): the message as far as it
   * was understood, so a server can build its error response from its Via, From, To, Call-ID and CSeq.
   */
  partial?: SipMessage;
}

/** sip:, sips: and tel: URIs (RFC 3261 §19.1, RFC 3966); other schemes keep `opaque`. */
export interface SipUri {
  /** Lower-cased. */
  scheme: string;
  /** Unescaped (`%40` → `@`). For tel: the telephone number. */
  user?: string;
  /** Unescaped. */
  password?: string;
  /** As written; an IPv6 reference keeps its brackets (`[2001:db8::1]`); empty for tel: and opaque URIs. */
  host: string;
  port?: number;
  /** uri-parameters, names lower-cased, values unescaped; a parameter without value maps to null. */
  params: Record<string, string | null>;
  /** ?headers, unescaped. */
  headers: Record<string, string>;
  /** For schemes other than sip/sips/tel: everything after the colon. */
  opaque?: string;
}

/** name-addr / addr-spec with header parameters (From, To, Contact, Route, Record-Route…). */
export interface NameAddr {
  /** Unquoted and unescaped; absent when there is none (`""` is an empty one). */
  displayName?: string;
  /** The URI as written (without `<>`); parse with `parseUri`. */
  uri: string;
  /** Header parameters (tag, expires, q…): names lower-cased, values as written (quoted ones keep their quotes). */
  params: Record<string, string | null>;
}

/** Via = sent-protocol sent-by *( SEMI via-params )  (RFC 3261 §20.42, RFC 3581 rport) */
export interface Via {
  /** protocol-name/protocol-version, e.g. `SIP/2.0`. */
  protocol: string;
  /** As written (UDP, TCP, TLS, WS, WSS, SCTP…). */
  transport: string;
  /** sent-by host; an IPv6 reference keeps its brackets. */
  host: string;
  port?: number;
  /** branch, received, rport (null when valueless)…: names lower-cased, values as written. */
  params: Record<string, string | null>;
}

/** CSeq = 1*DIGIT LWS Method (RFC 3261 §20.16); `seq` fits in 32 bits. */
export interface CSeq {
  seq: number;
  method: string;
}
