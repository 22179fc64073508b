/**
 * The stack over TLS (two stacks) and over WebSocket (a browser-like client with `.invalid` Via and
 * Contact hosts, RFC 7118 §5): responses and the UAS's BYE must find their way back on the connection.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test from 'node:test';
import { WebSocket } from 'ws';
import type { Dialog } from './dialog/dialog.ts';
import { createRequest, getHeader, isParseError, parseMessage } from './message/index.ts';
import type { SipMessage, SipResponse } from './message/types.ts';
import { type IncomingRequest, SipStack } from './stack.ts';
import { testCertificate } from './transport/test-certificate.ts';
import { TlsTransport } from './transport/tls-transport.ts';
import { WsTransport } from './transport/ws-transport.ts';

const HOST = '127.0.0.1';
const cert = testCertificate();

test('INVITE → 180 → 200 → ACK → BYE over TLS', { skip: !cert && 'openssl missing' }, async () => {
  const tls = { host: HOST, port: 0, cert: cert!.cert, key: cert!.key, rejectUnauthorized: false };
  const a = await TlsTransport.listen(tls);
  const b = await TlsTransport.listen(tls);
  const uac = new SipStack([a], { viaHost: HOST });
  const uas = new SipStack([b], { viaHost: HOST });
  try {
    let byes = 0;
    uas.onRequest((inc) => {
      const contact = [{ name: 'Contact', value: uas.contact('tls', 'bob') }];
      if (inc.request.method === 'INVITE') {
        uas.createUasDialog(inc, inc.reply(180, undefined, { headers: contact }));
        uas.createUasDialog(inc, inc.reply(200, undefined, { headers: contact }));
      } else {
        byes++;
        inc.reply(200);
      }
    });
    const invite = createRequest({
      method: 'INVITE',
      uri: `sips:bob@${HOST}:${b.localPort}`,
      from: { uri: `sips:alice@${HOST}`, params: {} },
      to: `<sips:bob@${HOST}:${b.localPort}>`,
      contact: uac.contact('tls', 'alice'),
    });
    let dialog: Dialog | undefined;
    const final = await new Promise<SipResponse>((resolve) => {
      const out = uac.sendRequest(
        invite,
        { transport: 'tls', address: HOST, port: b.localPort },
        {
          onFinal: (r) => {
            dialog = uac.createUacDialog(out, r);
            resolve(r);
          },
        },
      );
    });
    assert.equal(final.status, 200);
    assert.match(getHeader(final, 'via')!, /^SIP\/2\.0\/TLS /);
    await uac.sendAck(dialog!, final);
    const bye = await new Promise<SipResponse>((resolve) => {
      void uac.sendInDialog(dialog!, 'BYE', {}, { onFinal: (r) => resolve(r) });
    });
    assert.equal(bye.status, 200);
    assert.equal(byes, 1);
    assert.equal(a.stats().connections, 1, 'one TLS connection carried the whole call');
  } finally {
    await uac.close();
    await uas.close();
    await a.close();
    await b.close();
  }
});

test('a WebSocket client with .invalid Via and Contact calls, and our BYE reaches it', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const ws = new WsTransport({ server });
  const stack = new SipStack([ws], { viaHost: HOST });
  let incoming: IncomingRequest | undefined;
  let acked = 0;
  stack.onRequest((inc) => {
    incoming = inc;
    inc.onAck(() => acked++);
    const r = inc.reply(200, undefined, {
      headers: [{ name: 'Contact', value: stack.contact('ws', 'conf') }],
    });
    stack.createUasDialog(inc, r);
  });
  const client = new WebSocket(`ws://${HOST}:${port}/ws`, 'sip');
  const inbox: SipMessage[] = [];
  client.on('message', (d: Buffer) => {
    const m = parseMessage(d);
    if (!isParseError(m)) inbox.push(m);
  });
  await new Promise((r) => client.once('open', r));
  const next = async (pred: (m: SipMessage) => boolean) => {
    for (;;) {
      const i = inbox.findIndex(pred);
      if (i >= 0) return inbox.splice(i, 1)[0]!;
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    const common =
      'From: <sip:alice@127.0.0.1>;tag=wsa\r\nCall-ID: ws-call\r\nMax-Forwards: 70\r\n' +
      'Contact: <sip:alice@df7jal23ls0d.invalid;transport=ws>\r\n';
    client.send(
      `INVITE sip:conf@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws1\r\n${common}` +
        'To: <sip:conf@127.0.0.1>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n',
    );
    const ok = (await next((m) => m.kind === 'response' && m.status === 200)) as SipResponse;
    assert.match(getHeader(ok, 'via')!, /received=127\.0\.0\.1/);
    const toTag = incoming!.toTag;
    client.send(
      `ACK sip:conf@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/WS df7jal23ls0d.invalid;branch=z9hG4bKws2\r\n${common}` +
        `To: <sip:conf@127.0.0.1>;tag=${toTag}\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`,
    );
    while (acked === 0) await new Promise((r) => setTimeout(r, 5));
    // The UAS hangs up: the BYE must go over the client's connection (its Contact host cannot be resolved).
    const dialog = incoming!.dialog!;
    const byeDone = new Promise<SipResponse>((resolve) => {
      void stack.sendInDialog(dialog, 'BYE', {}, { onFinal: (r) => resolve(r) });
    });
    const bye = await next((m) => m.kind === 'request' && m.method === 'BYE');
    assert.equal(bye.kind === 'request' && bye.uri, 'sip:alice@df7jal23ls0d.invalid;transport=ws');
    const headers = bye.headers
      .filter((h) => ['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(h.name))
      .map((h) => `${h.name}: ${h.value}\r\n`)
      .join('');
    client.send(`SIP/2.0 200 OK\r\n${headers}Content-Length: 0\r\n\r\n`);
    assert.equal((await byeDone).status, 200);
  } finally {
    client.terminate();
    await stack.close();
    await ws.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
