/**
 * The contract every SIP transport passes, run against UDP, TCP, TLS, WS and WSS on loopback. Each
 * transport is driven by a plain client of its kind (a dgram socket, a net/tls socket, a `ws` client),
 * so what is tested is the wire behaviour, not our own client code.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import test, { describe } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { WebSocket } from 'ws';
import { isParseError, parseMessage } from '../message/index.ts';
import type { SipMessage, SipRequest } from '../message/types.ts';
import { TcpTransport } from './tcp-transport.ts';
import { testCertificate } from './test-certificate.ts';
import { TlsTransport } from './tls-transport.ts';
import type { MessageSource, Transport, TransportLimits, TransportProtocol } from './transport.ts';
import { TransportError } from './transport.ts';
import { UdpTransport } from './udp-transport.ts';
import { WsTransport } from './ws-transport.ts';

const HOST = '127.0.0.1';

/** A raw client of one transport kind, accumulating everything it receives as text. */
interface RawClient {
  localPort: number;
  received: string;
  send(text: string): void;
  waitFor(substring: string): Promise<void>;
  closed: Promise<void>;
  close(): void;
  /** WebSocket only: pings the client saw. */
  pings: number;
}

interface Started {
  transport: Transport;
  /** `from`: the client's own address (another loopback address to act as another source). */
  client(options?: { autoPong?: boolean; from?: string }): Promise<RawClient>;
  /** A second transport of the same kind, listening, for outgoing-connection tests (not for WS). */
  peer?(): Promise<Transport>;
  stop(): Promise<void>;
}

interface Harness {
  protocol: TransportProtocol;
  skip?: string;
  start(limits: TransportLimits & { pingIntervalMs?: number }): Promise<Started>;
}

function makeClient(): {
  c: RawClient;
  push: (s: string) => void;
  end: () => void;
} {
  const waiters = new Set<() => boolean>();
  let resolveClosed!: () => void;
  const c: RawClient = {
    localPort: 0,
    received: '',
    pings: 0,
    send: () => {},
    close: () => {},
    closed: new Promise<void>((r) => {
      resolveClosed = r;
    }),
    waitFor(substring) {
      return new Promise((resolve) => {
        const check = () => {
          if (!c.received.includes(substring)) return false;
          waiters.delete(check);
          resolve();
          return true;
        };
        if (!check()) waiters.add(check);
      });
    },
  };
  return {
    c,
    push: (s) => {
      c.received += s;
      for (const w of [...waiters]) w();
    },
    end: () => resolveClosed(),
  };
}

function udpClient(port: number, from = HOST): Promise<RawClient> {
  const { c, push, end } = makeClient();
  const sock = createSocket('udp4');
  sock.on('message', (m) => push(m.toString('latin1')));
  sock.on('close', end);
  c.send = (text) => sock.send(Buffer.from(text, 'latin1'), port, HOST);
  c.close = () => sock.close();
  return new Promise((resolve) =>
    sock.bind(0, from, () => {
      c.localPort = sock.address().port;
      resolve(c);
    }),
  );
}

function streamClient(socket: Socket, readyEvent: 'connect' | 'secureConnect'): Promise<RawClient> {
  const { c, push, end } = makeClient();
  socket.on('data', (d: Buffer) => push(d.toString('latin1')));
  socket.on('close', end);
  socket.on('error', () => {});
  c.send = (text) => socket.write(Buffer.from(text, 'latin1'));
  c.close = () => socket.destroy();
  return new Promise((resolve) =>
    socket.once(readyEvent, () => {
      c.localPort = socket.localPort ?? 0;
      resolve(c);
    }),
  );
}

function wsClient(url: string, autoPong = true, from = HOST): Promise<RawClient> {
  const { c, push, end } = makeClient();
  const ws = new WebSocket(url, 'sip', { rejectUnauthorized: false, autoPong, localAddress: from });
  ws.on('message', (d: Buffer) => push(d.toString('utf8')));
  ws.on('ping', () => {
    c.pings++;
  });
  ws.on('close', end);
  ws.on('error', () => {});
  c.send = (text) => ws.send(text);
  c.close = () => ws.terminate();
  return new Promise((resolve, reject) => {
    ws.once('open', () => {
      const s = (ws as unknown as { _socket: Socket })._socket;
      c.localPort = s.localPort ?? 0;
      resolve(c);
    });
    ws.once('unexpected-response', () => reject(new Error('upgrade refused')));
  });
}

function listening(server: HttpServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, HOST, () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    }),
  );
}

const cert = testCertificate();

const harnesses: Harness[] = [
  {
    protocol: 'udp',
    async start(limits) {
      const transport = await UdpTransport.listen({ host: HOST, port: 0, ...limits });
      return {
        transport,
        client: (o) => udpClient(transport.localPort, o?.from),
        peer: () => UdpTransport.listen({ host: HOST, port: 0 }),
        stop: () => transport.close(),
      };
    },
  },
  {
    protocol: 'tcp',
    async start(limits) {
      const transport = await TcpTransport.listen({ host: HOST, port: 0, ...limits });
      return {
        transport,
        client: (o) =>
          streamClient(
            netConnect({ host: HOST, port: transport.localPort, localAddress: o?.from }),
            'connect',
          ),
        peer: () => TcpTransport.listen({ host: HOST, port: 0 }),
        stop: () => transport.close(),
      };
    },
  },
  {
    protocol: 'tls',
    skip: cert ? undefined : 'openssl is not installed (needed to make a test certificate)',
    async start(limits) {
      const tls = { cert: cert!.cert, key: cert!.key, rejectUnauthorized: false };
      const transport = await TlsTransport.listen({ host: HOST, port: 0, ...tls, ...limits });
      return {
        transport,
        client: (o) =>
          streamClient(
            tlsConnect({
              // Over our own TCP socket, so the client's source address can be chosen.
              socket: netConnect({ host: HOST, port: transport.localPort, localAddress: o?.from }),
              rejectUnauthorized: false,
            }),
            'secureConnect',
          ),
        peer: () => TlsTransport.listen({ host: HOST, port: 0, ...tls }),
        stop: () => transport.close(),
      };
    },
  },
  {
    protocol: 'ws',
    async start(limits) {
      const server = createHttpServer((_req, res) => res.end('http'));
      const port = await listening(server);
      const transport = new WsTransport({ server, ...limits });
      return {
        transport,
        client: (o) => wsClient(`ws://${HOST}:${port}/ws`, o?.autoPong, o?.from),
        stop: async () => {
          await transport.close();
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
        },
      };
    },
  },
  {
    protocol: 'wss',
    skip: cert ? undefined : 'openssl is not installed (needed to make a test certificate)',
    async start(limits) {
      const server = createHttpsServer({ cert: cert!.cert, key: cert!.key }, (_req, res) => res.end('https'));
      const port = await listening(server);
      const transport = new WsTransport({ server, ...limits });
      return {
        transport,
        client: (o) => wsClient(`wss://${HOST}:${port}/ws`, o?.autoPong, o?.from),
        stop: async () => {
          await transport.close();
          server.closeAllConnections();
          await new Promise((r) => server.close(r));
        },
      };
    },
  },
];

function options(branch: string, bodyBytes = 0): string {
  const body = 'x'.repeat(bodyBytes);
  return (
    `OPTIONS sip:parley@${HOST} SIP/2.0\r\n` +
    `Via: SIP/2.0/UDP ${HOST}:5999;branch=z9hG4bK${branch}\r\n` +
    'Max-Forwards: 70\r\nFrom: <sip:probe@127.0.0.1>;tag=f1\r\nTo: <sip:parley@127.0.0.1>\r\n' +
    `Call-ID: ${branch}@test\r\nCSeq: 1 OPTIONS\r\nContent-Length: ${body.length}\r\n\r\n${body}`
  );
}

function okFor(req: SipRequest): SipMessage {
  const copy = req.headers.filter((h) => ['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(h.name));
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status: 200,
    reason: 'OK',
    headers: [...copy, { name: 'Content-Length', value: '0' }],
    body: new Uint8Array(0),
  };
}

/** Collects what a transport delivers. */
function collect(t: Transport) {
  const got: Array<{ message: SipMessage; source: MessageSource }> = [];
  const malformed: MessageSource[] = [];
  const waiters = new Set<() => void>();
  t.listen({
    message: (message, source) => {
      got.push({ message, source });
      for (const w of [...waiters]) w();
    },
    malformed: (_e, source) => {
      malformed.push(source);
      for (const w of [...waiters]) w();
    },
  });
  const until = (cond: () => boolean) =>
    new Promise<void>((resolve) => {
      const w = () => {
        if (!cond()) return;
        waiters.delete(w);
        resolve();
      };
      waiters.add(w);
      w();
    });
  return { got, malformed, until };
}

/** Polls a condition that changes without an event we can hook (counters). */
async function eventually(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

for (const h of harnesses) {
  describe(`${h.protocol} transport contract`, { skip: h.skip }, () => {
    test('delivers a request with its source, and answers on the same path', async () => {
      const s = await h.start({});
      try {
        const rx = collect(s.transport);
        const client = await s.client();
        client.send(options('deliver1'));
        await rx.until(() => rx.got.length === 1);
        const { message, source } = rx.got[0]!;
        assert.equal(message.kind, 'request');
        assert.equal((message as SipRequest).method, 'OPTIONS');
        assert.equal(source.transport, h.protocol);
        assert.equal(source.address, HOST);
        assert.equal(source.port, client.localPort);
        assert.equal(source.connectionId !== undefined, s.transport.reliable);
        assert.equal(s.transport.protocol, h.protocol);
        await s.transport.send(okFor(message as SipRequest), source);
        await client.waitFor('SIP/2.0 200 OK');
        const reply = parseMessage(client.received.slice(client.received.indexOf('SIP/2.0')));
        assert.ok(!isParseError(reply) && reply.kind === 'response' && reply.status === 200);
        assert.equal(s.transport.stats().received, 1);
        assert.equal(s.transport.stats().sent, 1);
        if (s.transport.reliable) assert.equal(s.transport.stats().connections, 1, 'no second connection');
        client.close();
      } finally {
        await s.stop();
      }
    });

    test('a send names the connection it used; its close is reported by the same id', async () => {
      const s = await h.start({});
      try {
        const rx = collect(s.transport);
        const closed: string[] = [];
        s.transport.listen({ message: () => {}, connectionClosed: (id) => closed.push(id) });
        const client = await s.client();
        client.send(options('which'));
        await rx.until(() => rx.got.length === 1);
        const { message, source } = rx.got[0]!;
        const used = await s.transport.send(okFor(message as SipRequest), source);
        await client.waitFor('SIP/2.0 200 OK');
        if (!s.transport.reliable) {
          assert.equal(used, undefined, 'no connection on UDP');
          client.close();
          return;
        }
        assert.equal(used, source.connectionId);
        // Without the id, a send to the same peer reuses that connection and says so.
        assert.equal(
          await s.transport.send(okFor(message as SipRequest), { ...source, connectionId: undefined }),
          used,
        );
        assert.deepEqual(closed, []);
        client.close();
        await eventually(() => closed.length === 1);
        assert.deepEqual(
          closed,
          [used],
          'RFC 3261 §17.1.4: the transaction layer learns which connection went',
        );
        assert.equal(s.transport.hasConnection(used!), false);
      } finally {
        await s.stop();
      }
    });

    test('a malformed message is dropped and counted; good ones still get through', async () => {
      const s = await h.start({});
      try {
        const rx = collect(s.transport);
        const bad = await s.client();
        bad.send('THIS IS NOT SIP\r\nno colon here\r\n\r\n');
        await rx.until(() => rx.malformed.length === 1);
        assert.equal(s.transport.stats().droppedMalformed, 1);
        assert.equal(rx.got.length, 0);
        // On a byte stream a framing error leaves no trustworthy boundary: the connection is closed.
        if (h.protocol === 'tcp' || h.protocol === 'tls') await bad.closed;
        const good = await s.client();
        good.send(options('after-bad'));
        await rx.until(() => rx.got.length === 1);
        assert.equal(s.transport.stats().received, 1);
        bad.close();
        good.close();
      } finally {
        await s.stop();
      }
    });

    test('an oversized message is refused', async () => {
      const s = await h.start({ maxMessageBytes: 1500 });
      try {
        const rx = collect(s.transport);
        const client = await s.client();
        client.send(options('big', 3000));
        await eventually(() => s.transport.stats().oversized === 1);
        assert.equal(rx.got.length, 0);
        if (s.transport.reliable) await client.closed;
        const again = await s.client();
        again.send(options('small', 100));
        await rx.until(() => rx.got.length === 1);
        client.close();
        again.close();
      } finally {
        await s.stop();
      }
    });

    test('a flood from one source is throttled while another goes on, then it recovers', async () => {
      let now = 0;
      const s = await h.start({ rateLimit: { ratePerSecond: 1, burst: 5 }, now: () => now });
      try {
        const rx = collect(s.transport);
        const client = await s.client();
        for (let i = 0; i < 20; i++) client.send(options(`flood${i}`));
        const st = () => s.transport.stats();
        await eventually(() => st().received + st().droppedRateLimited >= 20);
        assert.ok(st().received <= 5, `at most the burst passes (got ${st().received})`);
        assert.ok(st().droppedRateLimited >= 15);
        // Another source (another loopback address) has its own bucket and goes on meanwhile.
        const other = await s.client({ from: '127.0.0.2' });
        const fromOther = rx.got.length;
        other.send(options('other-source'));
        await rx.until(() => rx.got.length === fromOther + 1);
        assert.equal(rx.got.at(-1)!.source.address, '127.0.0.2');
        other.close();
        now += 10_000;
        const before = rx.got.length;
        client.send(options('after-flood'));
        await rx.until(() => rx.got.length === before + 1);
        client.close();
      } finally {
        await s.stop();
      }
    });

    test('keep-alives are answered', async () => {
      const s = await h.start({ pingIntervalMs: 30 });
      try {
        const client = await s.client();
        if (h.protocol === 'tcp' || h.protocol === 'tls') {
          client.send('\r\n\r\n'); // RFC 5626 §4.4.1 ping → CRLF pong
          await client.waitFor('\r\n');
          assert.equal(client.received, '\r\n');
          assert.equal(s.transport.stats().keepalives, 1);
        } else if (h.protocol === 'udp') {
          client.send('\r\n\r\n');
          await eventually(() => s.transport.stats().keepalives === 1);
          assert.equal(s.transport.stats().droppedMalformed, 0, 'a blank keep-alive is not malformed');
        } else {
          await eventually(() => client.pings >= 1 && s.transport.stats().keepalives >= 1);
        }
        client.close();
      } finally {
        await s.stop();
      }
    });

    test('idle or dead connections are closed', {
      skip: h.protocol === 'udp' && 'no connections',
    }, async () => {
      const s = await h.start({ idleTimeoutMs: 50, pingIntervalMs: 30 });
      try {
        // WebSocket: a client that never answers pings is dropped; streams: silence for idleTimeoutMs.
        const client = await s.client({ autoPong: false });
        await client.closed;
        await eventually(() => s.transport.stats().connections === 0);
      } finally {
        await s.stop();
      }
    });

    test('sends to a new destination, opening a connection when needed', async () => {
      const s = await h.start({});
      try {
        if (!s.peer) {
          // WebSocket: only clients open connections.
          await assert.rejects(
            s.transport.send(okFor(parseMessage(options('x')) as SipRequest), { address: HOST, port: 9 }),
            TransportError,
          );
          assert.equal(s.transport.stats().sendErrors, 1);
          return;
        }
        const peer = await s.peer();
        try {
          const atPeer = collect(peer);
          const back = collect(s.transport);
          const req = parseMessage(options('outbound')) as SipRequest;
          await s.transport.send(req, { address: HOST, port: peer.localPort });
          await atPeer.until(() => atPeer.got.length === 1);
          const { source } = atPeer.got[0]!;
          await peer.send(okFor(atPeer.got[0]!.message as SipRequest), source);
          await back.until(() => back.got.length === 1);
          if (s.transport.reliable) {
            assert.equal(back.got[0]!.source.connectionId !== undefined, true);
            assert.equal(s.transport.stats().connections, 1, 'the reply came back on our connection');
            assert.equal(peer.stats().connections, 1);
            await s.transport.send(req, { address: HOST, port: peer.localPort });
            await atPeer.until(() => atPeer.got.length === 2);
            assert.equal(s.transport.stats().connections, 1, 'reused, not reopened');
          }
        } finally {
          await peer.close();
        }
      } finally {
        await s.stop();
      }
    });

    test('a send nobody can take rejects with a TransportError', async () => {
      const s = await h.start({});
      try {
        if (h.protocol === 'udp') {
          await s.transport.close();
          await assert.rejects(
            s.transport.send(parseMessage(options('closed')) as SipRequest, { address: HOST, port: 9 }),
            TransportError,
          );
          return;
        }
        // Port 9 (discard) is not listening on loopback here: connection refused → 503 upstairs.
        await assert.rejects(
          s.transport.send(parseMessage(options('dead')) as SipRequest, { address: HOST, port: 9 }),
          TransportError,
        );
        assert.equal(s.transport.stats().sendErrors, 1);
      } finally {
        await s.stop();
        await s.stop(); // close() is idempotent
      }
    });
  });
}

for (const h of harnesses.filter((x) => x.protocol !== 'udp')) {
  test(`${h.protocol}: one source cannot hold more than maxConnectionsPerIp connections`, {
    skip: h.skip,
  }, async () => {
    const s = await h.start({ maxConnectionsPerIp: 2 });
    try {
      const rx = collect(s.transport);
      const a = await s.client();
      const b = await s.client();
      await eventually(() => s.transport.stats().connections === 2);
      const c = await s.client().catch(() => undefined);
      await (c ? c.closed : Promise.resolve());
      assert.equal(s.transport.stats().connections, 2);
      assert.ok(s.transport.stats().droppedRateLimited >= 1);
      a.close();
      await eventually(() => s.transport.stats().connections === 1);
      const d = await s.client(); // a slot is free again
      d.send(options('after-limit'));
      await rx.until(() => rx.got.length === 1);
      b.close();
      d.close();
    } finally {
      await s.stop();
    }
  });
}
