/**
 * A transport with no socket: the caller hands packets in (`receive`) and what the session sends is
 * counted and dropped. For driving a session without the network: the media worker's warm-up and the
 * `mixer-path` benchmark.
 */
import {
  emptyTransportStats,
  type PacketSink,
  type PacketTransport,
  type TransportStats,
} from './packet-transport.ts';

/** In-memory packet transport (see file comment). */
export class MemoryTransport implements PacketTransport {
  readonly kind = 'memory';
  readonly copiesOnSend = true;
  #sink: PacketSink | undefined;
  #stats = emptyTransportStats();

  start(sink: PacketSink): void {
    this.#sink = sink;
  }

  /** Delivers `packet` as if it had arrived at `arrivalMs`. */
  receive(packet: Uint8Array, arrivalMs: number): void {
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += packet.length;
    this.#sink?.rtp(packet, arrivalMs);
  }

  sendRtp(packet: Uint8Array): void {
    this.#stats.packetsSent++;
    this.#stats.bytesSent += packet.length;
  }

  sendRtcp(): void {}

  stats(): TransportStats {
    return { ...this.#stats };
  }

  close(): void {}
}
