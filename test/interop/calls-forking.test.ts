/**
 * Parallel ringing: user 102 has two phones registered (two baresip instances, desk and mobile). When 101
 * calls 102 both ring; the one that answers first gets the call (101 hears its tone), and Parley cancels
 * the other, which stops ringing without ever being connected. The same when Parley invites 102 into a
 * conference. Only the answered legs keep a media session (checked on /metrics).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { mediaSessions } from './helpers/parley-metrics.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, recordingSoFar, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox');

describe('a user with two phones', { skip }, () => {
  const f = callFixture({
    name: 'fork',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', accessCode: '1234', waitForAdmin: false }],
    phones: [
      { key: 'caller', extension: '101', tone: 700 },
      { key: 'desk', extension: '102', tone: 1300 },
      { key: 'mobile', extension: '102', tone: 1900 },
    ],
  });

  test('both ring, the first to answer wins, the other is cancelled', async () => {
    const [caller, desk, mobile] = ['caller', 'desk', 'mobile'].map((k) => f.phone(k));
    await caller.command('dial', '102');
    await Promise.all([desk.event('CALL_INCOMING'), mobile.event('CALL_INCOMING')]);
    await mobile.command('accept');
    await mobile.event('CALL_ESTABLISHED');
    await caller.event('CALL_ESTABLISHED');
    // Parley cancels the desk phone's ringing.
    await desk.event('CALL_CLOSED', 5000);
    assert.equal(
      desk.events.find((e) => e.type === 'CALL_ESTABLISHED'),
      undefined,
      'the desk phone was never connected',
    );
    await sleep(3000);
    // The caller's session and the winner's: the cancelled phone's is closed.
    assert.equal(await mediaSessions(f.parley), 2, 'RTP sessions open during the call');
    const { samples, sampleRate } = recordingSoFar(caller.dir);
    const w = windowBefore(samples, sampleRate, samples.length, 1.5, 0.1);
    const what = describeWindow(w, sampleRate, [1300, 1900]);
    assert.ok(toneShare(w, sampleRate, 1900) > 0.6, `101 should hear the mobile's 1900 Hz: ${what}`);
    assert.ok(toneShare(w, sampleRate, 1300) < 0.05, `101 should not hear the desk phone: ${what}`);
    await caller.command('hangup');
    await mobile.event('CALL_CLOSED');
    const records = await waitFor('the call record', async () => {
      const list = await f.parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
      return list.items.length > 0 ? list.items : undefined;
    });
    assert.equal(records.length, 1, `one call, not one per phone: ${JSON.stringify(records)}`);
    assert.equal(records[0]!.disposition, 'answered');
  });

  test('an invitation to 102 rings both phones; the loser is cancelled and its media closed', async () => {
    const [desk, mobile] = [f.phone('desk'), f.phone('mobile')];
    // Nothing left over from the call before.
    await waitFor('no RTP session open', async () =>
      (await mediaSessions(f.parley)) === 0 ? true : undefined,
    );
    const { conferenceId } = f;
    await f.parley.api('POST', `/api/conferences/${conferenceId}/invite`, { destination: '102' });
    await Promise.all([desk.event('CALL_INCOMING'), mobile.event('CALL_INCOMING')]);
    await desk.command('accept');
    await desk.event('CALL_ESTABLISHED');
    await mobile.event('CALL_CLOSED', 5000);
    await waitFor('the invitee in the room', async () => {
      const p = await f.parley.api<unknown[]>('GET', `/api/conferences/${conferenceId}/participants`);
      return p.length === 1 ? true : undefined;
    });
    await sleep(2500);
    // Only the answered leg's session: a forgotten one would never get RTP and, 30 s later, its RTP
    // timeout would hang up the invitee's call.
    assert.equal(await mediaSessions(f.parley), 1, 'RTP sessions open with one invitee in the room');
    await desk.command('hangup');
    await desk.event('CALL_CLOSED');
  });
});
