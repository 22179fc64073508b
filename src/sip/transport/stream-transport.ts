import type { Server, Socket } from 'node:net';
import { isParseError, StreamFramer, serializeMessage } from '../message/index.ts';
import type { SipMessage } from '../message/types.ts';
import type { Destination, MessageSource, Transport, TransportLimits, TransportStats } from './transport.ts';
import { TransportError } from './transport.ts';
import { newConnectionId, TransportBase } from './transport-base.ts';

const CRLF = new Uint8Array([0x0d, 0x0a]);

interface Connection {
  id: string;
  socket: Socket;
  framer: StreamFramer;
  source: MessageSource;
  /** `address:port` of the far end, for reuse by destination (RFC 5923 spirit). */
  key: string;
}

/** How a stream transport makes its listening server and its outgoing connections. */
export interface StreamFactory {
  protocol: 'tcp' | 'tls';
  createServer(onSocket: (socket: Socket) => void): Server;
  /** Opens a connection; `ready` fires once it can carry data (after the TLS handshake for TLS). */
  connect(address: string, port: number, ready: () => void, serverName?: string): Socket;
}

/** Where a TCP/TLS transport listens, and its limits. */
export interface StreamTransportOptions extends TransportLimits {
  host: string;
  port: number;
  /** Give up opening an outgoing connection after this long (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * SIP over a byte stream (TCP, TLS; RFC 3261 §18.3): messages framed by Content-Length, one
 * `StreamFramer` per connection. A framing error or an oversized message closes the connection (no
 * trustworthy boundary is left); RFC 5626 §4.4.1 CRLF pings are answered with a CRLF pong; a connection
 * idle for `idleTimeoutMs` is closed. Responses and requests reuse an open connection to the same peer,
 * and a new one is opened only when none is open.
 */
export class StreamTransport extends TransportBase implements Transport {
  readonly protocol: 'tcp' | 'tls';
  readonly reliable = true;
  readonly localAddress: string;
  #server: Server;
  #factory: StreamFactory;
  #connections = new Map<string, Connection>();
  #byPeer = new Map<string, Connection>();
  #connecting = new Map<string, Promise<Connection>>();
  #connectTimeoutMs: number;
  #closed = false;

  protected constructor(factory: StreamFactory, server: Server, options: StreamTransportOptions) {
    super(options);
    this.protocol = factory.protocol;
    this.#factory = factory;
    this.#server = server;
    this.localAddress = options.host;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
  }

  /** Creates the server and listens; rejects when the port is in use. */
  protected static async start(
    factory: StreamFactory,
    options: StreamTransportOptions,
  ): Promise<StreamTransport> {
    let transport: StreamTransport | undefined;
    const server = factory.createServer((socket) => transport?.adopt(socket, true));
    transport = new StreamTransport(factory, server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port, host: options.host }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => transport.log.warn({ err }, 'SIP stream server error'));
    return transport;
  }

  get localPort(): number {
    const addr = this.#server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  /** Takes charge of a connected socket (accepted, or opened by us); inbound ones count toward the per-IP limit. */
  protected adopt(socket: Socket, inbound: boolean): Connection {
    const id = newConnectionId(this.protocol);
    const address = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const port = socket.remotePort ?? 0;
    const conn: Connection = {
      id,
      socket,
      framer: new StreamFramer({ maxMessageBytes: this.maxMessageBytes }),
      source: { transport: this.protocol, address, port, connectionId: id },
      key: `${address}:${port}`,
    };
    if (this.#closed || (inbound && !this.admitConnection(address))) {
      socket.destroy();
      return conn;
    }
    this.#connections.set(id, conn);
    this.#byPeer.set(conn.key, conn);
    socket.setNoDelay(true);
    socket.setTimeout(this.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.#onData(conn, chunk));
    socket.on('error', (err) => this.log.debug({ err, source: conn.source }, 'SIP connection error'));
    socket.on('close', () => {
      if (inbound) this.connectionGone(address);
      this.#connections.delete(id);
      if (this.#byPeer.get(conn.key) === conn) this.#byPeer.delete(conn.key);
      this.connectionClosed(id, conn.source);
    });
    return conn;
  }

  #onData(conn: Connection, chunk: Buffer): void {
    for (const item of conn.framer.push(chunk)) {
      if (item.kind === 'keepalive') {
        // RFC 5626 §4.4.1: answer a CRLFCRLF ping with a single CRLF pong.
        if (item.ping) {
          this.counters.keepalives++;
          conn.socket.write(CRLF);
        }
      } else if (isParseError(item)) {
        this.reject(item, conn.source);
        // No trustworthy message boundary is left: close, after letting a listener's best-effort 400
        // (sent asynchronously) go out on this connection.
        setImmediate(() => conn.socket.end());
        setTimeout(() => conn.socket.destroy(), 1000).unref();
      } else if (this.admit(conn.source.address)) {
        this.deliver(item, conn.source);
      }
    }
  }

  async send(message: SipMessage, destination: Destination): Promise<string> {
    if (this.#closed) throw new TransportError(`${this.protocol} transport closed`);
    const bytes = serializeMessage(message);
    let conn: Connection | undefined;
    try {
      conn = await this.#connectionFor(destination);
    } catch (err) {
      this.counters.sendErrors++;
      throw err;
    }
    await new Promise<void>((resolve, reject) => {
      conn.socket.write(bytes, (err) => {
        if (err) {
          this.counters.sendErrors++;
          reject(new TransportError(`${this.protocol} write to ${conn.key} failed`, { cause: err }));
        } else {
          this.counters.sent++;
          resolve();
        }
      });
    });
    return conn.id;
  }

  #connectionFor(destination: Destination): Promise<Connection> {
    if (destination.connectionId) {
      const c = this.#connections.get(destination.connectionId);
      if (c && !c.socket.destroyed && c.socket.writable) return Promise.resolve(c);
    }
    const key = `${destination.address}:${destination.port}`;
    const open = this.#byPeer.get(key);
    if (open && !open.socket.destroyed && open.socket.writable) return Promise.resolve(open);
    const pending = this.#connecting.get(key);
    if (pending) return pending;
    const p = this.#open(destination.address, destination.port, destination.serverName).finally(() =>
      this.#connecting.delete(key),
    );
    this.#connecting.set(key, p);
    return p;
  }

  #open(address: string, port: number, serverName: string | undefined): Promise<Connection> {
    return new Promise((resolve, reject) => {
      let done = false;
      const socket = this.#factory.connect(
        address,
        port,
        () => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          socket.off('error', onError);
          const conn = this.adopt(socket, false);
          // Index by the address we dialled too: that is what later sends name.
          this.#byPeer.set(`${address}:${port}`, conn);
          conn.key = `${address}:${port}`;
          resolve(conn);
        },
        serverName,
      );
      const onError = (err: Error) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        socket.destroy();
        reject(
          new TransportError(`${this.protocol} connection to ${address}:${port} failed`, { cause: err }),
        );
      };
      const timer = setTimeout(() => onError(new Error('connect timeout')), this.#connectTimeoutMs);
      timer.unref();
      socket.once('error', onError);
    });
  }

  hasConnection(connectionId: string): boolean {
    const c = this.#connections.get(connectionId);
    return c !== undefined && !c.socket.destroyed;
  }

  stats(): TransportStats {
    return { ...this.counters, connections: this.#connections.size };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const c of this.#connections.values()) c.socket.destroy();
    await closed;
  }
}
