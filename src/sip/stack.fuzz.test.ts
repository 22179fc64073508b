/**
 * Malformed input never crashes the stack: generated and mutated messages (fast-check) are fed to a
 * stack through an in-memory transport, over a session that is mid-call, and it must neither throw nor
 * stop answering the next well-formed OPTIONS.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { isParseError, parseMessage } from './message/index.ts';
import type { SipMessage } from './message/types.ts';
import { SipStack } from './stack.ts';
import { FakeClock } from './transaction/fake-clock.ts';
import type {
  Destination,
  MessageSource,
  Transport,
  TransportListener,
  TransportStats,
} from './transport/transport.ts';

class LoopTransport implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 5060;
  readonly sent: SipMessage[] = [];
  #listeners = new Set<TransportListener>();
  listen(l: TransportListener): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }
  send(message: SipMessage, _d: Destination): Promise<undefined> {
    this.sent.push(message);
    return Promise.resolve(undefined);
  }
  hasConnection(): boolean {
    return false;
  }
  stats(): TransportStats {
    return {
      received: 0,
      sent: 0,
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
  /** What a real transport does: parse, then `message` or `malformed`. */
  feed(bytes: Uint8Array): void {
    const source: MessageSource = { transport: 'udp', address: '127.0.0.1', port: 5999 };
    const m = parseMessage(bytes);
    for (const l of this.#listeners) {
      if (isParseError(m)) l.malformed?.(m, source);
      else l.message(m, source);
    }
  }
}

const enc = new TextEncoder();

const SEEDS = [
  'INVITE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKf1;rport\r\nMax-Forwards: 70\r\n' +
    'From: <sip:alice@10.0.0.9>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: f1\r\nCSeq: 1 INVITE\r\n' +
    'Contact: <sip:alice@10.0.0.9:5070>\r\nContent-Length: 0\r\n\r\n',
  'ACK sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKf2\r\nMax-Forwards: 70\r\n' +
    'From: <sip:alice@10.0.0.9>;tag=a\r\nTo: <sip:bob@127.0.0.1>;tag=x\r\nCall-ID: f1\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n',
  'CANCEL sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKf1;rport\r\nMax-Forwards: 70\r\n' +
    'From: <sip:alice@10.0.0.9>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: f1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n',
  'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKzz\r\nFrom: <sip:a@b>;tag=1\r\n' +
    'To: <sip:c@d>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\nContact: <sip:c@d>\r\nContent-Length: 0\r\n\r\n',
  'BYE sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKf3\r\nMax-Forwards: 70\r\n' +
    'From: <sip:alice@10.0.0.9>;tag=a\r\nTo: <sip:bob@127.0.0.1>;tag=b\r\nCall-ID: f1\r\nCSeq: 2 BYE\r\n\r\n',
];

/** A seed with a few bytes overwritten, inserted or cut: the kind of damage a hostile peer does. */
const mutated = fc
  .tuple(
    fc.constantFrom(...SEEDS),
    fc.array(
      fc.tuple(
        fc.nat(),
        fc.constantFrom('', ':', ';', ',', '<', '>', '"', '\r\n', ' ', '\0', 'z9hG4bK', '999999999999', '%'),
      ),
      { maxLength: 6 },
    ),
  )
  .map(([seed, edits]) => {
    let s = seed;
    for (const [at, text] of edits) {
      const i = at % (s.length + 1);
      s = s.slice(0, i) + text + s.slice(i + (text === '' ? 3 : 1));
    }
    return enc.encode(s);
  });

const anyBytes = fc.uint8Array({ maxLength: 600 });

test('generated and mutated input never throws and the stack keeps answering', () => {
  const clock = new FakeClock();
  const transport = new LoopTransport();
  const stack = new SipStack([transport], { viaHost: '127.0.0.1', clock });
  stack.onRequest((inc) => {
    if (inc.request.method === 'INVITE') {
      const r = inc.reply(200, undefined, { headers: [{ name: 'Contact', value: '<sip:b@127.0.0.1>' }] });
      stack.createUasDialog(inc, r);
    } else inc.reply(200);
  });
  let n = 0;
  fc.assert(
    fc.property(fc.oneof(mutated, anyBytes), (bytes) => {
      transport.feed(bytes);
      if (++n % 50 === 0) clock.advance(1_000);
    }),
    { numRuns: 2000 },
  );
  clock.advance(120_000);
  const before = transport.sent.length;
  transport.feed(
    enc.encode(
      'OPTIONS sip:parley@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5070;branch=z9hG4bKlast\r\nMax-Forwards: 70\r\n' +
        'From: <sip:a@10.0.0.9>;tag=a\r\nTo: <sip:parley@127.0.0.1>\r\nCall-ID: last\r\nCSeq: 1 OPTIONS\r\n\r\n',
    ),
  );
  const last = transport.sent.slice(before);
  assert.equal(last.length, 1);
  assert.ok(last[0]!.kind === 'response' && last[0]!.status === 200);
  assert.ok(stack.stats().serverTransactions <= 1, 'old transactions ended on their timers');
});
