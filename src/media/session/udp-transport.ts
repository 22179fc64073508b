/**
 * RTP over plain UDP: one socket on an even port for RTP and, without rtcp-mux, one on the port above for
 * RTCP (RFC 3550 §11). Symmetric RTP (RFC 4961) with strict source latching (source-latch.ts): packets go to
 * the latched source once it is known, to the signalled remote before that. Oversized packets and packets
 * from foreign sources are dropped and counted here; a socket error ends the transport (the session then
 * closes itself, its room goes on).
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { isRtcp } from '../rtp/rtp-packet.ts';
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
}

/** Why a transport could not open. */
export interface TransportOpenError {
  error: 'bind-failed';
  code: string;
  message: string;
}

/**
 * Address lookup for sends: RTP destinations are IP literals (from SDP or a latched source), and dgram's
 * default lookup defers every send by a tick even for those. Names (rare in SDP) still go to DNS.
 */
const literalLookup: SocketOptions['lookup'] = (address, options, callback) => {
  const family = isIP(address);
  if (family === 0) {
    dnsLookup(address, options, callback);
    return;
  }
  callback(null, address, family);
};

/** SO_RCVBUF asked for each RTP socket. */
const RECV_BUFFER_BYTES = 48 * 1024;

function bind(socket: Socket, port: number, address: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(null);
    });
  });
}

/** UDP packet transport (see file comment). Create with `UdpTransport.open`. */
export class UdpTransport implements PacketTransport {
  readonly kind = 'udp';
  readonly localAddress: string;
  readonly port: number;
  readonly rtcpMux: boolean;
  #rtp: Socket;
  #rtcp: Socket | undefined;
  #latch: SourceLatch;
  #remote: RemoteAddress | undefined;
  #rtcpSource: RemoteAddress | undefined;
  #latchedTo: RemoteAddress | undefined;
  #maxBytes: number;
  #sink: PacketSink | undefined;
  #closed = false;
  #stats: TransportStats = {
    packetsReceived: 0,
    bytesReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    droppedForeignSource: 0,
    droppedOversized: 0,
    sendErrors: 0,
  };

  private constructor(options: UdpTransportOptions, rtp: Socket, rtcp: Socket | undefined) {
    this.localAddress = options.localAddress;
    this.port = rtp.address().port;
    this.rtcpMux = options.rtcpMux ?? false;
    this.#rtp = rtp;
    this.#rtcp = rtcp;
    this.#latch = new SourceLatch(options.probation ?? 3);
    this.#remote = options.remote;
    this.#maxBytes = options.maxPacketBytes ?? 1500;
  }

  /** Binds the socket(s); an error value (never a throw) when a port is taken or the address is wrong. */
  static async open(options: UdpTransportOptions): Promise<UdpTransport | TransportOpenError> {
    const type = options.localAddress.includes(':') ? 'udp6' : 'udp4';
    const rtp = createSocket({ type, reuseAddr: false, lookup: literalLookup });
    const err = await bind(rtp, options.port, options.localAddress);
    if (err) {
      rtp.close();
      return { error: 'bind-failed', code: err.code ?? 'EUNKNOWN', message: err.message };
    }
    let rtcp: Socket | undefined;
    if (!options.rtcpMux) {
      if (options.port === 0) {
        rtp.close();
        return { error: 'bind-failed', code: 'EINVAL', message: 'port 0 needs rtcp-mux (no port pair)' };
      }
      rtcp = createSocket({ type, reuseAddr: false, lookup: literalLookup });
      const err2 = await bind(rtcp, options.port + 1, options.localAddress);
      if (err2) {
        rtp.close();
        rtcp.close();
        return { error: 'bind-failed', code: err2.code ?? 'EUNKNOWN', message: err2.message };
      }
    }
    // A small receive buffer (the kernel doubles it: ~1 s of audio): packets that waited longer are useless
    // to a real-time stream, and a worker that fell behind must not work through seconds of backlog.
    try {
      rtp.setRecvBufferSize(RECV_BUFFER_BYTES);
    } catch {
      // Keep the system default.
    }
    return new UdpTransport(options, rtp, rtcp);
  }

  start(sink: PacketSink): void {
    this.#sink = sink;
    this.#rtp.on('message', this.#onRtp);
    this.#rtp.on('error', this.#onError);
    this.#rtcp?.on('message', this.#onRtcp);
    this.#rtcp?.on('error', this.#onError);
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

  #onRtp = (msg: Buffer, rinfo: RemoteInfo): void => {
    const now = performance.now();
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += msg.length;
    if (msg.length > this.#maxBytes) {
      this.#stats.droppedOversized++;
      return;
    }
    if (isRtcp(msg)) {
      // rtcp-mux (RFC 5761 §4), or a peer that muxes anyway: only from the RTP source we talk to.
      const src = this.#latch.source();
      if (src && (src.address !== rinfo.address || src.port !== rinfo.port)) {
        this.#stats.droppedForeignSource++;
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
    const ssrc = msg.readUInt32BE(8);
    const seq = msg.readUInt16BE(2);
    if (this.#latch.check(rinfo.address, rinfo.port, ssrc, seq) === 'drop') {
      this.#stats.droppedForeignSource++;
      return;
    }
    this.#sink?.rtp(msg, now);
  };

  #onRtcp = (msg: Buffer, rinfo: RemoteInfo): void => {
    this.#stats.packetsReceived++;
    this.#stats.bytesReceived += msg.length;
    if (msg.length > this.#maxBytes) {
      this.#stats.droppedOversized++;
      return;
    }
    // RTCP comes from the RTP peer's address (port may differ behind NAT).
    const src = this.#latch.source() ?? this.#remote;
    if (src && src.address !== rinfo.address) {
      this.#stats.droppedForeignSource++;
      return;
    }
    this.#rtcpSource = { address: rinfo.address, port: rinfo.port };
    this.#sink?.rtcp(msg, performance.now());
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

  #send(socket: Socket, packet: Uint8Array, port: number, address: string): void {
    this.#stats.packetsSent++;
    this.#stats.bytesSent += packet.length;
    try {
      // No completion callback: Node then tries a synchronous send (uv_udp_try_send) instead of queueing
      // the packet and calling back on the next loop turn, which costs as much as the send itself. A failed
      // send is then dropped silently (UDP gives no delivery guarantee anyway).
      socket.send(packet, port, address);
    } catch {
      this.#stats.sendErrors++;
    }
  }

  stats(): TransportStats {
    return { ...this.#stats };
  }

  /** Closes both sockets. Idempotent. The caller returns the port to its allocator. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [this.#rtp, this.#rtcp]) {
      if (!s) continue;
      s.removeAllListeners('message');
      // A late 'error' after close must not become an uncaught exception.
      s.on('error', () => {});
      try {
        s.close();
      } catch {
        // Already closed by the error that got us here.
      }
    }
  }
}
