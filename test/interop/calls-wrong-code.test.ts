/**
 * A caller who does not know a conference's access code: sipp (user 101, digest credentials) dials the
 * room (over UDP, then over TCP), types a wrong code and `#` three times as SIP INFO digits, and must then
 * receive Parley's BYE (the scenario fails on a BYE that comes too early or not at all). The call record
 * says it was answered and ended, and nobody is left in the room.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, runSipp, sippCount } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('sipp');

describe('a wrong access code three times', { skip }, () => {
  const f = callFixture({
    name: 'wrong-code',
    users: users('101'),
    conferences: [{ name: 'Board', extension: '500', accessCode: '1234', waitForAdmin: false }],
  });

  for (const transport of ['u1', 't1'] as const) {
    test(`ends in a BYE from Parley (${transport === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const records = async () =>
        (await f.parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls')).items;
      const before = (await records()).length;
      const r = await runSipp(
        sippCaller(f.parley, {
          scenario: 'calls-wrong-code.xml',
          transport,
          from: '101',
          to: '500',
          timeoutSeconds: 40,
        }),
      );
      assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
      assert.equal(r.successfulCalls, 1, describeSipp(r));
      assert.equal(sippCount(r, 'INFO', true), 9, 'nine digits were typed');
      assert.equal(sippCount(r, 'BYE', false), 1, 'Parley hung up once');
      const participants = await f.participants();
      assert.deepEqual(participants, [], 'the caller never got into the room');
      // The call record is written when the call ends: the answered call that Parley ended.
      const calls = await waitFor(async () => {
        const list = await records();
        return list.length > before ? list : undefined;
      });
      assert.equal(calls[0]!.to, '500');
      assert.equal(calls[0]!.disposition, 'answered');
      await noMediaLeft(f.parley);
    });
  }
});

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
