/**
 * The SDP session description model (RFC 4566 §5). Every line is kept, in its order, so a description
 * parsed then serialised says the same thing; attributes the offer/answer logic does not use (ICE, DTLS,
 * BUNDLE, ssrc, candidates …) are preserved verbatim as `a=` name/value pairs.
 *
 * ```
 * Session description
 *    v=  (protocol version)            o=  (originator and session identifier)
 *    s=  (session name)                i=* u=* e=* p=*
 *    c=* (connection information)      b=* (zero or more bandwidth lines)
 *    One or more time descriptions ("t=" and "r=" lines)
 *    z=* k=* a=* (zero or more session attribute lines)
 *    Zero or more media descriptions
 * Media description
 *    m=  (media name and transport address)
 *    i=* c=* b=* k=* a=*
 * ```
 */

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (§5.2). */
export interface SdpOrigin {
  username: string;
  /** Numeric string: may exceed 2^53 (RFC 4566 only says "numeric"). */
  sessionId: string;
  /** Numeric string; RFC 3264 §8 bumps it on every changed description. */
  sessionVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (§5.7). */
export interface SdpConnection {
  netType: string;
  /** `IP4` or `IP6`. */
  addrType: string;
  /** The address without the multicast TTL/count suffixes, which are kept in `suffix`. */
  address: string;
  suffix?: string;
}

/** `b=<bwtype>:<bandwidth>` (§5.8). */
export interface SdpBandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` with its `r=` lines (§5.9, §5.10). */
export interface SdpTiming {
  start: string;
  stop: string;
  repeats: string[];
}

/** `a=<attribute>` or `a=<attribute>:<value>` (§5.13). */
export interface SdpAttribute {
  name: string;
  value?: string;
}

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` and what follows it (§5.14). */
export interface SdpMedia {
  /** `audio`, `video`, `application` … */
  type: string;
  /** 0 means the stream is rejected or disabled (RFC 3264 §5.1, §6). */
  port: number;
  portCount?: number;
  /** `RTP/AVP`, `RTP/AVPF`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF` … */
  protocol: string;
  /** RTP payload type numbers as strings, in the sender's preference order. */
  formats: string[];
  information?: string;
  connections: SdpConnection[];
  bandwidths: SdpBandwidth[];
  key?: string;
  attributes: SdpAttribute[];
}

/** A whole session description. */
export interface Sdp {
  version: number;
  origin: SdpOrigin;
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  timing: SdpTiming[];
  zone?: string;
  key?: string;
  attributes: SdpAttribute[];
  media: SdpMedia[];
}

/** Why a text is not a usable session description. */
export interface SdpError {
  error:
    | 'too-large'
    | 'bad-line'
    | 'missing-line'
    | 'bad-origin'
    | 'bad-connection'
    | 'bad-media'
    | 'bad-value';
  message: string;
  /** 1-based line number, when one line is at fault. */
  line?: number;
}

/** Type guard: did `parseSdp` fail? */
export function isSdpError<T>(r: T | SdpError): r is SdpError {
  return typeof r === 'object' && r !== null && typeof (r as SdpError).error === 'string';
}
