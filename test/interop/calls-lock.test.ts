/**
 * A locked conference (`POST /api/conferences/{id}/lock`): a caller who is not the room's administrator
 * is answered, told the conference is locked, and hung up (sipp waits for Parley's BYE); the admin
 * (baresip 100) still gets in.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, runSipp, sippCount } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { waitFor } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

describe('a locked conference', { skip }, () => {
  const f = callFixture({
    name: 'lock',
    users: users('100', '101'),
    conferences: [{ name: 'Board', extension: '600', adminExtension: '100', waitForAdmin: false }],
    phones: [{ extension: '100', tone: 1300 }],
  });

  test('refuses others, lets the admin in', async () => {
    const admin = f.phone('100');
    await f.parley.api('POST', `/api/conferences/${f.conferenceId}/lock`, {});
    const r = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-await-bye.xml',
        from: '101',
        to: '600',
        timeoutSeconds: 25,
      }),
    );
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    assert.deepEqual(await f.participants(), [], 'nobody got in');

    await admin.command('dial', '600');
    await admin.event('CALL_ESTABLISHED');
    const inRoom = await waitFor('the admin in the locked room', async () => {
      const list = await f.participants();
      return list.length === 1 ? list : undefined;
    });
    assert.equal(inRoom[0]!.role, 'admin');
    await admin.command('hangup');
    await admin.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });
});
