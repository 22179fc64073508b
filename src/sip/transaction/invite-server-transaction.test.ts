import assert from 'node:assert/strict';
import test from 'node:test';
import type { SipRequest } from '../message/types.ts';
import { FakeClock } from './fake-clock.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { timersFor } from './timers.ts';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  const failures: string[] = [];
  const acks: SipRequest[] = [];
  let terminated = 0;
  const invite = request('INVITE');
  const tx = new InviteServerTransaction(
    'x',
    { sender, clock, timers: timersFor(reliable) },
    {
      fail: (r) => failures.push(r),
      receiveAck: (a) => acks.push(a),
      terminated: () => terminated++,
    },
  );
  return { clock, sender, failures, acks, tx, invite, terminatedCount: () => terminated };
}

test('Proceeding: a retransmitted INVITE gets the last provisional again', () => {
  const s = setup(false);
  s.tx.receiveRequest(s.invite);
  assert.equal(s.sender.sent.length, 0, 'nothing to resend before the first response');
  s.tx.respond(response(s.invite, 100));
  s.tx.respond(response(s.invite, 180));
  s.tx.receiveRequest(s.invite);
  assert.equal(s.sender.count(180), 2);
  assert.equal(s.tx.state, 'proceeding');
});

test('UDP non-2xx: Timer G retransmits (capped at T2) until ACK; Confirmed for T4', () => {
  const s = setup(false);
  s.tx.respond(response(s.invite, 486));
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(500);
  assert.equal(s.sender.count(486), 2);
  s.clock.advance(1000);
  assert.equal(s.sender.count(486), 3);
  s.clock.advance(2000);
  assert.equal(s.sender.count(486), 4);
  s.clock.advance(4000); // 7.5 s
  assert.equal(s.sender.count(486), 5);
  s.clock.advance(4000); // 11.5 s: capped at T2
  assert.equal(s.sender.count(486), 6);
  s.tx.receiveRequest(s.invite); // retransmitted INVITE → final again
  assert.equal(s.sender.count(486), 7);
  s.tx.receiveRequest(request('ACK'));
  assert.equal(s.tx.state, 'confirmed');
  assert.equal(s.acks.length, 0, 'a non-2xx ACK is absorbed');
  s.clock.advance(4_999);
  assert.equal(s.sender.count(486), 7, 'Timer G stopped');
  assert.equal(s.tx.state, 'confirmed');
  s.clock.advance(1);
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, []);
});

test('Timer H: no ACK in 64*T1 → Terminated and the TU hears of it', () => {
  const s = setup(true);
  s.tx.respond(response(s.invite, 404));
  s.clock.advance(31_999);
  assert.equal(s.sender.count(404), 1, 'no Timer G on reliable');
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(1);
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['timeout']);
});

test('reliable: Timer I is zero', () => {
  const s = setup(true);
  s.tx.respond(response(s.invite, 404));
  s.tx.receiveRequest(request('ACK'));
  assert.equal(s.tx.state, 'confirmed');
  s.clock.advance(0);
  assert.equal(s.tx.state, 'terminated');
});

test('RFC 6026 Accepted: INVITE retransmissions absorbed, TU 2xx passed, ACK to TU, Timer L', () => {
  const s = setup(false);
  s.tx.respond(response(s.invite, 200));
  assert.equal(s.tx.state, 'accepted');
  s.tx.receiveRequest(s.invite);
  assert.equal(s.sender.count(200), 1, 'absorbed, not answered by the transaction');
  s.clock.advance(5_000);
  assert.equal(s.sender.count(200), 1, 'no Timer G for 2xx');
  s.tx.respond(response(s.invite, 200));
  assert.equal(s.sender.count(200), 2, 'TU retransmission passed through');
  s.tx.respond(response(s.invite, 486));
  assert.equal(s.sender.count(486), 0, 'no other final after a 2xx');
  s.tx.receiveRequest(request('ACK'));
  assert.equal(s.acks.length, 1);
  s.clock.advance(27_000); // 32 s = Timer L
  assert.equal(s.tx.state, 'terminated');
  assert.equal(s.terminatedCount(), 1);
});

test('transport error while sending a response', async () => {
  const s = setup(true);
  s.sender.failNext = true;
  s.tx.respond(response(s.invite, 180));
  await flush();
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['transport-error']);
});
