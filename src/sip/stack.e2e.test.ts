/**
 * Two SipStacks on loopback talk to each other over real UDP and TCP sockets: a UAC places calls, a UAS
 * answers, rings, or is cancelled.
 */
import assert from 'node:assert/strict';
import test, { after, before, describe } from 'node:test';
import type { Dialog } from './dialog/dialog.ts';
import { createRequest, getHeader } from './message/index.ts';
import type { SipRequest, SipResponse } from './message/types.ts';
import { type IncomingRequest, SipStack, type SipTarget } from './stack.ts';
import { TcpTransport } from './transport/tcp-transport.ts';
import type { Transport, TransportProtocol } from './transport/transport.ts';
import { UdpTransport } from './transport/udp-transport.ts';

const HOST = '127.0.0.1';
const SDP = new TextEncoder().encode(
  'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n',
);

interface Party {
  stack: SipStack;
  transports: Transport[];
}

async function party(): Promise<Party> {
  const transports: Transport[] = [
    await UdpTransport.listen({ host: HOST, port: 0 }),
    await TcpTransport.listen({ host: HOST, port: 0 }),
  ];
  return { stack: new SipStack(transports, { viaHost: HOST, userAgent: 'parley-test' }), transports };
}

async function close(p: Party): Promise<void> {
  await p.stack.close();
  for (const t of p.transports) await t.close();
}

/** Resolves with the first value `register` hands to its callback. */
function once<T>(register: (cb: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve) => register(resolve));
}

function invite(
  to: Party,
  protocol: TransportProtocol,
  from: Party,
): { request: SipRequest; target: SipTarget } {
  const port = to.stack.transport(protocol)!.localPort;
  return {
    request: createRequest({
      method: 'INVITE',
      uri: `sip:bob@${HOST}:${port}`,
      from: { uri: `sip:alice@${HOST}`, params: {} },
      to: `<sip:bob@${HOST}:${port}>`,
      contact: from.stack.contact(protocol, 'alice'),
      body: SDP,
      contentType: 'application/sdp',
    }),
    target: { transport: protocol, address: HOST, port },
  };
}

describe('SipStack end to end on loopback', () => {
  let uac: Party;
  let uas: Party;
  /** What the UAS does with the next INVITE. */
  let behaviour: 'answer' | 'ring' = 'answer';
  const seen: string[] = [];
  let byeDialog: Dialog | undefined;
  let lastAck: SipRequest | undefined;
  let cancelled = 0;

  before(async () => {
    uac = await party();
    uas = await party();
    uas.stack.onRequest((inc: IncomingRequest) => {
      seen.push(inc.request.method);
      const contact = [{ name: 'Contact', value: uas.stack.contact(inc.source.transport, 'bob') }];
      if (inc.request.method === 'INVITE' && inc.dialog) {
        // A re-INVITE (§14.2): answered at once in the existing dialog.
        inc.onAck((ack) => {
          lastAck = ack;
        });
        inc.reply(200, undefined, { headers: contact, body: SDP, contentType: 'application/sdp' });
        return;
      }
      if (inc.request.method === 'INVITE') {
        const ringing = inc.reply(180, undefined, { headers: contact });
        uas.stack.createUasDialog(inc, ringing);
        inc.onCancel(() => {
          cancelled++;
        });
        inc.onAck((ack) => {
          lastAck = ack;
        });
        if (behaviour === 'answer') {
          setTimeout(() => {
            const ok = inc.reply(200, undefined, {
              headers: contact,
              body: SDP,
              contentType: 'application/sdp',
            });
            uas.stack.createUasDialog(inc, ok)?.confirm();
          }, 20);
        }
      } else if (inc.request.method === 'BYE') {
        byeDialog = inc.dialog;
        inc.reply(200);
      } else {
        inc.reply(405);
      }
    });
  });

  after(async () => {
    await close(uac);
    await close(uas);
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    test(`INVITE → 180 → 200 → ACK → re-INVITE → BYE over ${protocol}`, async () => {
      behaviour = 'answer';
      seen.length = 0;
      lastAck = undefined;
      const { request, target } = invite(uas, protocol, uac);
      const provisional: number[] = [];
      let dialog: Dialog | undefined;
      const final = await once<SipResponse>((done) => {
        const out = uac.stack.sendRequest(request, target, {
          onProvisional: (r) => provisional.push(r.status),
          onFinal: (r) => {
            dialog = uac.stack.createUacDialog(out, r);
            done(r);
          },
        });
      });
      assert.equal(final.status, 200);
      assert.ok(provisional.includes(180), `saw ${provisional}`);
      assert.ok(dialog, 'a dialog from the 2xx');
      assert.equal(dialog.state, 'confirmed');
      assert.equal(new TextDecoder().decode(final.body), new TextDecoder().decode(SDP));
      const via = getHeader(final, 'via') ?? '';
      assert.match(via, new RegExp(`^SIP/2.0/${protocol.toUpperCase()} `), 'our Via came back');
      assert.match(via, /received=127\.0\.0\.1/, '§18.2.1 received stamped by the UAS');
      assert.match(via, /rport=\d+/, 'RFC 3581 rport filled in');

      await uac.stack.sendAck(dialog, final);
      while (!lastAck) await new Promise((r) => setTimeout(r, 5));
      assert.equal(getHeader(lastAck, 'cseq'), '1 ACK');

      // A re-INVITE in the dialog (§14.1): new CSeq, 2xx, ACK with that CSeq.
      lastAck = undefined;
      const established = dialog;
      const reinvite = await once<SipResponse>((done) =>
        uac.stack.sendInDialog(
          established,
          'INVITE',
          { body: SDP, contentType: 'application/sdp' },
          {
            onFinal: (r) => {
              void uac.stack.sendAck(established, r);
              done(r);
            },
          },
        ),
      );
      assert.equal(reinvite.status, 200);
      assert.equal(getHeader(reinvite, 'cseq'), '2 INVITE');
      while (!lastAck) await new Promise((r) => setTimeout(r, 5));
      assert.equal(getHeader(lastAck, 'cseq'), '2 ACK', 'the re-INVITE ACK reached the UAS TU');

      const bye = await once<SipResponse>((done) =>
        uac.stack.sendInDialog(dialog!, 'BYE', {}, { onFinal: (r) => done(r) }),
      );
      assert.equal(bye.status, 200);
      assert.ok(byeDialog, 'the UAS matched the BYE to its dialog');
      assert.equal(byeDialog.state, 'terminated');
      assert.deepEqual(seen, ['INVITE', 'INVITE', 'BYE']);
      assert.equal(uac.stack.stats().dialogs, 0);
      assert.equal(uas.stack.stats().dialogs, 0);
    });
  }

  test('CANCEL while ringing gives 487 and tells the UAS', async () => {
    behaviour = 'ring';
    cancelled = 0;
    const { request, target } = invite(uas, 'udp', uac);
    const final = await once<SipResponse>((done) => {
      const out = uac.stack.sendRequest(request, target, {
        onProvisional: (r) => {
          if (r.status === 180) out.cancel();
        },
        onFinal: (r) => done(r),
      });
    });
    assert.equal(final.status, 487);
    assert.equal(cancelled, 1);
  });

  test('a CANCEL asked for before any provisional waits for one (§9.1)', async () => {
    behaviour = 'ring';
    cancelled = 0;
    const { request, target } = invite(uas, 'tcp', uac);
    const final = await once<SipResponse>((done) => {
      const out = uac.stack.sendRequest(request, target, { onFinal: (r) => done(r) });
      out.cancel();
    });
    assert.equal(final.status, 487);
    assert.equal(cancelled, 1);
  });

  test('a BYE for an unknown dialog gets 481', async () => {
    const port = uas.stack.transport('udp')!.localPort;
    const bye = createRequest({
      method: 'BYE',
      uri: `sip:bob@${HOST}:${port}`,
      from: `<sip:alice@${HOST}>;tag=nobody`,
      to: `<sip:bob@${HOST}>;tag=nothing`,
    });
    const r = await once<SipResponse>((done) =>
      uac.stack.sendRequest(bye, { transport: 'udp', address: HOST, port }, { onFinal: (x) => done(x) }),
    );
    assert.equal(r.status, 481);
  });

  test('a request to a dead TCP port reports 503 to the TU', async () => {
    const dead = await TcpTransport.listen({ host: HOST, port: 0 });
    const port = dead.localPort;
    await dead.close(); // nothing listens there any more
    const options = createRequest({
      method: 'OPTIONS',
      uri: `sip:x@${HOST}:${port};transport=tcp`,
      from: { uri: `sip:alice@${HOST}`, params: {} },
      to: `<sip:x@${HOST}>`,
    });
    const [r, info] = await once<[SipResponse, { local: boolean }]>((done) =>
      uac.stack.sendRequest(
        options,
        { transport: 'tcp', address: HOST, port },
        { onFinal: (x, i) => done([x, i]) },
      ),
    );
    assert.equal(r.status, 503);
    assert.equal(info.local, true);
  });
});

test('a stream message that cannot be framed still gets a best-effort 400 before the connection closes', async () => {
  const transport = await TcpTransport.listen({ host: HOST, port: 0 });
  const stack = new SipStack([transport], { viaHost: HOST });
  stack.onRequest((inc) => inc.reply(200));
  const { connect } = await import('node:net');
  const socket = connect({ host: HOST, port: transport.localPort });
  let received = '';
  socket.on('data', (d) => {
    received += d.toString('latin1');
  });
  const closed = new Promise((r) => socket.on('close', r));
  try {
    await new Promise((r) => socket.once('connect', r));
    // No Content-Length: on a stream the message cannot be framed (§18.3), but its headers are readable.
    socket.write(
      `OPTIONS sip:x@${HOST} SIP/2.0\r\nVia: SIP/2.0/TCP ${HOST}:5999;branch=z9hG4bKnolen\r\nMax-Forwards: 70\r\n` +
        `From: <sip:a@${HOST}>;tag=1\r\nTo: <sip:x@${HOST}>\r\nCall-ID: nolen\r\nCSeq: 1 OPTIONS\r\n\r\n`,
    );
    await closed;
    assert.match(received, /^SIP\/2\.0 400 /);
    assert.equal(transport.stats().droppedMalformed, 1);
    assert.equal(stack.stats().answeredMalformed, 1);
  } finally {
    socket.destroy();
    await stack.close();
    await transport.close();
  }
});
