import assert from 'node:assert/strict';
import test from 'node:test';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { FakeClock } from './fake-clock.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { timersFor } from './timers.ts';
import type { ClientFailure } from './transaction-types.ts';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  const got: SipResponse[] = [];
  const failures: ClientFailure[] = [];
  let terminated = 0;
  const invite = request('INVITE');
  const tx = new InviteClientTransaction(
    'x',
    invite,
    { sender, clock, timers: timersFor(reliable) },
    {
      receiveResponse: (r) => got.push(r),
      fail: (reason) => failures.push(reason),
      terminated: () => terminated++,
    },
  );
  return { clock, sender, got, failures, tx, invite, terminatedCount: () => terminated };
}

test('UDP: Timer A retransmits with doubling intervals until Timer B reports a timeout', () => {
  const s = setup(false);
  assert.equal(s.sender.count('INVITE'), 1);
  s.clock.advance(499);
  assert.equal(s.sender.count('INVITE'), 1);
  s.clock.advance(1); // 500 ms
  assert.equal(s.sender.count('INVITE'), 2);
  s.clock.advance(1000); // 1.5 s
  assert.equal(s.sender.count('INVITE'), 3);
  s.clock.advance(2000); // 3.5 s
  assert.equal(s.sender.count('INVITE'), 4);
  s.clock.advance(28_499); // 31.999 s: 7.5, 15.5, 31.5 fired
  assert.equal(s.sender.count('INVITE'), 7);
  assert.equal(s.tx.state, 'calling');
  s.clock.advance(1); // 32 s = 64*T1
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['timeout']);
  assert.equal(s.terminatedCount(), 1);
  s.clock.advance(100_000);
  assert.equal(s.sender.count('INVITE'), 7, 'no retransmission after Terminated');
});

test('reliable: no retransmission, Timer B still applies', () => {
  const s = setup(true);
  s.clock.advance(31_999);
  assert.equal(s.sender.count('INVITE'), 1);
  assert.deepEqual(s.failures, []);
  s.clock.advance(1);
  assert.deepEqual(s.failures, ['timeout']);
});

test('1xx → Proceeding stops retransmissions and Timer B; non-2xx → Completed with an ACK', () => {
  const s = setup(false);
  s.tx.receiveResponse(response(s.invite, 100));
  s.tx.receiveResponse(response(s.invite, 180));
  assert.equal(s.tx.state, 'proceeding');
  assert.equal(s.got.length, 2, 'every provisional is passed up');
  s.clock.advance(60_000);
  assert.equal(s.sender.count('INVITE'), 1);
  assert.deepEqual(s.failures, [], 'no Timer B in Proceeding');

  s.tx.receiveResponse(response(s.invite, 486));
  assert.equal(s.tx.state, 'completed');
  assert.equal(s.got.length, 3);
  assert.equal(s.sender.count('ACK'), 1);
  const ack = s.sender.sent.find((m) => m.kind === 'request' && m.method === 'ACK') as SipRequest;
  const h = (name: string) => ack.headers.filter((x) => x.name === name).map((x) => x.value);
  assert.equal(ack.uri, s.invite.uri);
  assert.deepEqual(h('Via'), ['SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKtest1'], 'same branch: §17.1.1.3');
  assert.deepEqual(h('To'), ['<sip:bob@127.0.0.1>;tag=b1'], 'To of the response');
  assert.deepEqual(h('CSeq'), ['1 ACK']);
  assert.deepEqual(h('Route'), ['<sip:proxy.example;lr>']);
  assert.deepEqual(h('Call-ID'), ['call-1@test']);

  // A retransmitted final response is ACKed again and absorbed.
  s.tx.receiveResponse(response(s.invite, 486));
  assert.equal(s.sender.count('ACK'), 2);
  assert.equal(s.got.length, 3);
  s.clock.advance(31_999);
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(1); // Timer D = 32 s on UDP
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, []);
});

test('reliable: Timer D is zero', () => {
  const s = setup(true);
  s.tx.receiveResponse(response(s.invite, 603));
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(0);
  assert.equal(s.tx.state, 'terminated');
});

test('RFC 6026: 2xx → Accepted, 2xx retransmissions reach the TU, Timer M ends it', () => {
  const s = setup(false);
  s.tx.receiveResponse(response(s.invite, 200));
  assert.equal(s.tx.state, 'accepted');
  assert.equal(s.sender.count('ACK'), 0, 'the ACK for a 2xx is the TU’s (§13.2.2.4)');
  s.tx.receiveResponse(response(s.invite, 200));
  s.tx.receiveResponse(response(s.invite, 200, 'other-fork'));
  assert.equal(s.got.length, 3);
  s.tx.receiveResponse(response(s.invite, 180));
  assert.equal(s.got.length, 3, 'a late 1xx is not passed up in Accepted');
  s.clock.advance(10_000);
  assert.equal(s.sender.count('INVITE'), 1, 'Timer A stopped');
  s.clock.advance(22_000);
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, []);
});

test('a transport error in Calling is reported and ends the transaction', async () => {
  const clock = new FakeClock();
  const sender = new RecordingSender(false);
  sender.failNext = true;
  const failures: string[] = [];
  const tx = new InviteClientTransaction(
    'x',
    request('INVITE'),
    { sender, clock, timers: timersFor(false) },
    { receiveResponse: () => {}, fail: (r) => failures.push(r), terminated: () => {} },
  );
  await flush();
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(failures, ['transport-error']);
  clock.advance(60_000);
  assert.equal(sender.count('INVITE'), 0);
});

test('§17.1.4: a lost connection fails Calling and Proceeding at once; Accepted and Completed keep going', () => {
  const lost = new Error('connection closed');
  for (const state of ['calling', 'proceeding'] as const) {
    const s = setup(true);
    if (state === 'proceeding') s.tx.receiveResponse(response(s.invite, 180));
    assert.equal(s.tx.state, state);
    assert.equal(s.tx.connectionLost(lost), true);
    assert.equal(s.tx.state, 'terminated');
    assert.deepEqual(s.failures, ['transport-error'], `from ${state}, with no timer fired`);
    assert.equal(s.terminatedCount(), 1);
    assert.equal(s.tx.connectionLost(lost), false, 'only once');
  }
  const accepted = setup(true);
  accepted.tx.receiveResponse(response(accepted.invite, 200));
  assert.equal(accepted.tx.connectionLost(lost), false);
  assert.equal(accepted.tx.state, 'accepted');
  const completed = setup(true);
  completed.tx.receiveResponse(response(completed.invite, 486));
  assert.equal(completed.tx.connectionLost(lost), false);
  assert.equal(completed.tx.state, 'completed');
  assert.deepEqual([...accepted.failures, ...completed.failures], []);
});
