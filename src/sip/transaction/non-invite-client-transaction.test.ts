import assert from 'node:assert/strict';
import test from 'node:test';
import type { SipResponse } from '../message/types.ts';
import { FakeClock } from './fake-clock.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { timersFor } from './timers.ts';

function setup(reliable: boolean, failFirst = false) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  sender.failNext = failFirst;
  const got: SipResponse[] = [];
  const failures: string[] = [];
  const req = request('OPTIONS');
  const tx = new NonInviteClientTransaction(
    'x',
    req,
    { sender, clock, timers: timersFor(reliable) },
    { receiveResponse: (r) => got.push(r), fail: (r) => failures.push(r), terminated: () => {} },
  );
  return { clock, sender, got, failures, tx, req };
}

test('UDP Trying: Timer E doubles up to T2, Timer F times out at 64*T1', () => {
  const s = setup(false);
  // Retransmissions at 0.5, 1.5, 3.5, 7.5, then every 4 s: 11.5, 15.5, 19.5, 23.5, 27.5, 31.5.
  s.clock.advance(7_500);
  assert.equal(s.sender.count('OPTIONS'), 5);
  s.clock.advance(4_000);
  assert.equal(s.sender.count('OPTIONS'), 6, 'capped at T2');
  s.clock.advance(20_499);
  assert.equal(s.sender.count('OPTIONS'), 11);
  assert.equal(s.tx.state, 'trying');
  s.clock.advance(1);
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['timeout']);
});

test('Proceeding retransmits every T2; a final response completes; Timer K = T4 absorbs', () => {
  const s = setup(false);
  s.tx.receiveResponse(response(s.req, 100));
  assert.equal(s.tx.state, 'proceeding');
  s.clock.advance(500); // E was armed at T1 before the 1xx
  assert.equal(s.sender.count('OPTIONS'), 2);
  s.clock.advance(3_999);
  assert.equal(s.sender.count('OPTIONS'), 2);
  s.clock.advance(1); // T2 later
  assert.equal(s.sender.count('OPTIONS'), 3);
  s.tx.receiveResponse(response(s.req, 200));
  assert.equal(s.tx.state, 'completed');
  s.tx.receiveResponse(response(s.req, 200));
  assert.equal(s.got.length, 2, 'the retransmitted final is absorbed');
  s.clock.advance(4_999);
  assert.equal(s.tx.state, 'completed');
  assert.equal(s.sender.count('OPTIONS'), 3, 'no retransmission once Completed');
  s.clock.advance(1);
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, []);
});

test('reliable: no Timer E, Timer K zero', () => {
  const s = setup(true);
  s.clock.advance(31_000);
  assert.equal(s.sender.count('OPTIONS'), 1);
  s.tx.receiveResponse(response(s.req, 404));
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(0);
  assert.equal(s.tx.state, 'terminated');
});

test('transport error → TU told, Terminated', async () => {
  const s = setup(true, true);
  await flush();
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['transport-error']);
});

test('§17.1.4: a lost connection fails Trying and Proceeding at once; Completed keeps going', () => {
  const lost = new Error('connection closed');
  for (const state of ['trying', 'proceeding'] as const) {
    const s = setup(true);
    if (state === 'proceeding') s.tx.receiveResponse(response(s.req, 100));
    assert.equal(s.tx.state, state);
    assert.equal(s.tx.connectionLost(lost), true);
    assert.equal(s.tx.state, 'terminated');
    assert.deepEqual(s.failures, ['transport-error'], `from ${state}, with no timer fired`);
  }
  const done = setup(true);
  done.tx.receiveResponse(response(done.req, 200));
  assert.equal(done.tx.connectionLost(lost), false);
  assert.equal(done.tx.state, 'completed');
  assert.deepEqual(done.failures, []);
});
