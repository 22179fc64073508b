import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Server as TlsServer } from 'node:tls';
import { type WebSocket, WebSocketServer } from 'ws';
import { isParseError, parseMessage, serializeMessage } from '../message/index.ts';
import type { SipMessage } from '../message/types.ts';
import type { Destination, MessageSource, Transport, TransportLimits, TransportStats } from './transport.ts';
import { TransportError } from './transport.ts';
import { newConnectionId, TransportBase } from './transport-base.ts';

/** The HTTP(S) server to attach to, the path, the Origin check, and the limits. */
export interface WsTransportOptions extends TransportLimits {
  /** The HTTP or HTTPS server of the API layer; an HTTPS server makes this transport `wss`. */
  server: HttpServer;
  /** URL path the SIP endpoint answers on (default `/ws`). */
  path?: string;
  /** Return false to refuse a browser's Origin (403); absent = every origin allowed. */
  allowOrigin?: (origin: string | undefined) => boolean;
  /** Ping every connection this often and drop those that did not answer the previous ping (default 30 s). */
  pingIntervalMs?: number;
}

interface Connection {
  id: string;
  ws: WebSocket;
  source: MessageSource;
  key: string;
  alive: boolean;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * SIP over WebSocket (RFC 7118): the `sip` subprotocol, one SIP message per text or binary frame, on an
 * existing HTTP(S) server at `path`. Only clients open connections, so sending needs a connection a
 * client opened (the registrar remembers which). Dead connections are found by WebSocket pings.
 */
export class WsTransport extends TransportBase implements Transport {
  readonly protocol: 'ws' | 'wss';
  readonly reliable = true;
  readonly #server: HttpServer;
  readonly #path: string;
  readonly #allowOrigin: ((origin: string | undefined) => boolean) | undefined;
  readonly #wss: WebSocketServer;
  readonly #connections = new Map<string, Connection>();
  readonly #byPeer = new Map<string, Connection>();
  readonly #pinger: NodeJS.Timeout;
  readonly #onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  #closed = false;

  constructor(options: WsTransportOptions) {
    super(options);
    this.#server = options.server;
    this.protocol = options.server instanceof TlsServer ? 'wss' : 'ws';
    this.#path = options.path ?? '/ws';
    this.#allowOrigin = options.allowOrigin;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has('sip') ? 'sip' : false),
    });
    this.#onUpgrade = (req, socket, head) => this.#upgrade(req, socket, head);
    this.#server.on('upgrade', this.#onUpgrade);
    this.#pinger = setInterval(() => this.#ping(), options.pingIntervalMs ?? 30_000);
    this.#pinger.unref();
  }

  get localAddress(): string {
    const addr = this.#server.address();
    return typeof addr === 'object' && addr ? addr.address : '';
  }

  get localPort(): number {
    const addr = this.#server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = (req.url ?? '').split('?')[0];
    if (path !== this.#path) return; // another upgrade handler's business
    const address = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const port = req.socket.remotePort ?? 0;
    // RFC 7118 §4.1: the client MUST offer the "sip" subprotocol.
    const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    let refusal: string | undefined;
    if (this.#closed) refusal = '503 Service Unavailable';
    else if (this.#allowOrigin && !this.#allowOrigin(req.headers.origin)) refusal = '403 Forbidden';
    else if (!offered.includes('sip')) refusal = '400 Bad Request';
    else if (!this.admit(address)) refusal = '503 Service Unavailable';
    if (refusal) {
      socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#adopt(ws, address, port));
  }

  #adopt(ws: WebSocket, address: string, port: number): void {
    // Counted once the handshake succeeded (a failed handshake never reaches here, so nothing leaks).
    if (!this.admitConnection(address)) {
      ws.close(1013, 'too many connections');
      return;
    }
    const id = newConnectionId(this.protocol);
    const conn: Connection = {
      id,
      ws,
      source: { transport: this.protocol, address, port, connectionId: id },
      key: `${address}:${port}`,
      alive: true,
    };
    this.#connections.set(id, conn);
    this.#byPeer.set(conn.key, conn);
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => this.#onFrame(conn, data));
    ws.on('pong', () => {
      conn.alive = true;
      this.counters.keepalives++;
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws closes the connection itself (1009) when a frame is over maxPayload.
      if (err.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') this.counters.oversized++;
      this.log.debug({ err, source: conn.source }, 'SIP WebSocket error');
    });
    ws.on('close', () => {
      this.connectionGone(address);
      this.#connections.delete(id);
      if (this.#byPeer.get(conn.key) === conn) this.#byPeer.delete(conn.key);
      this.connectionClosed(id, conn.source);
    });
  }

  #onFrame(conn: Connection, data: Buffer | ArrayBuffer | Buffer[]): void {
    conn.alive = true;
    if (!this.admit(conn.source.address)) return;
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : data instanceof ArrayBuffer
        ? new Uint8Array(data)
        : data;
    // RFC 7118 §5.2: one frame is one whole message; Content-Length is optional.
    const parsed = parseMessage(bytes, { maxBytes: this.maxMessageBytes });
    if (isParseError(parsed)) this.reject(parsed, conn.source);
    else this.deliver(parsed, conn.source);
  }

  #ping(): void {
    for (const conn of this.#connections.values()) {
      if (!conn.alive) {
        conn.ws.terminate();
        continue;
      }
      conn.alive = false;
      conn.ws.ping();
    }
  }

  async send(message: SipMessage, destination: Destination): Promise<string> {
    const conn =
      (destination.connectionId ? this.#connections.get(destination.connectionId) : undefined) ??
      this.#byPeer.get(`${destination.address}:${destination.port}`);
    if (!conn || conn.ws.readyState !== conn.ws.OPEN) {
      this.counters.sendErrors++;
      throw new TransportError(`no open WebSocket connection to ${destination.address}:${destination.port}`);
    }
    const bytes = serializeMessage(message);
    // RFC 7118 §5.2: text frames for UTF-8 messages, binary frames otherwise.
    let frame: string | Uint8Array = bytes;
    try {
      frame = utf8.decode(bytes);
    } catch {
      frame = bytes;
    }
    await new Promise<void>((resolve, reject) => {
      conn.ws.send(frame, (err) => {
        if (err) {
          this.counters.sendErrors++;
          reject(new TransportError(`WebSocket send to ${conn.key} failed`, { cause: err }));
        } else {
          this.counters.sent++;
          resolve();
        }
      });
    });
    return conn.id;
  }

  hasConnection(connectionId: string): boolean {
    return this.#connections.has(connectionId);
  }

  stats(): TransportStats {
    return { ...this.counters, connections: this.#connections.size };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#pinger);
    this.#server.off('upgrade', this.#onUpgrade);
    for (const c of this.#connections.values()) c.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
