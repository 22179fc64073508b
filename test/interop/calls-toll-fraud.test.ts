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
import { startCarrier } from './helpers/carrier.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { describeSipp, runSipp, type SippRun, sippCount, sippPath } from './helpers/sipp.ts';

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const skip = sippPath() ? false : 'sipp is not installed';

const TRUNK = { username: 'parley-trunk', password: 'trunk-secret-9', callerId: '+3225550000' };
const FRAUD_NUMBER = '+881234567890';
const FRAUD_NUMBER_2 = '+882345678901';
const FORBIDDEN_NUMBER = '+883456789012';
const ALLOWED_NUMBER = '+3221112233';

/** INVITE request lines the carrier received, from its message trace. */
function invitesSeen(messages: string): string[] {
  return [...messages.matchAll(/^INVITE (\S+) SIP\/2\.0/gm)].map((m) => m[1]!);
}

describe('toll fraud: unauthenticated calls never reach the trunk', { skip }, () => {
  let parley: ParleyProcess;
  let carrier: SippRun;

  before(async () => {
    // The carrier first: Parley is then told where it listens.
    carrier = await startCarrier(TRUNK, { calls: 2, traceMessages: true, timeoutSeconds: 40 });
    parley = await startParley();
    await parley.provision({
      users: [
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
        { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22', canCallOut: false },
      ],
      trunks: [
        {
          name: 'Carrier',
          host: '127.0.0.1',
          port: carrier.port,
          transport: 'udp',
          username: TRUNK.username,
          password: TRUNK.password,
          register: false,
          callerId: TRUNK.callerId,
          inboundAddresses: [],
        },
      ],
    });
  });

  after(async () => {
    await carrier?.stop();
    await parley?.stop();
  });

  test('from an address that is not a trunk, without valid credentials: challenged', async () => {
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-outside-unauthenticated.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: FRAUD_NUMBER,
      authUser: '101',
      authPassword: 'not-the-password',
      set: { caller: '101' },
      extraArgs: [
        '-i',
        '127.0.0.3',
        '-mi',
        '127.0.0.3',
        '-auth_uri',
        `${FRAUD_NUMBER}@127.0.0.1:${parley.sipPort}`,
      ],
      calls: 1,
      timeoutSeconds: 10,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.ok(sippCount(r, '407', false) >= 1, describeSipp(r));
  });

  test("from the carrier's own address, an outside number: refused or challenged", async () => {
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-outside-from-trunk.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: FRAUD_NUMBER_2,
      set: { caller: '+3227770000' },
      calls: 1,
      timeoutSeconds: 10,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
  });

  test('an authenticated user not allowed to call out: 403', async () => {
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-outside-forbidden.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: FORBIDDEN_NUMBER,
      authUser: '102',
      authPassword: 'bob-secret-22',
      set: { caller: '102' },
      extraArgs: [
        '-i',
        '127.0.0.2',
        '-mi',
        '127.0.0.2',
        '-auth_uri',
        `${FORBIDDEN_NUMBER}@127.0.0.1:${parley.sipPort}`,
      ],
      calls: 1,
      timeoutSeconds: 10,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '403', false), 1, describeSipp(r));
  });

  test('the carrier saw none of it; authenticated users do reach it, even from its address', async () => {
    // From 127.0.0.2, and from 127.0.0.1, the carrier's own address (a phone on the same host or behind
    // the same NAT): a number that is not an incoming one is challenged there too, not refused.
    for (const address of ['127.0.0.2', '127.0.0.1']) {
      const call = await runSipp({
        scenario: join(SCENARIOS, 'calls-outside-call.xml'),
        remote: `127.0.0.1:${parley.sipPort}`,
        service: ALLOWED_NUMBER,
        authUser: '101',
        authPassword: 'alice-secret-1',
        set: { caller: '101' },
        extraArgs: [
          '-i',
          address,
          '-mi',
          address,
          '-auth_uri',
          `${ALLOWED_NUMBER}@127.0.0.1:${parley.sipPort}`,
        ],
        calls: 1,
        timeoutSeconds: 15,
      });
      assert.equal(
        call.exitCode,
        0,
        `from ${address}: ${describeSipp(call)}\n${parley.output().slice(-3000)}`,
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
    await noMediaLeft(parley);
  });
});
