/**
 * The one interface every SIP transport implements (RFC 3261 §18): UDP, TCP, TLS, WebSocket and secure
 * WebSocket (RFC 7118). A transport turns bytes into parsed messages and back; it knows nothing of
 * transactions. Each one enforces the same protections: per-source rate limits, a message size limit,
 * idle timeouts on connections, and keep-alives (RFC 5626 §4.4.1 CRLF on TCP/TLS, pings on WebSocket).
 */
import type { SipMessage, SipParseError } from '../message/types.ts';

/** The transports of RFC 3261 §18 and RFC 7118. */
export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** Where a message came from. `connectionId` names the TCP/TLS/WS connection it arrived on. */
export interface MessageSource {
  transport: TransportProtocol;
  address: string;
  port: number;
  connectionId?: string;
}

/**
 * Where to send. With `connectionId` a stream transport writes on that connection if it is still open
 * (connection reuse, RFC 5923 spirit); otherwise it reuses any open connection to `address:port`, and
 * TCP/TLS open one when there is none. WebSocket can only write on connections clients opened.
 */
export interface Destination {
  address: string;
  port: number;
  connectionId?: string;
  /**
   * The host name the address was resolved from, when there was one: a new TLS connection sends it as
   * SNI and checks the server certificate against it (RFC 5922 §7.2), not against the IP address.
   */
  serverName?: string;
}

/** Counters every transport keeps (exposed as metrics by the layers above). */
export interface TransportStats {
  /** Messages parsed and passed up. */
  received: number;
  /** Messages handed to the network. */
  sent: number;
  /** Messages that failed to parse. */
  droppedMalformed: number;
  /** Messages (and connections) dropped because their source exceeded its rate or connection limit. */
  droppedRateLimited: number;
  /** Messages over the size limit (dropped; on a connection, the connection is closed). */
  oversized: number;
  /** Sends that failed (connection refused, reset, no such connection…). */
  sendErrors: number;
  /** CRLF pings answered (RFC 5626 §4.4.1) and WebSocket pongs received. */
  keepalives: number;
  /** Connections open now (0 for UDP). */
  connections: number;
}

/** What a transport reports upward. Listener errors are caught and logged by the transport. */
export interface TransportListener {
  /** A well-formed message. */
  message(message: SipMessage, source: MessageSource): void;
  /**
   * A message that failed to parse; `error.partial` holds what was readable, so a server can still
   * answer 400 when the headers allow it (§18.2.1 best effort). Already counted as dropped.
   */
  malformed?(error: SipParseError, source: MessageSource): void;
  /**
   * A connection closed or failed (for a registrar to forget bindings that lived on it, and for the
   * transaction layer to fail the client transactions whose requests went over it, §17.1.4).
   */
  connectionClosed?(connectionId: string, source: MessageSource): void;
}

/** Rate limit per source IP: a token bucket of `burst` tokens refilled at `ratePerSecond`. */
export interface RateLimit {
  ratePerSecond: number;
  burst: number;
}

/** Limits shared by every transport. */
export interface TransportLimits {
  /** Largest message accepted, in bytes (default 65,535: one UDP datagram). */
  maxMessageBytes?: number;
  /** Per-source-IP rate limit; `false` turns it off. Default 500 messages/s, burst 1,000. */
  rateLimit?: RateLimit | false;
  /** Time source for the rate limiter (tests). */
  now?: () => number;
  /** Close a TCP/TLS connection with no traffic for this long (default 70 minutes; WebSocket uses pings). */
  idleTimeoutMs?: number;
  /**
   * Connections one source IP may hold open at once on a stream or WebSocket transport (default 200);
   * more are refused and counted in `droppedRateLimited`.
   */
  maxConnectionsPerIp?: number;
  /** Something to log through; defaults to silence. */
  log?: TransportLog;
}

/** The subset of a pino logger the transports use. */
export interface TransportLog {
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

/** What every transport offers the layers above. */
export interface Transport {
  readonly protocol: TransportProtocol;
  /** TCP, TLS, WS, WSS: true. Decides the transaction timers (see `timersFor`). */
  readonly reliable: boolean;
  /** The address and port this transport receives on (what goes into Via sent-by and Contact). */
  readonly localAddress: string;
  readonly localPort: number;
  /** Adds a listener; returns a function that removes it. */
  listen(listener: TransportListener): () => void;
  /**
   * Serializes and sends; rejects on a transport error (the transaction layer then reports 503).
   * Resolves with the id of the connection the message was written on (TCP, TLS, WS, WSS: the id
   * `connectionClosed` reports when that connection goes, so a client transaction can fail at once,
   * RFC 3261 §17.1.4), or undefined (UDP).
   */
  send(message: SipMessage, destination: Destination): Promise<string | undefined>;
  /** True when `connectionId` is a connection of this transport that is still open. */
  hasConnection(connectionId: string): boolean;
  stats(): TransportStats;
  /** Stops receiving and closes every connection. Idempotent. */
  close(): Promise<void>;
}

/** The error a transport rejects `send` with. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
}
