/**
 * The UDP socket a transport uses, over one of two paths: the native batched path (native-udp.ts, when the
 * addon is built) or Node's dgram. Both bind exclusively (one session owns a port), deliver each datagram
 * with its source, report receive errors, and never throw from `send`.
 */
import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { NativeDatagramSocket, nativeUdp } from './native-udp.ts';

/** A bound UDP socket (see file comment). */
export interface DatagramSocket {
  readonly port: number;
  /** Which path carries it: 'native' (batched addon) or 'dgram'. */
  readonly path: 'native' | 'dgram';
  /** Each datagram received, with its source and, when the socket knows it, the kernel's arrival time. */
  onMessage: (packet: Buffer, address: string, port: number, arrivalMs?: number) => void;
  /** A socket error (the socket is useless afterwards). */
  onError: (err: Error) => void;
  /** Sends one datagram; failures are counted in `sendErrors`, never thrown. */
  send(packet: Uint8Array, port: number, address: string): void;
  readonly sendErrors: number;
  /** Idempotent. */
  close(): void;
}

/** Which path to open sockets on: 'auto' takes the native one when the addon is built. */
export type DatagramPath = 'auto' | 'native' | 'dgram';

export interface OpenDatagramOptions {
  address: string;
  port: number;
  /** SO_RCVBUF to ask for (0: the system default). */
  recvBufferBytes: number;
  path?: DatagramPath;
}

/**
 * Address lookup for dgram sends: RTP destinations are IP literals (from SDP or a latched source), and
 * dgram's default lookup defers every send by a tick even for those. Names (rare in SDP) still go to DNS.
 */
const literalLookup: SocketOptions['lookup'] = (address, options, callback) => {
  const family = isIP(address);
  if (family === 0) {
    dnsLookup(address, options, callback);
    return;
  }
  callback(null, address, family);
};

class DgramDatagramSocket implements DatagramSocket {
  readonly path = 'dgram';
  readonly port: number;
  onMessage: (packet: Buffer, address: string, port: number) => void = () => {};
  onError: (err: Error) => void = () => {};
  sendErrors = 0;
  #socket: Socket;
  #closed = false;

  constructor(socket: Socket) {
    this.#socket = socket;
    this.port = socket.address().port;
    socket.on('message', (msg: Buffer, rinfo: RemoteInfo) => this.onMessage(msg, rinfo.address, rinfo.port));
    socket.on('error', (err) => {
      if (!this.#closed) this.onError(err);
    });
  }

  send(packet: Uint8Array, port: number, address: string): void {
    try {
      // No completion callback: Node then tries a synchronous send (uv_udp_try_send) instead of queueing
      // the packet and calling back on the next loop turn, which costs as much as the send itself. A failed
      // send is then dropped silently (UDP gives no delivery guarantee anyway).
      this.#socket.send(packet, port, address);
    } catch {
      this.sendErrors++;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.removeAllListeners('message');
    try {
      this.#socket.close();
    } catch {
      // Already closed by the error that got us here.
    }
  }
}

function bindDgram(socket: Socket, port: number, address: string): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (err: NodeJS.ErrnoException) => resolve(err);
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(null);
    });
  });
}

/** Whether sockets open on the native path by default (the addon is built and not disabled). */
export function nativeDatagramsAvailable(): boolean {
  return nativeUdp() !== null;
}

/** Binds a UDP socket; an errno exception value (never a throw) when it cannot. */
export async function openDatagramSocket(
  options: OpenDatagramOptions,
): Promise<DatagramSocket | NodeJS.ErrnoException> {
  const path = options.path ?? 'auto';
  if (path === 'native' || (path === 'auto' && nativeUdp())) {
    return NativeDatagramSocket.open(options);
  }
  const socket = createSocket({
    type: options.address.includes(':') ? 'udp6' : 'udp4',
    reuseAddr: false,
    lookup: literalLookup,
  });
  const err = await bindDgram(socket, options.port, options.address);
  if (err) {
    socket.close();
    return err;
  }
  if (options.recvBufferBytes > 0) {
    try {
      socket.setRecvBufferSize(options.recvBufferBytes);
    } catch {
      // Keep the system default.
    }
  }
  // A late 'error' after close must not become an uncaught exception.
  socket.on('error', () => {});
  return new DgramDatagramSocket(socket);
}
