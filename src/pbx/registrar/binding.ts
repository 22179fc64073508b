/**
 * What the registrar remembers per registered contact (RFC 3261 §10.3), and how to reach it again.
 */

/** SIP transports a binding may have arrived on. */
export type FlowTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/**
 * The path a REGISTER arrived on: answers and requests to this contact go back the same way (RFC 5626
 * §5.2 "flow"; RFC 7118 §5 for WebSocket, whose contacts are only reachable over their connection).
 */
export interface Flow {
  transport: FlowTransport;
  /** The packet's source address and port (what a NAT shows us, RFC 3581). */
  remoteAddress: string;
  remotePort: number;
  /** The local listener it arrived on, when known. */
  localAddress?: string;
  localPort?: number;
  /** The connection for stream transports, as the transport layer names it; absent for UDP. */
  connectionId?: string;
}

/** One registered contact of an extension. */
export interface Binding {
  extension: string;
  /** The address-of-record, `sip:<extension>@<domain>`. */
  aor: string;
  /** The Contact URI as the client sent it. */
  contact: string;
  /** Identity of the binding for updates: the RFC 5626 instance (+reg-id) when present, else the URI. */
  key: string;
  /** Preference (Contact `q`, RFC 3261 §20.10), 0–1; undefined when not given. */
  q?: number;
  /** `+sip.instance` and `reg-id` (RFC 5626 §4.1), kept for outbound-style routing. */
  instanceId?: string;
  regId?: string;
  /** Absolute expiry, ms since the epoch. */
  expiresAt: number;
  /** The Call-ID and CSeq that last touched this binding (RFC 3261 §10.3 step 7). */
  callId: string;
  cseq: number;
  flow: Flow;
  userAgent?: string;
  /** When the binding was last written, ms since the epoch. */
  updatedAt: number;
}
