/**
 * Nothing unauthenticated reaches a trunk. A carrier played by sipp listens as the trunk (127.0.0.1) and
 * records every message. From 127.0.0.3 (not a trunk's address) an INVITE to an outside number without
 * credentials is challenged, and with wrong credentials challenged again or refused; from the carrier's
 * own address a number that is not one of Parley's is refused (no hairpin back out); an authenticated
 * user who may not call external numbers (`canCallOut: false`) gets 403. The carrier sees none of those
 * numbers. Then an authenticated user (from 127.0.0.2) calls out, which the carrier does
 * see: the carrier was listening all along, so the zero above means something.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { carrierTrunk, startCarrier, TEST_TRUNK } from './helpers/carrier.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, runSipp, type SippRun, sippCount } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { USERS, users } from './helpers/users.ts';

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const skip = skipWithout('sipp');

const FRAUD_NUMBER = '+881234567890';
const FRAUD_NUMBER_2 = '+882345678901';
const FORBIDDEN_NUMBER = '+883456789012';
const ALLOWED_NUMBER = '+3221112233';

/** INVITE request lines the carrier received, from its message trace. */
function invitesSeen(messages: string): string[] {
  return [...messages.matchAll(/^INVITE (\S+) SIP\/2\.0/gm)].map((m) => m[1]!);
}

describe('toll fraud: unauthenticated calls never reach the trunk', { skip }, () => {
  let carrier: SippRun;

  // The carrier first: Parley is then told where it listens.
  before(async () => {
    carrier = await startCarrier(TEST_TRUNK, { calls: 2, traceMessages: true, timeoutSeconds: 40 });
  });
  after(async () => {
    await carrier?.stop();
  });
  const f = callFixture(() => ({
    name: 'toll-fraud',
    users: [...users('101'), { ...USERS['102']!, canCallOut: false }],
    trunks: [carrierTrunk(carrier.port)],
  }));

  test('from an address that is not a trunk, without valid credentials: challenged', async () => {
    const r = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-outside-unauthenticated.xml',
        from: '101',
        to: FRAUD_NUMBER,
        authPassword: 'not-the-password',
        extraArgs: ['-i', '127.0.0.3', '-mi', '127.0.0.3'],
        timeoutSeconds: 10,
      }),
    );
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.ok(sippCount(r, '407', false) >= 1, describeSipp(r));
  });

  test("from the carrier's own address, an outside number: refused or challenged", async () => {
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-outside-from-trunk.xml'),
      remote: `127.0.0.1:${f.parley.sipPort}`,
      service: FRAUD_NUMBER_2,
      set: { caller: '+3227770000' },
      calls: 1,
      timeoutSeconds: 10,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
  });

  test('an authenticated user not allowed to call out: 403', async () => {
    const r = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-outside-forbidden.xml',
        from: '102',
        to: FORBIDDEN_NUMBER,
        extraArgs: ['-i', '127.0.0.2', '-mi', '127.0.0.2'],
        timeoutSeconds: 10,
      }),
    );
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '403', false), 1, describeSipp(r));
  });

  test('the carrier saw none of it; authenticated users do reach it, even from its address', async () => {
    // From 127.0.0.2, and from 127.0.0.1, the carrier's own address (a phone on the same host or behind
    // the same NAT): a number that is not an incoming one is challenged there too, not refused.
    for (const address of ['127.0.0.2', '127.0.0.1']) {
      const call = await runSipp(
        sippCaller(f.parley, {
          scenario: 'calls-outside-call.xml',
          from: '101',
          to: ALLOWED_NUMBER,
          extraArgs: ['-i', address, '-mi', address],
          timeoutSeconds: 15,
        }),
      );
      assert.equal(
        call.exitCode,
        0,
        `from ${address}: ${describeSipp(call)}\n${f.parley.output().slice(-3000)}`,
      );
    }
    const r = await carrier.result;
    const seen = invitesSeen(r.messages);
    assert.ok(seen.length > 0, `the carrier traced nothing:\n${describeSipp(r)}`);
    for (const uri of seen) {
      assert.ok(!uri.includes(FRAUD_NUMBER.slice(1)), `a fraudulent INVITE reached the carrier: ${uri}`);
      assert.ok(!uri.includes(FRAUD_NUMBER_2.slice(1)), `a hairpin INVITE reached the carrier: ${uri}`);
      assert.ok(
        !uri.includes(FORBIDDEN_NUMBER.slice(1)),
        `a forbidden user's INVITE reached the carrier: ${uri}`,
      );
    }
    assert.equal(seen.length, 4, `each call challenged once, then answered: ${seen.join(', ')}`);
    assert.ok(
      seen.every((uri) => uri.includes(ALLOWED_NUMBER.slice(1))),
      seen.join(', '),
    );
    assert.equal(r.exitCode, 0, describeSipp(r));
    assert.equal(r.successfulCalls, 2, describeSipp(r));
    assert.equal(sippCount(r, 'BYE', false), 2, 'the callers hung up: the carrier got the BYEs');
    await noMediaLeft(f.parley);
  });
});
