import assert from 'node:assert/strict';
import test from 'node:test';
import type { SipRequest } from '../message/types.ts';
import { FakeClock } from './fake-clock.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { type ResponseInfo, TransactionLayer } from './transaction-layer.ts';

const noUser = { fail: () => {}, terminated: () => {} };

function withBranch(req: SipRequest, branch: string): SipRequest {
  return {
    ...req,
    headers: req.headers.map((h) =>
      h.name === 'Via' ? { ...h, value: `SIP/2.0/UDP 127.0.0.1:5070;branch=${branch}` } : h,
    ),
  };
}

test('responses match by top branch and CSeq method (§17.1.3); others are strays', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const got: Array<[number, ResponseInfo]> = [];
  const invite = request('INVITE', 'z9hG4bKaaa');
  layer.sendRequest(invite, new RecordingSender(false), (r, i) => got.push([r.status, i]));
  assert.equal(layer.receiveResponse(response(invite, 180)), true);
  const cancelResponse = response(request('CANCEL', 'z9hG4bKaaa'), 200);
  assert.equal(
    layer.receiveResponse(cancelResponse),
    false,
    'same branch, other method: not this transaction',
  );
  assert.equal(layer.receiveResponse(response(request('INVITE', 'z9hG4bKother'), 200)), false);
  assert.deepEqual(got, [[180, { local: false }]]);
});

test('Timer B gives the TU a local 408; a transport failure a local 503', async () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ clock });
  const got: Array<[number, boolean]> = [];
  layer.sendRequest(request('INVITE', 'z9hG4bK1'), new RecordingSender(false), (r, i) =>
    got.push([r.status, i.local]),
  );
  const failing = new RecordingSender(true);
  failing.failNext = true;
  layer.sendRequest(request('OPTIONS', 'z9hG4bK2'), failing, (r, i) => got.push([r.status, i.local]));
  await flush();
  assert.deepEqual(got, [[503, true]]);
  clock.advance(32_000);
  assert.deepEqual(got, [
    [503, true],
    [408, true],
  ]);
  assert.deepEqual(layer.size, { clients: 0, servers: 0 }, 'terminated transactions are forgotten');
});

test('requests: new, retransmission absorbed, non-2xx ACK to the transaction, 2xx ACK to the TU', () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ clock });
  const sender = new RecordingSender(false);
  const invite = request('INVITE', 'z9hG4bKinv');
  const first = layer.receiveRequest(invite, sender, noUser);
  assert.equal(first.kind, 'new');
  if (first.kind !== 'new') return;
  first.transaction.respond(response(invite, 180));
  const again = layer.receiveRequest(invite, sender, noUser);
  assert.equal(again.kind, 'absorbed');
  assert.equal(sender.count(180), 2, 'the retransmitted INVITE got the 180 again');
  first.transaction.respond(response(invite, 486));
  // §17.2.3: the ACK for a non-2xx carries the INVITE's branch and matches its transaction.
  const ack = layer.receiveRequest(request('ACK', 'z9hG4bKinv'), sender, noUser);
  assert.equal(ack.kind, 'absorbed');
  assert.equal(first.transaction.state, 'confirmed');
  // The ACK for a 2xx has a new branch (§13.2.2.4): no transaction, the TU's.
  const ack2xx = layer.receiveRequest(request('ACK', 'z9hG4bKnew'), sender, noUser);
  assert.equal(ack2xx.kind, 'ack');
});

test('CANCEL gets its own transaction and finds the INVITE it cancels (§9.2)', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const sender = new RecordingSender(false);
  const invite = request('INVITE', 'z9hG4bKc1');
  const inv = layer.receiveRequest(invite, sender, noUser);
  const cancel = layer.receiveRequest(request('CANCEL', 'z9hG4bKc1'), sender, noUser);
  assert.equal(cancel.kind, 'cancel');
  if (cancel.kind !== 'cancel' || inv.kind !== 'new') return;
  assert.equal(cancel.target, inv.transaction);
  assert.notEqual(cancel.transaction, inv.transaction);
  const stray = layer.receiveRequest(request('CANCEL', 'z9hG4bKnone'), sender, noUser);
  assert.ok(stray.kind === 'cancel' && stray.target === undefined);
});

test('RFC 2543 requests (no magic cookie) still match their retransmissions and ACK', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const sender = new RecordingSender(false);
  const invite = withBranch(request('INVITE'), 'old1');
  const first = layer.receiveRequest(invite, sender, noUser);
  assert.equal(first.kind, 'new');
  assert.equal(layer.receiveRequest(invite, sender, noUser).kind, 'absorbed');
  if (first.kind !== 'new') return;
  first.transaction.respond(response(invite, 404));
  const ack: SipRequest = withBranch(request('ACK'), 'old1');
  assert.equal(layer.receiveRequest(ack, sender, noUser).kind, 'absorbed');
  assert.equal(first.transaction.state, 'confirmed');
});

test('a request without a Via cannot be matched', () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const req = request('OPTIONS');
  req.headers = req.headers.filter((h) => h.name !== 'Via');
  assert.equal(layer.receiveRequest(req, new RecordingSender(false), noUser).kind, 'invalid');
});
