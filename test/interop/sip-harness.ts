/**
 * The PBX's SIP side built in-process for interop tests: UDP and TCP on one free port, WebSocket at
 * `/ws` on a plain HTTP server, one SipStack, and the SipServer (digest auth, registrar, bans) over a
 * fixed user list. Security events are captured from the logger. Also a tiny raw-UDP SIP client for
 * tests that need a chosen source address (127.0.0.x) or exact control over what is sent.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Binding } from '../../src/pbx/registrar/binding.ts';
import { SipServer, type SipServerOptions } from '../../src/pbx/sip-server.ts';
import {
  generateBranch,
  generateCallId,
  generateTag,
  isParseError,
  parseMessage,
  type SipResponse,
} from '../../src/sip/message/index.ts';
import { SipStack } from '../../src/sip/stack.ts';
import { TcpTransport } from '../../src/sip/transport/tcp-transport.ts';
import type { RateLimit, Transport } from '../../src/sip/transport/transport.ts';
import { UdpTransport } from '../../src/sip/transport/udp-transport.ts';
import { WsTransport } from '../../src/sip/transport/ws-transport.ts';
import { type SipUser, staticDirectory } from '../../src/store/directory.ts';
import { freePort } from './helpers/ports.ts';

export const HOST = '127.0.0.1';
export const DOMAIN = 'pbx.test';

export interface PbxUnderTest {
  sipPort: number;
  httpPort: number;
  server: SipServer;
  stack: SipStack;
  transports: Transport[];
  /** Every log line, parsed. */
  logs: Array<Record<string, unknown>>;
  dataDir: string;
  close(): Promise<void>;
}

export interface PbxOptions {
  users: SipUser[];
  /** Per-source rate limit of every transport (default: the transports' own). */
  rateLimit?: RateLimit | false;
  server?: Partial<SipServerOptions>;
  /** Reuse this data directory (kept on close) instead of a fresh temporary one. */
  dataDir?: string;
}

/** Start the SIP side of the PBX on loopback. */
export async function startPbx(options: PbxOptions): Promise<PbxUnderTest> {
  const logs: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => logs.push(JSON.parse(s)) });
  const limits = options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit };
  let udp: UdpTransport | undefined;
  let tcp: TcpTransport | undefined;
  let sipPort = 0;
  for (let attempt = 0; attempt < 10 && !tcp; attempt++) {
    sipPort = await freePort();
    try {
      udp = await UdpTransport.listen({ host: HOST, port: sipPort, ...limits });
      tcp = await TcpTransport.listen({ host: HOST, port: sipPort, ...limits });
    } catch {
      await udp?.close();
      udp = undefined;
    }
  }
  if (!udp || !tcp) throw new Error('could not bind UDP+TCP on one port');
  const http: Server = createServer((_, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => http.listen(0, HOST, resolve));
  const httpPort = (http.address() as { port: number }).port;
  const ws = new WsTransport({ server: http, ...limits });
  const transports: Transport[] = [udp, tcp, ws];
  const stack = new SipStack(transports, { viaHost: HOST, userAgent: 'Parley' });
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'parley-sip-'));
  const server = new SipServer({
    stack,
    directory: staticDirectory(options.users),
    domain: DOMAIN,
    logger,
    dataDir,
    ...options.server,
  });
  await server.start();
  let closed = false;
  return {
    sipPort,
    httpPort,
    server,
    stack,
    transports,
    logs,
    dataDir,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await stack.close();
      for (const t of transports) await t.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Resolves with the bindings of `ext` once `ok` holds for them (the registrar reports each change). */
export function bindingsWhen(
  pbx: PbxUnderTest,
  ext: string,
  ok: (b: Binding[]) => boolean,
  timeoutMs = 15_000,
) {
  return new Promise<Binding[]>((resolve, reject) => {
    const current = pbx.server.registrar.lookup(ext);
    if (ok(current)) return resolve(current);
    const timer = setTimeout(() => {
      off();
      reject(new Error(`bindings of ${ext} never reached the expected state`));
    }, timeoutMs);
    const off = pbx.server.registrar.onChange((e, list) => {
      if (e !== ext || !ok(list)) return;
      clearTimeout(timer);
      off();
      resolve(list);
    });
  });
}

/** A bare UDP SIP client bound to a chosen loopback address: sends requests, collects responses. */
export class RawSipClient {
  readonly socket: Socket;
  readonly address: string;
  port = 0;
  readonly #waiting = new Map<string, (r: SipResponse) => void>();
  /** Every response received, in order. */
  readonly received: SipResponse[] = [];

  private constructor(socket: Socket, address: string) {
    this.socket = socket;
    this.address = address;
    socket.on('message', (buf) => {
      const m = parseMessage(buf);
      if (isParseError(m) || m.kind !== 'response') return;
      if (m.status < 200) return;
      this.received.push(m);
      const branch = /branch=([^;\s,]+)/.exec(
        m.headers.find((h) => /^(via|v)$/i.test(h.name))?.value ?? '',
      )?.[1];
      const waiter = branch ? this.#waiting.get(branch) : undefined;
      if (branch && waiter) {
        this.#waiting.delete(branch);
        waiter(m);
      }
    });
  }

  static async open(address = HOST): Promise<RawSipClient> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, address, () => resolve());
    });
    const c = new RawSipClient(socket, address);
    c.port = socket.address().port;
    return c;
  }

  /**
   * Send a request (Via added with a fresh branch, retransmitted until answered) and wait for its final
   * response, or undefined after `timeoutMs` (for "no answer" checks).
   */
  request(
    pbxPort: number,
    method: string,
    uri: string,
    headers: string[],
    timeoutMs = 3000,
  ): Promise<SipResponse | undefined> {
    const branch = generateBranch();
    const text = [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${this.address}:${this.port};rport;branch=${branch}`,
      'Max-Forwards: 70',
      ...headers,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
    return new Promise((resolve) => {
      // Retransmit as a UDP client does (RFC 3261 §17.1.2.2 Timer E: T1, doubling up to T2).
      let interval = 500;
      let resend: NodeJS.Timeout | undefined;
      const send = () => {
        this.socket.send(text, pbxPort, HOST);
        resend = setTimeout(send, interval);
        interval = Math.min(interval * 2, 4000);
      };
      const timer = setTimeout(() => {
        clearTimeout(resend);
        this.#waiting.delete(branch);
        resolve(undefined);
      }, timeoutMs);
      this.#waiting.set(branch, (r) => {
        clearTimeout(timer);
        clearTimeout(resend);
        resolve(r);
      });
      send();
    });
  }

  /** Send raw bytes, no waiting (floods, torture messages). */
  blast(pbxPort: number, text: string | Uint8Array): void {
    this.socket.send(text, pbxPort, HOST);
  }

  close(): void {
    for (const resolve of this.#waiting.values()) resolve(undefined as unknown as SipResponse);
    this.#waiting.clear();
    this.socket.close();
  }
}

/** Standard headers of an out-of-dialog request from `ext` to `toExt` on this client. */
export function dialogHeaders(
  client: RawSipClient,
  method: string,
  ext: string,
  toExt = ext,
  cseq = 1,
  callId = generateCallId(),
): string[] {
  return [
    `From: <sip:${ext}@${DOMAIN}>;tag=${generateTag()}`,
    `To: <sip:${toExt}@${DOMAIN}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:${ext}@${client.address}:${client.port}>`,
    'User-Agent: Parley interop test',
  ];
}
