/**
 * How RTP and RTCP packets reach a media session and leave it. A plain UDP socket pair (udp-transport.ts)
 * is one implementation; a WebRTC transport (ICE + DTLS-SRTP, later in media/webrtc/) is another: it hands
 * decrypted RTP/RTCP to the same sink and encrypts what the session sends, so sessions, the mixer, the player
 * and the recorder never know which one carries their packets.
 */

/** Where a transport delivers what it receives. Called synchronously from the transport's I/O callback. */
export interface PacketSink {
  /** An RTP packet that passed the transport's checks (source latching, size), with its arrival time. */
  rtp(packet: Uint8Array, arrivalMs: number): void;
  /** An RTCP compound packet (on the RTCP port, or multiplexed on the RTP port, RFC 5761 §4). */
  rtcp(packet: Uint8Array, arrivalMs: number): void;
  /** The transport failed for good (socket error, ICE failure); the session closes itself. */
  failed(reason: string): void;
}

/** Counters every transport keeps. */
export interface TransportStats {
  packetsReceived: number;
  bytesReceived: number;
  packetsSent: number;
  bytesSent: number;
  /** Packets from a source other than the latched one (RTP injection / "RTP bleed"), dropped. */
  droppedForeignSource: number;
  /** Packets larger than the transport accepts, dropped. */
  droppedOversized: number;
  /** Sends that failed and were noticed (a transport may skip checking for speed); the session goes on. */
  sendErrors: number;
}

/** A bidirectional packet path for one media session. `close()` is idempotent. */
export interface PacketTransport {
  /** "udp", "webrtc", … for stats and logs. */
  readonly kind: string;
  /**
   * True when `sendRtp` copies the packet before returning (the native UDP path queues a copy), so the
   * caller may build its next packet in the same buffer.
   */
  readonly copiesOnSend?: boolean;
  /** Starts delivering packets to `sink`. */
  start(sink: PacketSink): void;
  sendRtp(packet: Uint8Array): void;
  sendRtcp(packet: Uint8Array): void;
  stats(): TransportStats;
  close(): void;
}

/** Counters of a transport that has done nothing yet. */
export function emptyTransportStats(): TransportStats {
  return {
    packetsReceived: 0,
    bytesReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    droppedForeignSource: 0,
    droppedOversized: 0,
    sendErrors: 0,
  };
}
