/**
 * Model-free fuzzing of the four state machines (fast-check): any sequence of responses, requests,
 * TU answers, transport failures and elapsed time must never reach an invalid transition (they throw),
 * must end the transaction at most once, must send nothing once it has ended, and must end it by the
 * timers alone where the RFC gives a timer.
 */
import assert from 'node:assert/strict';
import test from 'node:test';
import fc from 'fast-check';
import { FakeClock } from './fake-clock.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { flush, RecordingSender, request, response } from './test-support.ts';
import { timersFor } from './timers.ts';

type Step =
  | { kind: 'message'; status: number }
  | { kind: 'ack' }
  | { kind: 'retransmission' }
  | { kind: 'advance'; ms: number }
  | { kind: 'fail-next-send' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('message' as const),
    status: fc.constantFrom(100, 180, 183, 200, 202, 404, 486, 503),
  }),
  fc.record({ kind: fc.constant('ack' as const) }),
  fc.record({ kind: fc.constant('retransmission' as const) }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('fail-next-send' as const) }),
);

const kinds = ['ict', 'nict', 'ist', 'nist'] as const;

test('no event sequence breaks a transaction machine', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...kinds),
      fc.boolean(),
      fc.array(step, { maxLength: 30 }),
      async (kind, reliable, steps) => {
        const clock = new FakeClock();
        const sender = new RecordingSender(reliable);
        const ctx = { sender, clock, timers: timersFor(reliable) };
        let terminated = 0;
        let failures = 0;
        let sentAtEnd = -1;
        const client = {
          receiveResponse: () => assert.equal(terminated, 0, 'nothing passed up after Terminated'),
          fail: () => failures++,
          terminated: () => {
            terminated++;
            sentAtEnd = sender.sent.length;
          },
        };
        const server = { fail: () => failures++, receiveAck: () => {}, terminated: client.terminated };
        const inv = request('INVITE');
        const req = request('OPTIONS');
        const tx =
          kind === 'ict'
            ? new InviteClientTransaction('x', inv, ctx, client)
            : kind === 'nict'
              ? new NonInviteClientTransaction('x', req, ctx, client)
              : kind === 'ist'
                ? new InviteServerTransaction('x', ctx, server)
                : new NonInviteServerTransaction('x', ctx, server);
        const original = kind === 'ict' || kind === 'ist' ? inv : req;
        for (const s of steps) {
          if (s.kind === 'advance') clock.advance(s.ms);
          else if (s.kind === 'fail-next-send') sender.failNext = true;
          else if (tx instanceof InviteClientTransaction || tx instanceof NonInviteClientTransaction) {
            if (s.kind === 'message') tx.receiveResponse(response(original, s.status));
          } else if (s.kind === 'message') tx.respond(response(original, s.status));
          else if (s.kind === 'ack') tx.receiveRequest(request('ACK'));
          else tx.receiveRequest(original);
          await flush();
        }
        assert.ok(terminated <= 1, 'Terminated at most once');
        assert.ok(failures <= 1, 'the TU hears of a failure at most once');
        if (terminated) assert.equal(sender.sent.length, sentAtEnd, 'nothing sent after Terminated');
        clock.advance(200_000);
        await flush();
        // Where the RFC gives a timer, time alone ends the transaction: all but a client INVITE that got a
        // provisional (it waits for the final or a CANCEL) and a server transaction the TU has not answered.
        const waits =
          (tx instanceof InviteClientTransaction && tx.state === 'proceeding') ||
          ((tx instanceof InviteServerTransaction || tx instanceof NonInviteServerTransaction) &&
            (tx.state === 'proceeding' || tx.state === 'trying'));
        if (!waits) assert.equal(tx.state, 'terminated', `${kind} stuck in ${tx.state}`);
        assert.ok(terminated <= 1);
      },
    ),
    { numRuns: 600 },
  );
});
