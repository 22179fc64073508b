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

/** Sends `method` over `connection` (a stream connection the fake sender reports) and records the TU's responses. */
function sendOver(layer: TransactionLayer, method: string, branch: string, connection: string) {
  const got: Array<[number, boolean]> = [];
  const req = request(method, branch);
  const sender = new RecordingSender(true, connection);
  const tx = layer.sendRequest(req, sender, (r, i) => got.push([r.status, i.local]));
  return { got, req, tx, sender };
}

test('§17.1.4: a closing connection fails its pending client transactions at once, as a local 503', async () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ clock });
  const ringing = sendOver(layer, 'INVITE', 'z9hG4bKring', 'tcp-1');
  const trying = sendOver(layer, 'OPTIONS', 'z9hG4bKopt', 'tcp-1');
  const declined = sendOver(layer, 'INVITE', 'z9hG4bKbusy', 'tcp-1');
  const answered = sendOver(layer, 'INVITE', 'z9hG4bKok', 'tcp-1');
  const elsewhere = sendOver(layer, 'INVITE', 'z9hG4bKother', 'tcp-2');
  await flush(); // the sends resolve with their connection
  layer.receiveResponse(response(ringing.req, 180));
  layer.receiveResponse(response(elsewhere.req, 180));
  layer.receiveResponse(response(declined.req, 486));
  layer.receiveResponse(response(answered.req, 200));
  assert.equal(ringing.tx.state, 'proceeding');
  assert.equal(declined.tx.state, 'completed', 'Timer D (0 on a stream) has not fired: time stands still');
  assert.equal(answered.tx.state, 'accepted');

  layer.connectionClosed('tcp-1');
  // No time has passed: no Timer B/F could have fired; the failure comes from the close alone.
  assert.equal(clock.now(), 0);
  assert.deepEqual(ringing.got, [
    [180, false],
    [503, true],
  ]);
  assert.equal(ringing.tx.state, 'terminated');
  assert.deepEqual(trying.got, [[503, true]]);
  assert.deepEqual(declined.got, [[486, false]], 'a transaction with its final response is untouched');
  assert.equal(declined.tx.state, 'completed');
  assert.deepEqual(answered.got, [[200, false]]);
  assert.equal(answered.tx.state, 'accepted', 'Timer M still absorbs 2xx retransmissions');
  assert.deepEqual(elsewhere.got, [[180, false]], 'another connection is untouched');
  assert.equal(elsewhere.tx.state, 'proceeding');
  assert.equal(declined.sender.count('ACK'), 1, 'the 486 was ACKed, once');

  // A second report of the same close, or one for a connection nobody used, changes nothing.
  layer.connectionClosed('tcp-1');
  layer.connectionClosed('tcp-9');
  assert.equal(ringing.got.length, 2);
  assert.equal(elsewhere.got.length, 1);
});

test('the connection index forgets transactions as they end; UDP requests are never indexed', async () => {
  const clock = new FakeClock();
  const layer = new TransactionLayer({ clock });
  const a = sendOver(layer, 'INVITE', 'z9hG4bKa', 'tcp-1');
  const b = sendOver(layer, 'MESSAGE', 'z9hG4bKb', 'tcp-2');
  layer.sendRequest(request('OPTIONS', 'z9hG4bKudp'), new RecordingSender(false), () => {});
  await flush();
  assert.equal(layer.trackedConnections, 2);
  layer.receiveResponse(response(a.req, 603));
  layer.receiveResponse(response(b.req, 200));
  clock.advance(0); // Timers D and K are 0 on a stream
  assert.equal(a.tx.state, 'terminated');
  assert.equal(b.tx.state, 'terminated');
  assert.equal(layer.trackedConnections, 0);
  layer.connectionClosed('tcp-1');
  assert.deepEqual(a.got, [[603, false]]);
  clock.advance(32_000);
  assert.deepEqual(layer.size, { clients: 0, servers: 0 });
});

test('a connection that closed before its write was noted fails the transaction at once', async () => {
  const layer = new TransactionLayer({ clock: new FakeClock() });
  const got: number[] = [];
  const sender = new RecordingSender(true, 'tcp-7');
  sender.closed.add('tcp-7'); // its close was reported before the send resolved
  const tx = layer.sendRequest(request('INVITE', 'z9hG4bKlate'), sender, (r) => got.push(r.status));
  await flush();
  assert.deepEqual(got, [503]);
  assert.equal(tx.state, 'terminated');
  assert.equal(layer.trackedConnections, 0);
});
