/**
 * A caller who does not know a conference's access code: sipp (user 101, digest credentials) dials the
 * room (over UDP, then over TCP), types a wrong code and `#` three times as SIP INFO digits, and must then
 * receive Parley's BYE (the scenario fails on a BYE that comes too early or not at all). The call record
 * says it was answered and ended, and nobody is left in the room.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { describeSipp, runSipp, sippCount, sippPath } from './helpers/sipp.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-wrong-code.xml');
const skip = sippPath() ? false : 'sipp is not installed';

describe('a wrong access code three times', { skip }, () => {
  let parley: ParleyProcess;
  let conferenceId: string;

  before(async () => {
    parley = await startParley();
    const created = await parley.provision({
      users: [{ name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' }],
      conferences: [{ name: 'Board', extension: '500', accessCode: '1234', waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
  });

  after(async () => {
    await parley?.stop();
  });

  for (const transport of ['u1', 't1'] as const) {
    test(`ends in a BYE from Parley (${transport === 'u1' ? 'UDP' : 'TCP'})`, async () => {
      const records = async () =>
        (await parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls')).items;
      const before = (await records()).length;
      const r = await runSipp({
        scenario: SCENARIO,
        transport,
        remote: `127.0.0.1:${parley.sipPort}`,
        service: '500',
        authUser: '101',
        authPassword: 'alice-secret-1',
        set: { caller: '101' },
        // sipp's digest uri defaults to sip:host:port; Parley checks it against the Request-URI (RFC 2617 §3.2.2.5).
        extraArgs: ['-auth_uri', `500@127.0.0.1:${parley.sipPort}`],
        calls: 1,
        timeoutSeconds: 40,
      });
      assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
      assert.equal(r.successfulCalls, 1, describeSipp(r));
      assert.equal(sippCount(r, 'INFO', true), 9, 'nine digits were typed');
      assert.equal(sippCount(r, 'BYE', false), 1, 'Parley hung up once');
      const participants = await parley.api<unknown[]>(
        'GET',
        `/api/conferences/${conferenceId}/participants`,
      );
      assert.deepEqual(participants, [], 'the caller never got into the room');
      // The call record is written when the call ends: the answered call that Parley ended.
      const calls = await waitFor(async () => {
        const list = await records();
        return list.length > before ? list : undefined;
      });
      assert.equal(calls[0]!.to, '500');
      assert.equal(calls[0]!.disposition, 'answered');
      await noMediaLeft(parley);
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
