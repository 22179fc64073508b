import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { isParseError, parseMessage, serializeMessage } from '../message/index.ts';
import type { SipMessage } from '../message/types.ts';
import { isStun, stunBindingResponse } from './stun-keepalive.ts';
import type { Destination, MessageSource, Transport, TransportLimits, TransportStats } from './transport.ts';
import { TransportError } from './transport.ts';
import { TransportBase } from './transport-base.ts';

/** Where the UDP transport listens, and its limits. */
export interface UdpTransportOptions extends TransportLimits {
  host: string;
  /** 0 picks a free port (see `localPort`). */
  port: number;
}

/** Socket buffer sizes asked of the kernel (it caps them at net.core.rmem_max / wmem_max). */
const RECV_BUFFER_BYTES = 4 * 1024 * 1024;
const SEND_BUFFER_BYTES = 1024 * 1024;

/**
 * Address lookup for sends: SIP over UDP answers to the Via's received/rport address, an IP literal, and
 * dgram's default lookup defers every send by a tick even for those. Names still go to DNS.
 */
const literalLookup: SocketOptions['lookup'] = (address, options, callback) => {
  const family = isIP(address);
  if (family === 0) dnsLookup(address, options, callback);
  else callback(null, address, family);
};

/** True when a datagram holds only CR/LF/space: a keep-alive some phones send over UDP, not a message. */
function isBlank(buf: Uint8Array): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a && b !== 0x20) return false;
  return true;
}

/**
 * SIP over UDP (RFC 3261 §18): one message per datagram. Unreliable, so the transaction layer runs the
 * retransmission timers. Datagrams over the size limit are dropped and counted.
 */
export class UdpTransport extends TransportBase implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly localAddress: string;
  /** Bound once before construction: read here, not from the socket (a system call) on every Via. */
  readonly localPort: number;
  #socket: Socket;
  #closed = false;

  private constructor(socket: Socket, options: UdpTransportOptions) {
    super(options);
    this.#socket = socket;
    this.localAddress = options.host;
    this.localPort = socket.address().port;
    socket.on('message', (buf, rinfo) => this.#onDatagram(buf, rinfo.address, rinfo.port));
    socket.on('error', (err) => this.log.warn({ err }, 'UDP socket error'));
  }

  /** Binds the socket; rejects when the address is in use. */
  static listen(options: UdpTransportOptions): Promise<UdpTransport> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4', lookup: literalLookup });
      socket.once('error', reject);
      socket.bind(options.port, options.host, () => {
        socket.off('error', reject);
        // The default ~200 KB holds only 100-150 SIP messages: a burst of setups overflowed it and lost
        // ACKs and BYEs. The kernel caps the size at net.core.rmem_max.
        try {
          socket.setRecvBufferSize(RECV_BUFFER_BYTES);
          socket.setSendBufferSize(SEND_BUFFER_BYTES);
        } catch {
          // not fatal: the kernel's default size stays
        }
        resolve(new UdpTransport(socket, options));
      });
    });
  }

  #onDatagram(buf: Buffer, address: string, port: number): void {
    if (!this.admit(address)) return;
    const source: MessageSource = { transport: 'udp', address, port };
    if (buf.length > this.maxMessageBytes) {
      this.counters.oversized++;
      return;
    }
    if (isBlank(buf)) {
      this.counters.keepalives++;
      return;
    }
    if (isStun(buf)) {
      // RFC 5626 §4.4.2: STUN keep-alive on the SIP port.
      const reply = stunBindingResponse(buf, address, port);
      if (reply) {
        this.counters.keepalives++;
        this.#socket.send(reply, port, address);
      }
      return;
    }
    const parsed = parseMessage(buf, { maxBytes: this.maxMessageBytes });
    if (isParseError(parsed)) this.reject(parsed, source);
    else this.deliver(parsed, source);
  }

  send(message: SipMessage, destination: Destination): Promise<undefined> {
    if (this.#closed) return Promise.reject(new TransportError('UDP transport closed'));
    const bytes = serializeMessage(message);
    if (bytes.length > 65507) {
      this.counters.sendErrors++;
      return Promise.reject(new TransportError(`message of ${bytes.length} bytes does not fit a datagram`));
    }
    return new Promise((resolve, reject) => {
      this.#socket.send(bytes, destination.port, destination.address, (err) => {
        if (err) {
          this.counters.sendErrors++;
          reject(
            new TransportError(`UDP send to ${destination.address}:${destination.port} failed`, {
              cause: err,
            }),
          );
        } else {
          this.counters.sent++;
          resolve(undefined);
        }
      });
    });
  }

  hasConnection(_connectionId: string): boolean {
    return false;
  }

  stats(): TransportStats {
    return { ...this.counters, connections: 0 };
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}
