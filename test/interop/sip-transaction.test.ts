/**
 * The SIP stack against sipp (a real, independent SIP implementation): sipp's built-in `uac` calls a
 * minimal UAS built on our stack, and sipp's built-in `uas` answers calls our UAC places. Over UDP and
 * TCP. Every call must go INVITE → 180 → 200 → ACK → BYE → 200 on both sides.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test, { describe } from 'node:test';
import { Messager, UserAgent } from 'sip.js';
import type { Dialog } from '../../src/sip/dialog/dialog.ts';
import { createRequest } from '../../src/sip/message/index.ts';
import type { SipResponse } from '../../src/sip/message/types.ts';
import type { IncomingRequest } from '../../src/sip/stack.ts';
import { SipStack } from '../../src/sip/stack.ts';
import { TcpTransport } from '../../src/sip/transport/tcp-transport.ts';
import type { Transport } from '../../src/sip/transport/transport.ts';
import { UdpTransport } from '../../src/sip/transport/udp-transport.ts';
import { WsTransport } from '../../src/sip/transport/ws-transport.ts';
import { freePort } from './helpers/ports.ts';
import { describeSipp, runSipp, sippCount, sippPath, startSipp } from './helpers/sipp.ts';

const HOST = '127.0.0.1';
const CALLS = 5;
const SDP = new TextEncoder().encode(
  'v=0\r\no=parley 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n',
);
const skip = sippPath() ? false : 'sipp (Debian package sip-tester) is not installed';

async function stackOn(protocol: 'udp' | 't1'): Promise<{ stack: SipStack; transports: Transport[] }> {
  const port = await freePort();
  const transports: Transport[] =
    protocol === 'udp'
      ? [await UdpTransport.listen({ host: HOST, port })]
      : [await TcpTransport.listen({ host: HOST, port })];
  return { stack: new SipStack(transports, { viaHost: HOST, userAgent: 'parley-interop' }), transports };
}

/** A UAS that rings, answers with SDP, and accepts BYE: what a PBX extension does at its simplest. */
function minimalUas(stack: SipStack) {
  const counts = { invites: 0, acks: 0, byes: 0, byeInDialog: 0, cancels: 0 };
  stack.onRequest((inc) => {
    const contact = [{ name: 'Contact', value: stack.contact(inc.source.transport, 'parley') }];
    switch (inc.request.method) {
      case 'INVITE': {
        counts.invites++;
        if (inc.request.uri.startsWith('sip:ring@')) {
          // Rings until cancelled (the stack answers the CANCEL 200 and the INVITE 487).
          inc.onCancel(() => counts.cancels++);
          stack.createUasDialog(inc, inc.reply(180, undefined, { headers: contact }));
          return;
        }
        inc.onAck(() => counts.acks++);
        inc.onAckTimeout(() => {
          const d = inc.dialog;
          if (d) void stack.sendInDialog(d, 'BYE');
        });
        const ringing = inc.reply(180, undefined, { headers: contact });
        stack.createUasDialog(inc, ringing);
        const ok = inc.reply(200, undefined, { headers: contact, body: SDP, contentType: 'application/sdp' });
        stack.createUasDialog(inc, ok)?.confirm();
        return;
      }
      case 'BYE':
        counts.byes++;
        if (inc.dialog) counts.byeInDialog++;
        inc.reply(200);
        return;
      default:
        inc.reply(405);
    }
  });
  return counts;
}

const scenario = (name: string) => new URL(`./scenarios/${name}`, import.meta.url).pathname;

describe('sipp interop: transactions and dialogs', { skip }, () => {
  for (const t of ['udp', 't1'] as const) {
    const name = t === 'udp' ? 'UDP' : 'TCP';
    test(`sipp cancels while ringing over ${name}: 200 for the CANCEL, 487 for the INVITE, ACK absorbed (§9)`, async () => {
      const { stack, transports } = await stackOn(t);
      try {
        const counts = minimalUas(stack);
        const r = await runSipp({
          scenario: scenario('uac-cancel-while-ringing.xml'),
          remote: `${HOST}:${transports[0]!.localPort}`,
          transport: t === 'udp' ? 'u1' : 't1',
          service: 'ring',
          calls: CALLS,
          rate: 10,
        });
        assert.equal(r.exitCode, 0, describeSipp(r));
        assert.equal(r.successfulCalls, CALLS, describeSipp(r));
        assert.equal(sippCount(r, '487', false), CALLS);
        assert.equal(counts.cancels, CALLS, 'the TU heard every CANCEL');
        assert.equal(stack.stats().dialogs, 0, 'the early dialogs ended with the 487');
      } finally {
        await stack.close();
        for (const tr of transports) await tr.close();
      }
    });

    test(`sipp ACKs late over ${name}: our 200 is retransmitted until the ACK comes (§13.3.1.4, on any transport)`, async () => {
      const { stack, transports } = await stackOn(t);
      try {
        const counts = minimalUas(stack);
        const r = await runSipp({
          scenario: scenario(t === 'udp' ? 'uac-late-ack.xml' : 'uac-late-ack-tcp.xml'),
          remote: `${HOST}:${transports[0]!.localPort}`,
          transport: t === 'udp' ? 'u1' : 't1',
          calls: 2,
          rate: 10,
        });
        assert.equal(r.exitCode, 0, describeSipp(r));
        assert.equal(r.successfulCalls, 2, describeSipp(r));
        if (t === 'udp') {
          // sipp absorbs retransmissions on UDP and counts them on the 200 line.
          const okLine = r.messageCounts.find((c) => c.message === '200' && !c.sent);
          assert.ok(okLine && okLine.retransmissions >= 2, `200 retransmissions: ${okLine?.retransmissions}`);
        } else {
          // On TCP the scenario itself waits for the retransmitted 200 (two 200 lines before the ACK).
          const okLines = r.messageCounts.filter((c) => c.message === '200' && !c.sent);
          assert.equal(okLines[1]?.count, 2, 'the retransmitted 200 arrived for both calls');
        }
        assert.equal(counts.acks, 2);
        assert.equal(counts.byeInDialog, 2);
      } finally {
        await stack.close();
        for (const tr of transports) await tr.close();
      }
    });
  }

  test('a busy sipp UAS: our UAC hears 486 and its transaction ACKs it (§17.1.1.3)', async () => {
    const { stack, transports } = await stackOn('udp');
    const uas = await startSipp({ scenario: scenario('uas-busy.xml'), calls: 3, timeoutSeconds: 30 });
    try {
      await uas.ready(); // sipp holds its port: the first INVITE will not be refused
      for (let i = 0; i < 3; i++) {
        const invite = createRequest({
          method: 'INVITE',
          uri: `sip:busy@${HOST}:${uas.port}`,
          from: { uri: `sip:parley@${HOST}`, params: {} },
          to: `<sip:busy@${HOST}:${uas.port}>`,
          contact: stack.contact('udp', 'parley'),
        });
        const final = await new Promise<SipResponse>((resolve) => {
          stack.sendRequest(
            invite,
            { transport: 'udp', address: HOST, port: uas.port },
            { onFinal: resolve },
          );
        });
        assert.equal(final.status, 486);
      }
      const r = await uas.result; // sipp ends by itself after 3 calls, each closed by our ACK
      assert.equal(r.exitCode, 0, describeSipp(r));
      assert.equal(r.successfulCalls, 3, describeSipp(r));
      assert.equal(sippCount(r, 'ACK', false), 3);
    } finally {
      await uas.stop();
      await stack.close();
      for (const tr of transports) await tr.close();
    }
  });

  for (const t of ['udp', 't1'] as const) {
    const name = t === 'udp' ? 'UDP' : 'TCP';

    test(`sipp uac completes ${CALLS} calls against a UAS on our stack over ${name}`, async () => {
      const { stack, transports } = await stackOn(t);
      try {
        const counts = minimalUas(stack);
        const port = transports[0]!.localPort;
        const r = await runSipp({
          scenario: 'uac',
          remote: `${HOST}:${port}`,
          transport: t === 'udp' ? 'u1' : 't1',
          calls: CALLS,
          rate: 10,
          callLengthMs: 100,
          timeoutSeconds: 30,
        });
        assert.equal(r.exitCode, 0, describeSipp(r));
        assert.equal(r.successfulCalls, CALLS, describeSipp(r));
        assert.equal(r.failedCalls, 0);
        assert.equal(sippCount(r, '180', false), CALLS, 'sipp received our 180s');
        assert.equal(sippCount(r, '200', false), 2 * CALLS, '200 to INVITE and to BYE');
        assert.equal(counts.invites, CALLS);
        assert.equal(counts.acks, CALLS, 'every 2xx was ACKed and the ACK reached the TU');
        assert.equal(counts.byes, CALLS);
        assert.equal(counts.byeInDialog, CALLS, 'every BYE matched its dialog');
        assert.equal(stack.stats().dialogs, 0, 'dialogs are gone after BYE');
      } finally {
        await stack.close();
        for (const tr of transports) await tr.close();
      }
    });

    test(`sipp uas answers ${CALLS} calls our UAC places over ${name}`, async () => {
      const { stack, transports } = await stackOn(t);
      const uas = await startSipp({
        scenario: 'uas',
        transport: t === 'udp' ? 'u1' : 't1',
        timeoutSeconds: 30,
      });
      try {
        await uas.ready(); // sipp holds its port: the first INVITE will not be refused
        for (let i = 0; i < CALLS; i++) {
          const invite = createRequest({
            method: 'INVITE',
            uri: `sip:service@${HOST}:${uas.port}`,
            from: { uri: `sip:parley@${HOST}`, params: {} },
            to: `<sip:service@${HOST}:${uas.port}>`,
            contact: stack.contact(transports[0]!.protocol, 'parley'),
            body: SDP,
            contentType: 'application/sdp',
          });
          const provisional: number[] = [];
          let dialog: Dialog | undefined;
          const final = await new Promise<SipResponse>((resolve) => {
            const out = stack.sendRequest(
              invite,
              { transport: transports[0]!.protocol, address: HOST, port: uas.port },
              {
                onProvisional: (p) => provisional.push(p.status),
                onFinal: async (resp) => {
                  dialog = resp.status === 200 ? stack.createUacDialog(out, resp) : undefined;
                  if (dialog) await stack.sendAck(dialog, resp);
                  resolve(resp);
                },
              },
            );
          });
          assert.equal(final.status, 200, `call ${i}`);
          assert.ok(provisional.includes(180));
          assert.ok(dialog);
          assert.equal(dialog.state, 'confirmed');
          assert.equal(stack.stats().dialogs, 1);
          const established = dialog;
          const bye = await new Promise<SipResponse>((resolve) => {
            void stack.sendInDialog(established, 'BYE', {}, { onFinal: (b) => resolve(b) });
          });
          assert.equal(bye.status, 200, `BYE of call ${i}`);
        }
        const r = await uas.stop();
        assert.equal(sippCount(r, 'INVITE', false), CALLS, describeSipp(r));
        assert.equal(sippCount(r, 'ACK', false), CALLS, describeSipp(r));
        assert.equal(sippCount(r, 'BYE', false), CALLS, describeSipp(r));
        assert.equal(r.errors, '', 'sipp saw no unexpected message');
      } finally {
        await uas.stop();
        await stack.close();
        for (const tr of transports) await tr.close();
      }
    });
  }
});

test('SIP.js 0.21 over WebSocket: its MESSAGE reaches our stack, ours reaches it on its connection', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const ws = new WsTransport({ server });
  const stack = new SipStack([ws], { viaHost: HOST });
  const received: IncomingRequest[] = [];
  stack.onRequest((inc) => {
    received.push(inc);
    inc.reply(200);
  });
  const toUa: string[] = [];
  const ua = new UserAgent({
    uri: UserAgent.makeURI(`sip:alice@${HOST}`),
    transportOptions: { server: `ws://${HOST}:${port}/ws` },
    logLevel: 'error',
    delegate: {
      onMessage: (m) => {
        toUa.push(m.request.body);
        m.accept();
      },
    },
  });
  try {
    await ua.start();
    await new Promise<void>((resolve, reject) => {
      new Messager(ua, UserAgent.makeURI(`sip:conf@${HOST}`)!, 'hello from SIP.js').message({
        requestDelegate: {
          onAccept: () => resolve(),
          onReject: (r) => reject(new Error(`MESSAGE refused: ${r.message.statusCode}`)),
        },
      });
    });
    assert.equal(received.length, 1);
    const from = received[0]!;
    assert.equal(new TextDecoder().decode(from.request.body), 'hello from SIP.js');
    assert.equal(from.source.transport, 'ws');
    assert.ok(from.source.connectionId);
    // Back to the browser-like client: only its own connection reaches it (its Contact host is .invalid).
    const message = createRequest({
      method: 'MESSAGE',
      uri: `sip:alice@${HOST}`,
      from: { uri: `sip:conf@${HOST}`, params: {} },
      to: `<sip:alice@${HOST}>`,
      body: new TextEncoder().encode('hello from Parley'),
      contentType: 'text/plain',
    });
    const answer = await new Promise<SipResponse>((resolve) => {
      stack.sendRequest(message, from.source, { onFinal: resolve });
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(toUa, ['hello from Parley']);
  } finally {
    await ua.stop();
    await stack.close();
    await ws.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
