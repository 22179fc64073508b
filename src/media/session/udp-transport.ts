/**
 * RTP over plain UDP: one socket on an even port for RTP and, without rtcp-mux, one on the port above for
 * RTCP (RFC 3550 §11). Symmetric RTP (RFC 4961) with strict source latching (source-latch.ts): packets go to
 * the latched source once it is known, to the signalled remote before that. Oversized packets and packets
 * from foreign sources are dropped and counted here; a socket error ends the transport (the session then
 * closes itself, its room goes on). Sockets are on the native batched path when its addon is built, else
 * on dgram (datagram-socket.ts); both behave the same here.
 */
import { performance } from 'node:perf_hooks';
import { isRtcp, readU32 } from '../rtp/rtp-packet.ts';
import { type DatagramPath, type DatagramSocket, openDatagramSocket } from './datagram-socket.ts';
import type { PacketSink, PacketTransport, TransportStats } from './packet-transport.ts';
import { type LatchState, SourceLatch } from './source-latch.ts';

/** Where to send: an address and port (the RTP port; RTCP goes to port + 1 unless muxed). */
export interface RemoteAddress {
  address: string;
  port: number;
}

export interface UdpTransportOptions {
  /** Local address to bind (the one written in SDP). */
  localAddress: string;
  /** Even RTP port, already reserved by the caller's PortAllocator (0 with rtcp-mux: any free port). */
  port: number;
  /** RTCP multiplexed on the RTP port (RFC 5761): no second socket. */
  rtcpMux?: boolean;
  /** Signalled remote (from SDP); may be set later with `setRemote`. */
  remote?: RemoteAddress;
  /** In-sequence packets before latching (default 3). */
  probation?: number;
  /** Larger datagrams are dropped (default 1500: one Ethernet MTU holds any sane voice packet). */
  maxPacketBytes?: number;
  /** Socket path: 'auto' (default) is native when the addon is built, else dgram. */
  path?: DatagramPath;
}

/** Why a transport could not open. */
export interface TransportOpenError {
  error: 'bind-failed';
  code: string;
  message: string;
}

/** SO_RCVBUF asked for each RTP socket. */
const RECV_BUFFER_BYTES = 48 * 1024;

/** UDP packet transport (see file comment). Create with `UdpTransport.open`. */
export class UdpTransport implements PacketTransport {
  readonly kind = 'udp';
  readonly localAddress: string;
  readonly port: number;
  readonly rtcpMux: boolean;
  readonly copiesOnSend: boolean;
  #rtp: DatagramSocket;
  #rtcp: DatagramSocket | undefined;
  #latch: SourceLatch;
  #remote: RemoteAddress | undefined;
  #rtcpSource: RemoteAddress | undefined;
  #latchedTo: RemoteAddress | undefined;
  #maxBytes: number;
  #sink: PacketSink | undefined;
  #closed = false;
  /** Counters, as fields of the transport (a separate object would be one more cache line per packet). */
  #packetsReceived = 0;
  #bytesReceived = 0;
  #packetsSent = 0;
  #bytesSent = 0;
  #droppedForeignSource = 0;
  #droppedOversized = 0;

  private constructor(options: UdpTransportOptions, rtp: DatagramSocket, rtcp: DatagramSocket | undefined) {
    this.localAddress = options.localAddress;
    this.port = rtp.port;
    // dgram may keep the buffer until a deferred send completes; the native path copies it at once.
    this.copiesOnSend = rtp.path === 'native';
    this.rtcpMux = options.rtcpMux ?? false;
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.#latch = new SourceLatch(options.probation ?? 3);
    this.#remote = options.remote;
    this.#maxBytes = options.maxPacketBytes ?? 1500;
  }

  /** Binds the socket(s); an error value (never a throw) when a port is taken or the address is wrong. */
  static async open(options: UdpTransportOptions): Promise<UdpTransport | TransportOpenError> {
    const failed = (err: NodeJS.ErrnoException): TransportOpenError => ({
      error: 'bind-failed',
      code: err.code ?? 'EUNKNOWN',
      message: err.message,
    });
    // A small receive buffer (the kernel doubles it: ~1 s of audio): packets that waited longer are useless
    // to a real-time stream, and a worker that fell behind must not work through seconds of backlog.
    const base = { address: options.localAddress, ...(options.path ? { path: options.path } : {}) };
    const rtp = await openDatagramSocket({ ...base, port: options.port, recvBufferBytes: RECV_BUFFER_BYTES });
    if (rtp instanceof Error) return failed(rtp);
    let rtcp: DatagramSocket | undefined;
    if (!options.rtcpMux) {
      if (options.port === 0) {
        rtp.close();
        return { error: 'bind-failed', code: 'EINVAL', message: 'port 0 needs rtcp-mux (no port pair)' };
      }
      const r = await openDatagramSocket({ ...base, port: options.port + 1, recvBufferBytes: 0 });
      if (r instanceof Error) {
        rtp.close();
        return failed(r);
      }
      rtcp = r;
    }
    return new UdpTransport(options, rtp, rtcp);
  }

  /** Which socket path carries this transport ('native' or 'dgram'). */
  get path(): 'native' | 'dgram' {
    return this.#rtp.path;
  }

  start(sink: PacketSink): void {
    this.#sink = sink;
    this.#rtp.onMessage = this.#onRtp;
    this.#rtp.onError = this.#onError;
    if (this.#rtcp) {
      this.#rtcp.onMessage = this.#onRtcp;
      this.#rtcp.onError = this.#onError;
    }
  }

  /** Signalling gave a new remote: send there and learn the source again (strict latching, RFC 4961). */
  setRemote(remote: RemoteAddress | undefined): void {
    this.#remote = remote;
    this.#rtcpSource = undefined;
    this.#latchedTo = undefined;
    this.#latch.relearn();
  }

  /** Where RTP goes now: the latched source, else the signalled remote, else the learning candidate. */
  destination(): RemoteAddress | undefined {
    if (this.#latch.latched) {
      // Cached: sends happen every tick, the latched source changes only on relearn.
      this.#latchedTo ??= this.#latch.source();
      return this.#latchedTo;
    }
    this.#latchedTo = undefined;
    return this.#remote ?? this.#latch.source();
  }

  latch(): LatchState {
    return this.#latch.state();
  }

  #onRtp = (msg: Buffer, address: string, port: number, arrivalMs?: number): void => {
    const now = arrivalMs ?? performance.now();
    this.#packetsReceived++;
    this.#bytesReceived += msg.length;
    if (msg.length > this.#maxBytes) {
      this.#droppedOversized++;
      return;
    }
    if (isRtcp(msg)) {
      // rtcp-mux (RFC 5761 §4), or a peer that muxes anyway: only from the RTP source we talk to.
      const src = this.#latch.source();
      if (src && (src.address !== address || src.port !== port)) {
        this.#droppedForeignSource++;
        return;
      }
      this.#sink?.rtcp(msg, now);
      return;
    }
    if (msg.length < 12) {
      // Too short for an RTP header: the session's parser counts it as malformed.
      this.#sink?.rtp(msg, now);
      return;
    }
    // Byte reads (the length is checked above): Buffer's read methods check their arguments per call.
    const ssrc = readU32(msg, 8);
    const seq = (msg[2]! << 8) | msg[3]!;
    if (this.#latch.check(address, port, ssrc, seq) === 'drop') {
      this.#droppedForeignSource++;
      return;
    }
    this.#sink?.rtp(msg, now);
  };

  #onRtcp = (msg: Buffer, address: string, port: number, arrivalMs?: number): void => {
    this.#packetsReceived++;
    this.#bytesReceived += msg.length;
    if (msg.length > this.#maxBytes) {
      this.#droppedOversized++;
      return;
    }
    // RTCP comes from the RTP peer's address (port may differ behind NAT).
    const src = this.#latch.source() ?? this.#remote;
    if (src && src.address !== address) {
      this.#droppedForeignSource++;
      return;
    }
    if (this.#rtcpSource?.address !== address || this.#rtcpSource.port !== port)
      this.#rtcpSource = { address, port };
    this.#sink?.rtcp(msg, arrivalMs ?? performance.now());
  };

  #onError = (err: Error): void => {
    if (this.#closed) return;
    this.close();
    this.#sink?.failed(`socket error: ${err.message}`);
  };

  sendRtp(packet: Uint8Array): void {
    const to = this.destination();
    if (!to || this.#closed) return;
    this.#send(this.#rtp, packet, to.port, to.address);
  }

  sendRtcp(packet: Uint8Array): void {
    if (this.#closed) return;
    const rtpTo = this.destination();
    if (!rtpTo) return;
    if (this.rtcpMux || !this.#rtcp) {
      this.#send(this.#rtp, packet, rtpTo.port, rtpTo.address);
      return;
    }
    const to = this.#rtcpSource ?? { address: rtpTo.address, port: rtpTo.port + 1 };
    this.#send(this.#rtcp, packet, to.port, to.address);
  }

  #send(socket: DatagramSocket, packet: Uint8Array, port: number, address: string): void {
    this.#packetsSent++;
    this.#bytesSent += packet.length;
    socket.send(packet, port, address);
  }

  stats(): TransportStats {
    return {
      packetsReceived: this.#packetsReceived,
      bytesReceived: this.#bytesReceived,
      packetsSent: this.#packetsSent,
      bytesSent: this.#bytesSent,
      droppedForeignSource: this.#droppedForeignSource,
      droppedOversized: this.#droppedOversized,
      sendErrors: this.#rtp.sendErrors + (this.#rtcp?.sendErrors ?? 0),
    };
  }

  /** Closes both sockets. Idempotent. The caller returns the port to its allocator. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rtp.close();
    this.#rtcp?.close();
  }
}
