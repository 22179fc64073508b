/** RFC 7118 specifics of the WebSocket transport, beyond the shared contract. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import test from 'node:test';
import { WebSocket } from 'ws';
import type { SipMessage } from '../message/types.ts';
import { WsTransport } from './ws-transport.ts';

const HOST = '127.0.0.1';

async function server(): Promise<{ server: Server; port: number }> {
  const s = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => s.listen(0, HOST, r));
  const a = s.address();
  return { server: s, port: typeof a === 'object' && a ? a.port : 0 };
}

/** Opens a client; resolves with the HTTP status of a refused upgrade, or 101 when it opened. */
function tryOpen(
  url: string,
  protocols: string[],
  origin?: string,
): Promise<{ status: number; ws: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, origin ? { origin } : {});
    ws.on('error', () => {});
    ws.once('open', () => resolve({ status: 101, ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, ws }));
  });
}

async function stop(t: WsTransport, s: Server): Promise<void> {
  await t.close();
  s.closeAllConnections();
  await new Promise((r) => s.close(r));
}

const OPTIONS =
  'OPTIONS sip:parley@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS abc.invalid;branch=z9hG4bKws1\r\nMax-Forwards: 70\r\n' +
  'From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:parley@127.0.0.1>\r\nCall-ID: ws1\r\nCSeq: 1 OPTIONS\r\n\r\n';

test('the "sip" subprotocol is required and agreed (RFC 7118 §4.1)', async () => {
  const { server: s, port } = await server();
  const t = new WsTransport({ server: s });
  try {
    const refused = await tryOpen(`ws://${HOST}:${port}/ws`, ['chat']);
    assert.equal(refused.status, 400);
    const ok = await tryOpen(`ws://${HOST}:${port}/ws`, ['sip']);
    assert.equal(ok.status, 101);
    assert.equal(ok.ws.protocol, 'sip');
    ok.ws.terminate();
  } finally {
    await stop(t, s);
  }
});

test('an Origin the check refuses gets 403', async () => {
  const { server: s, port } = await server();
  const t = new WsTransport({ server: s, allowOrigin: (o) => o === 'https://pbx.example' });
  try {
    assert.equal((await tryOpen(`ws://${HOST}:${port}/ws`, ['sip'], 'https://evil.example')).status, 403);
    const ok = await tryOpen(`ws://${HOST}:${port}/ws`, ['sip'], 'https://pbx.example');
    assert.equal(ok.status, 101);
    ok.ws.terminate();
  } finally {
    await stop(t, s);
  }
});

test('other upgrade paths are left to other handlers', async () => {
  const { server: s, port } = await server();
  const t = new WsTransport({ server: s });
  s.on('upgrade', (req, socket) => {
    if (req.url === '/other') socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  });
  try {
    assert.equal((await tryOpen(`ws://${HOST}:${port}/other`, ['sip'])).status, 404);
  } finally {
    await stop(t, s);
  }
});

test('text and binary frames each carry one message; Content-Length is optional (RFC 7118 §5.2)', async () => {
  const { server: s, port } = await server();
  const t = new WsTransport({ server: s });
  const got: SipMessage[] = [];
  t.listen({ message: (m) => got.push(m) });
  try {
    const { ws } = await tryOpen(`ws://${HOST}:${port}/ws`, ['sip']);
    ws.send(OPTIONS);
    ws.send(Buffer.from(OPTIONS.replace('ws1', 'ws2')), { binary: true });
    while (got.length < 2) await new Promise((r) => setTimeout(r, 5));
    assert.equal(t.protocol, 'ws');
    assert.equal(t.stats().received, 2);
    ws.terminate();
  } finally {
    await stop(t, s);
  }
});
