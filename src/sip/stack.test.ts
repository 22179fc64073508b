/**
 * The stack's own rules, driven through an in-memory transport on a fake clock: §18.2 Via handling,
 * §13.3.1.4 2xx retransmission until ACK, §13.2.2.4 re-ACK, §9.2 CANCEL, §12.2.2 in-dialog checks, and
 * best-effort 400s.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import { getHeader, isParseError, parseMessage } from './message/index.ts';
import type { SipMessage, SipParseError, SipRequest, SipResponse } from './message/types.ts';
import { type IncomingRequest, SipStack } from './stack.ts';
import { FakeClock } from './transaction/fake-clock.ts';
import type {
  Destination,
  MessageSource,
  Transport,
  TransportListener,
  TransportStats,
} from './transport/transport.ts';

class MemoryTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 5060;
  readonly sent: Array<{ message: SipMessage; destination: Destination }> = [];
  #listeners = new Set<TransportListener>();

  listen(l: TransportListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  send(message: SipMessage, destination: Destination): Promise<undefined> {
    this.sent.push({ message, destination });
    return Promise.resolve(undefined);
  }
  hasConnection(): boolean {
    return false;
  }
  stats(): TransportStats {
    return {
      received: 0,
      sent: this.sent.length,
      droppedMalformed: 0,
      droppedRateLimited: 0,
      oversized: 0,
      sendErrors: 0,
      keepalives: 0,
      connections: 0,
    };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Delivers text as if it arrived from `source` (parse errors go to `malformed`, as a real transport). */
  inject(text: string, source: MessageSource = { transport: 'udp', address: '127.0.0.1', port: 5999 }): void {
    const m = parseMessage(text.replace(/\n/g, '\r\n'));
    for (const l of this.#listeners) {
      if (isParseError(m)) l.malformed?.(m as SipParseError, source);
      else l.message(m, source);
    }
  }

  responses(status?: number): SipResponse[] {
    return this.sent
      .map((s) => s.message)
      .filter(
        (m): m is SipResponse => m.kind === 'response' && (status === undefined || m.status === status),
      );
  }

  requests(method: string): SipRequest[] {
    return this.sent
      .map((s) => s.message)
      .filter((m): m is SipRequest => m.kind === 'request' && m.method === method);
  }
}

function setup() {
  const clock = new FakeClock();
  const transport = new MemoryTransport();
  const stack = new SipStack([transport], { viaHost: '127.0.0.1', clock, userAgent: 'parley-test' });
  return { clock, transport, stack };
}

const invite = (branch = 'z9hG4bKi1', via = '10.0.0.9:5070;rport') =>
  `INVITE sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP ${via};branch=${branch}
Max-Forwards: 70
From: <sip:alice@10.0.0.9>;tag=alice1
To: <sip:bob@127.0.0.1>
Call-ID: call-a@10.0.0.9
CSeq: 10 INVITE
Contact: <sip:alice@10.0.0.9:5070>
Content-Length: 0

`;

const ack = (toTag: string, branch = 'z9hG4bKack1') =>
  `ACK sip:bob@127.0.0.1 SIP/2.0
Via: SIP/2.0/UDP 10.0.0.9:5070;branch=${branch};rport
Max-Forwards: 70
From: <sip:alice@10.0.0.9>;tag=alice1
To: <sip:bob@127.0.0.1>;tag=${toTag}
Call-ID: call-a@10.0.0.9
CSeq: 10 ACK
Content-Length: 0

`;

function answerWith200(stack: SipStack) {
  const seen: { incoming?: IncomingRequest; acks: number; timeouts: number } = { acks: 0, timeouts: 0 };
  stack.onRequest((inc) => {
    seen.incoming = inc;
    inc.onAck(() => seen.acks++);
    inc.onAckTimeout(() => seen.timeouts++);
    const ok = inc.reply(200, undefined, {
      headers: [{ name: 'Contact', value: '<sip:bob@127.0.0.1:5060>' }],
    });
    stack.createUasDialog(inc, ok);
  });
  return seen;
}

test('§18.2.1/§18.2.2 + RFC 3581: received and rport stamped, response sent to the source port', () => {
  const { transport, stack } = setup();
  answerWith200(stack);
  transport.inject(invite());
  const [first] = transport.sent;
  assert.ok(first);
  assert.deepEqual(first.destination, { address: '127.0.0.1', port: 5999 });
  const via = getHeader(first.message, 'via')!;
  assert.match(via, /received=127\.0\.0\.1/);
  assert.match(via, /rport=5999/);
  assert.equal(getHeader(first.message, 'server'), 'parley-test');
});

test('§18.2.2 without rport: the response goes to received + the sent-by port', () => {
  const { transport, stack } = setup();
  answerWith200(stack);
  transport.inject(invite('z9hG4bKnorport', '10.0.0.9:5070'));
  assert.deepEqual(transport.sent[0]!.destination, { address: '127.0.0.1', port: 5070 });
});

test('§13.3.1.4: our 2xx is retransmitted (T1 doubling to T2) until the ACK arrives', () => {
  const { clock, transport, stack } = setup();
  const seen = answerWith200(stack);
  transport.inject(invite());
  assert.equal(transport.responses(200).length, 1);
  clock.advance(500);
  assert.equal(transport.responses(200).length, 2);
  clock.advance(1000);
  assert.equal(transport.responses(200).length, 3);
  clock.advance(2000);
  assert.equal(transport.responses(200).length, 4);
  clock.advance(4000);
  assert.equal(transport.responses(200).length, 5);
  clock.advance(4000);
  assert.equal(transport.responses(200).length, 6, 'capped at T2');
  const toTag = seen.incoming!.toTag;
  transport.inject(ack(toTag));
  assert.equal(seen.acks, 1);
  transport.inject(ack(toTag)); // a retransmitted ACK is absorbed
  assert.equal(seen.acks, 1);
  clock.advance(60_000);
  assert.equal(transport.responses(200).length, 6, 'no retransmission after the ACK');
  assert.equal(seen.timeouts, 0);
});

test('§13.3.1.4: no ACK within 64*T1 → the TU is told (so it can BYE)', () => {
  const { clock, transport, stack } = setup();
  const seen = answerWith200(stack);
  transport.inject(invite());
  clock.advance(31_999);
  assert.equal(seen.timeouts, 0);
  clock.advance(1);
  assert.equal(seen.timeouts, 1);
  const sent = transport.responses(200).length;
  clock.advance(60_000);
  assert.equal(transport.responses(200).length, sent);
});

test('a retransmitted INVITE is absorbed, not given to the TU again', () => {
  const { transport, stack } = setup();
  let calls = 0;
  stack.onRequest((inc) => {
    calls++;
    inc.reply(180);
  });
  transport.inject(invite());
  transport.inject(invite());
  assert.equal(calls, 1);
  assert.equal(transport.responses(180).length, 2, 'the 180 is sent again (§17.2.1)');
});

test('§17.2.1: 100 Trying only for an INVITE the TU leaves unanswered for a while', () => {
  const { clock, transport, stack } = setup();
  const pending: IncomingRequest[] = [];
  stack.onRequest((inc) => {
    pending.push(inc);
  });
  transport.inject(invite('z9hG4bKslow'));
  transport.inject(invite('z9hG4bKquick'));
  assert.equal(transport.responses(100).length, 0, 'nothing at once');
  clock.advance(50);
  // The TU answers the second one within the delay: it never gets a 100.
  pending[1]!.reply(180);
  clock.advance(100);
  const trying = transport.responses(100);
  assert.equal(trying.length, 1);
  assert.match(getHeader(trying[0]!, 'via')!, /branch=z9hG4bKslow/);
  // A retransmission of the unanswered INVITE gets the 100 again (§17.2.1, Proceeding).
  transport.inject(invite('z9hG4bKslow'));
  assert.equal(transport.responses(100).length, 2);
  assert.equal(pending.length, 2);
});

test('§9.2: CANCEL → 200 for the CANCEL, 487 for the INVITE with the same To tag; stray CANCEL → 481', () => {
  const { transport, stack } = setup();
  let cancelled = 0;
  let tag = '';
  stack.onRequest((inc) => {
    tag = inc.toTag;
    inc.onCancel(() => cancelled++);
    inc.reply(180);
  });
  transport.inject(invite('z9hG4bKcan'));
  transport.inject(
    invite('z9hG4bKcan').replace('INVITE sip', 'CANCEL sip').replace('CSeq: 10 INVITE', 'CSeq: 10 CANCEL'),
  );
  const [r487] = transport.responses(487);
  assert.ok(r487);
  assert.match(getHeader(r487, 'to')!, new RegExp(`tag=${tag}`));
  assert.equal(getHeader(transport.responses(200)[0]!, 'cseq'), '10 CANCEL');
  assert.equal(cancelled, 1);
  transport.inject(
    invite('z9hG4bKnomatch')
      .replace('INVITE sip', 'CANCEL sip')
      .replace('CSeq: 10 INVITE', 'CSeq: 10 CANCEL'),
  );
  assert.equal(transport.responses(481).length, 1);
});

test('§12.2.2: an in-dialog request with an old CSeq gets 500; a BYE ends the dialog', () => {
  const { transport, stack } = setup();
  const seen = answerWith200(stack);
  const methods: string[] = [];
  stack.onRequest((inc) => {
    methods.push(inc.request.method);
    if (inc.request.method === 'INVITE') {
      seen.incoming = inc;
      stack.createUasDialog(
        inc,
        inc.reply(200, undefined, { headers: [{ name: 'Contact', value: '<sip:b@127.0.0.1>' }] }),
      );
    } else inc.reply(200);
  });
  transport.inject(invite());
  const toTag = seen.incoming!.toTag;
  transport.inject(ack(toTag));
  const inDialog = (method: string, cseq: number, branch: string) =>
    ack(toTag, branch).replace('ACK sip', `${method} sip`).replace('CSeq: 10 ACK', `CSeq: ${cseq} ${method}`);
  transport.inject(inDialog('INFO', 9, 'z9hG4bKold'));
  assert.equal(transport.responses(500).length, 1);
  transport.inject(inDialog('BYE', 11, 'z9hG4bKbye'));
  assert.deepEqual(methods, ['INVITE', 'BYE']);
  assert.equal(stack.stats().dialogs, 0);
  transport.inject(inDialog('BYE', 12, 'z9hG4bKbye2'));
  assert.equal(transport.responses(481).length, 1, 'the dialog is gone');
});

test('malformed requests: 400 when the headers allow, otherwise dropped and counted', () => {
  const { transport, stack } = setup();
  stack.onRequest((inc) => inc.reply(200));
  // Parses, fails validation (CSeq method disagrees): 400.
  transport.inject(invite().replace('CSeq: 10 INVITE', 'CSeq: 10 OPTIONS'));
  assert.equal(transport.responses(400).length, 1);
  // Does not parse (body shorter than Content-Length) but its headers are readable: 400.
  transport.inject(invite('z9hG4bKshort').replace('Content-Length: 0', 'Content-Length: 50'));
  assert.equal(transport.responses(400).length, 2);
  // No Via: nothing can be answered.
  transport.inject(invite('z9hG4bKnovia').replace(/Via: .*\n/, ''));
  assert.equal(transport.responses(400).length, 2);
  assert.equal(stack.stats().answeredMalformed, 2);
});

test('§13.2.2.4: a retransmitted 2xx is ACKed again; the TU hears the final response once', async () => {
  const { transport, stack } = setup();
  const request = parseMessage(
    invite('z9hG4bKunused')
      .replace(/Via: .*\n/, '')
      .replace(/\n/g, '\r\n'),
  ) as SipRequest;
  let finals = 0;
  const out = stack.sendRequest(
    request,
    { transport: 'udp', address: '127.0.0.1', port: 5080 },
    {
      onFinal: (r) => {
        finals++;
        const d = stack.createUacDialog(out, r)!;
        void stack.sendAck(d, r);
      },
    },
  );
  const sentInvite = transport.requests('INVITE')[0]!;
  const ourVia = getHeader(sentInvite, 'via')!;
  assert.match(ourVia, /^SIP\/2\.0\/UDP 127\.0\.0\.1:5060;branch=z9hG4bK\w+;rport$/);
  const ok = `SIP/2.0 200 OK
Via: ${ourVia}
From: <sip:alice@10.0.0.9>;tag=alice1
To: <sip:bob@127.0.0.1>;tag=bob9
Call-ID: call-a@10.0.0.9
CSeq: 10 INVITE
Contact: <sip:bob@127.0.0.1:5080>
Content-Length: 0

`;
  transport.inject(ok);
  await new Promise((r) => setImmediate(r));
  assert.equal(transport.requests('ACK').length, 1);
  const ackSent = transport.requests('ACK')[0]!;
  assert.equal(getHeader(ackSent, 'cseq'), '10 ACK');
  assert.notEqual(getHeader(ackSent, 'via'), ourVia, 'a 2xx ACK has its own branch');
  transport.inject(ok);
  await new Promise((r) => setImmediate(r));
  assert.equal(transport.requests('ACK').length, 2);
  assert.equal(finals, 1);
});

test('§13.2.2.4: a 2xx from a second fork is ACKed and hung up; early dialogs end with the final response', async () => {
  const { transport, stack } = setup();
  const request = parseMessage(
    invite('z9hG4bKunused')
      .replace(/Via: .*\n/, '')
      .replace(/\n/g, '\r\n'),
  ) as SipRequest;
  const out = stack.sendRequest(
    request,
    { transport: 'udp', address: '127.0.0.1', port: 5080 },
    {
      onFinal: (r) => {
        const d = stack.createUacDialog(out, r)!;
        void stack.sendAck(d, r);
      },
    },
  );
  const ourVia = getHeader(transport.requests('INVITE')[0]!, 'via')!;
  const answer = (status: number, tag: string) => `SIP/2.0 ${status} X
Via: ${ourVia}
From: <sip:alice@10.0.0.9>;tag=alice1
To: <sip:bob@127.0.0.1>;tag=${tag}
Call-ID: call-a@10.0.0.9
CSeq: 10 INVITE
Contact: <sip:bob@127.0.0.1:5080>
Content-Length: 0

`;
  // An early dialog from a fork that never answers.
  transport.inject(answer(180, 'early-fork'));
  stack.createUacDialog(out, parseMessage(answer(180, 'early-fork').replace(/\n/g, '\r\n')) as SipResponse);
  assert.equal(stack.stats().dialogs, 1);
  transport.inject(answer(200, 'first'));
  await new Promise((r) => setImmediate(r));
  assert.equal(
    stack.stats().dialogs,
    1,
    'the early dialog of the other fork is gone, the answered one stays',
  );
  assert.equal(transport.requests('ACK').length, 1);
  transport.inject(answer(200, 'second'));
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(transport.requests('ACK').length, 2, 'the second fork is ACKed');
  const [bye] = transport.requests('BYE');
  assert.ok(bye, 'and hung up');
  assert.match(getHeader(bye, 'to')!, /tag=second/);
  assert.equal(stack.stats().dialogs, 1);
});

test('§14.2 glare: a re-INVITE while ours is pending gets 491; a second one of theirs gets 500 + Retry-After', async () => {
  const { transport, stack } = setup();
  let incomingInvite: IncomingRequest | undefined;
  const pendingReinvites: IncomingRequest[] = [];
  stack.onRequest((inc) => {
    if (inc.request.method !== 'INVITE') return void inc.reply(200);
    if (inc.dialog) {
      pendingReinvites.push(inc); // left unanswered for now
      return;
    }
    incomingInvite = inc;
    const ok = inc.reply(200, undefined, {
      headers: [{ name: 'Contact', value: '<sip:bob@127.0.0.1:5060>' }],
    });
    stack.createUasDialog(inc, ok);
  });
  transport.inject(invite());
  const toTag = incomingInvite!.toTag;
  transport.inject(ack(toTag));
  const dialog = incomingInvite!.dialog!;
  const reinvite = (cseq: number, branch: string) =>
    ack(toTag, branch).replace('ACK sip', 'INVITE sip').replace('CSeq: 10 ACK', `CSeq: ${cseq} INVITE`);

  // Ours is pending (no answer injected) when theirs arrives.
  await stack.sendInDialog(dialog, 'INVITE');
  transport.inject(reinvite(11, 'z9hG4bKglare'));
  assert.equal(transport.responses(491).length, 1);
  assert.equal(pendingReinvites.length, 0, 'the TU never saw the glaring re-INVITE');
  dialog.inviteInProgress = undefined; // as if ours had been answered

  transport.inject(reinvite(12, 'z9hG4bKfirst'));
  assert.equal(pendingReinvites.length, 1);
  transport.inject(reinvite(13, 'z9hG4bKsecond'));
  const [busy] = transport.responses(500);
  assert.ok(busy, 'a second re-INVITE while the first is in progress');
  assert.match(getHeader(busy, 'retry-after') ?? '', /^\d$/);
  pendingReinvites[0]!.reply(200);
  transport.inject(reinvite(14, 'z9hG4bKthird'));
  assert.equal(pendingReinvites.length, 2, 'once answered, the next re-INVITE is taken');
});

test('sending the same request object twice (a retry after 401) gives each send exactly one Via of ours', () => {
  const { transport, stack } = setup();
  const request = parseMessage(
    invite('z9hG4bKx')
      .replace(/Via: .*\n/, '')
      .replace(/\n/g, '\r\n'),
  ) as SipRequest;
  const target = { transport: 'udp' as const, address: '127.0.0.1', port: 5080 };
  stack.sendRequest(request, target);
  stack.sendRequest(request, target);
  const sent = transport.requests('INVITE');
  assert.equal(sent.length, 2);
  for (const r of sent) assert.equal(r.headers.filter((h) => h.name === 'Via').length, 1);
  assert.notEqual(getHeader(sent[0]!, 'via'), getHeader(sent[1]!, 'via'), 'a new branch each time');
  assert.equal(request.headers.filter((h) => h.name === 'Via').length, 0, 'the caller’s object is untouched');
});
