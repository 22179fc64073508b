/**
 * RFC 3261 §17.1.4 over real sockets: an INVITE the stack sent over a TCP or WebSocket connection that
 * then closes, ringing and unanswered, ends at once with a local 503 (§8.1.3.1). The stack runs on a
 * clock that never moves, so no Timer B (or any other timer) can have ended it: only the close can; and
 * the TU has its 503 by the time the transport's report of the close reaches a listener added after
 * the stack's.
 */
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import test from 'node:test';
import { WebSocket } from 'ws';
import {
  createRequest,
  createResponse,
  isParseError,
  parseMessage,
  serializeMessage,
} from './message/index.ts';
import type { SipRequest, SipResponse } from './message/types.ts';
import { SipStack, type SipTarget } from './stack.ts';
import { FakeClock } from './transaction/fake-clock.ts';
import type { ResponseInfo } from './transaction/transaction-layer.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import type { MessageSource } from './transport/transport.ts';
import { WsTransport } from './transport/ws-transport.ts';

const HOST = '127.0.0.1';

/** What the stack's TU saw of one INVITE, in order. */
interface Seen {
  events: string[];
  final: Promise<[SipResponse, ResponseInfo]>;
}

function dial(stack: SipStack, target: SipTarget, port: number, protocol: 'tcp' | 'ws'): Seen {
  const events: string[] = [];
  const invite = createRequest({
    method: 'INVITE',
    uri: `sip:bob@${HOST}:${port};transport=${protocol}`,
    from: { uri: `sip:alice@${HOST}`, params: {} },
    to: `<sip:bob@${HOST}>`,
    contact: stack.contact(protocol, 'alice'),
  });
  const final = new Promise<[SipResponse, ResponseInfo]>((resolve) => {
    stack.sendRequest(invite, target, {
      onProvisional: (r) => events.push(String(r.status)),
      onFinal: (r, info) => {
        events.push(`${r.status}${info.local ? ' local' : ''}`);
        resolve([r, info]);
      },
    });
  });
  return { events, final };
}

/** What the TU had seen when the transport reported a connection closed. */
function seenAtClose(transport: TcpTransport | WsTransport, seen: Seen): Promise<string[]> {
  return new Promise((resolve) =>
    transport.listen({ message: () => {}, connectionClosed: () => resolve([...seen.events]) }),
  );
}

/** A 180 with a To tag for `invite` (the far end rings). */
function ringing(invite: SipRequest): Uint8Array {
  const r = createResponse(invite, 180);
  r.headers = r.headers.map((h) =>
    h.name.toLowerCase() === 'to' ? { ...h, value: `${h.value};tag=b1` } : h,
  );
  return serializeMessage(r);
}

function asInvite(bytes: Uint8Array): SipRequest {
  const m = parseMessage(bytes);
  assert.ok(!isParseError(m) && m.kind === 'request' && m.method === 'INVITE', 'an INVITE arrived');
  return m;
}

test('TCP: the callee rings, then its connection closes: the TU hears a local 503 at once', async () => {
  const clock = new FakeClock();
  const tcp = await TcpTransport.listen({ host: HOST, port: 0 });
  const stack = new SipStack([tcp], { viaHost: HOST, clock });
  const callee = createNetServer();
  const sockets: Socket[] = [];
  await new Promise<void>((r) => callee.listen(0, HOST, r));
  const addr = callee.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  try {
    const invited = new Promise<{ socket: Socket; invite: SipRequest }>((resolve) => {
      callee.on('connection', (socket) => {
        sockets.push(socket);
        socket.once('data', (d: Buffer) => resolve({ socket, invite: asInvite(d) }));
      });
    });
    const seen = dial(stack, { transport: 'tcp', address: HOST, port }, port, 'tcp');
    const { socket, invite } = await invited;
    socket.write(ringing(invite));
    while (seen.events.length === 0) await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen.events, ['180']);
    const atClose = seenAtClose(tcp, seen);
    socket.destroy();
    assert.deepEqual(await atClose, ['180', '503 local'], 'the 503 came with the close');
    const [response, info] = await seen.final;
    assert.equal(response.status, 503);
    assert.equal(info.local, true);
    assert.match(String(info.error?.message), /connection tcp-\d+ closed/);
    assert.deepEqual(seen.events, ['180', '503 local']);
    assert.equal(clock.now(), 0, 'no timer could have fired');
    assert.equal(stack.stats().clientTransactions, 0, 'the transaction is over');
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => callee.close(() => r()));
    await stack.close();
    await tcp.close();
  }
});

test('WebSocket: a browser that vanishes while its INVITE rings fails the INVITE at once', async () => {
  const clock = new FakeClock();
  const server = createHttpServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const ws = new WsTransport({ server });
  const stack = new SipStack([ws], { viaHost: HOST, clock });
  // The browser's connection, as the registrar would have noted it from its REGISTER.
  const connected = new Promise<MessageSource>((resolve) =>
    ws.listen({ message: (_m, source) => resolve(source) }),
  );
  const browser = new WebSocket(`ws://${HOST}:${port}/ws`, 'sip');
  try {
    await new Promise((r, j) => {
      browser.once('open', r);
      browser.once('error', j);
    });
    const inviteArrives = new Promise<SipRequest>((resolve) =>
      browser.on('message', (d: Buffer) => {
        if (d.toString('utf8').startsWith('INVITE ')) resolve(asInvite(d));
      }),
    );
    browser.send(
      'OPTIONS sip:pbx.invalid SIP/2.0\r\nVia: SIP/2.0/WS b.invalid;branch=z9hG4bKo1\r\n' +
        'From: <sip:bob@pbx.invalid>;tag=o\r\nTo: <sip:pbx.invalid>\r\nCall-ID: o1\r\nCSeq: 1 OPTIONS\r\n' +
        'Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
    );
    const flow = await connected;
    const seen = dial(stack, flow, port, 'ws');
    const invite = await inviteArrives;
    browser.send(Buffer.from(ringing(invite)).toString('utf8'));
    while (seen.events.length === 0) await new Promise((r) => setImmediate(r));
    const atClose = seenAtClose(ws, seen);
    browser.terminate(); // the tab closed: no close handshake
    assert.deepEqual(await atClose, ['180', '503 local'], 'the 503 came with the close');
    const [response, info] = await seen.final;
    assert.equal(response.status, 503);
    assert.equal(info.local, true);
    assert.deepEqual(seen.events, ['180', '503 local']);
    assert.equal(clock.now(), 0, 'no timer could have fired');
  } finally {
    browser.terminate();
    await stack.close();
    await ws.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
});
