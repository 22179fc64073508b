import assert from 'node:assert/strict';
import test from 'node:test';
import { FakeClock } from './fake-clock.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { timersFor } from './timers.ts';

function setup(reliable: boolean) {
  const clock = new FakeClock();
  const sender = new RecordingSender(reliable);
  const failures: string[] = [];
  const req = request('BYE');
  const tx = new NonInviteServerTransaction(
    'x',
    { sender, clock, timers: timersFor(reliable) },
    { fail: (r) => failures.push(r), terminated: () => {} },
  );
  return { clock, sender, failures, tx, req };
}

test('Trying absorbs retransmissions; Proceeding and Completed answer them with the last response', () => {
  const s = setup(false);
  s.tx.receiveRequest(s.req);
  assert.equal(s.sender.sent.length, 0);
  s.tx.respond(response(s.req, 100));
  assert.equal(s.tx.state, 'proceeding');
  s.tx.receiveRequest(s.req);
  assert.equal(s.sender.count(100), 2);
  s.tx.respond(response(s.req, 200));
  assert.equal(s.tx.state, 'completed');
  s.tx.receiveRequest(s.req);
  assert.equal(s.sender.count(200), 2);
  s.tx.respond(response(s.req, 500));
  assert.equal(s.sender.count(500), 0, 'a second final response is discarded');
});

test('UDP: Timer J = 64*T1', () => {
  const s = setup(false);
  s.tx.respond(response(s.req, 200));
  s.clock.advance(31_999);
  assert.equal(s.tx.state, 'completed');
  s.clock.advance(1);
  assert.equal(s.tx.state, 'terminated');
});

test('reliable: Timer J zero', () => {
  const s = setup(true);
  s.tx.respond(response(s.req, 200));
  s.clock.advance(0);
  assert.equal(s.tx.state, 'terminated');
});

test('transport error → TU told', async () => {
  const s = setup(false);
  s.sender.failNext = true;
  s.tx.respond(response(s.req, 200));
  await flush();
  assert.equal(s.tx.state, 'terminated');
  assert.deepEqual(s.failures, ['transport-error']);
});
