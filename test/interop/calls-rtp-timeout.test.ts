/**
 * Hang-up on RTP timeout, and not on hold. Parley runs with a 2 s RTP timeout (PARLEY_RTP_TIMEOUT_MS).
 * - baresip 101 calls 102 and puts the call on hold (a re-INVITE with a=sendonly, after which baresip
 *   sends no RTP): the call outlives several timeouts; resumed, the two hear each other again.
 * - 102's phone vanishes (killed: no BYE, no more RTP): Parley notices the silence and hangs up 101 with
 *   a BYE, and the call record says why.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CALLER_AND_CALLEE, callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, recordingSoFar, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox');
const RTP_TIMEOUT_MS = 2000;

describe('RTP timeout', { skip }, () => {
  // A phone killed by a test has exited already: stopping it only removes its directory.
  const f = callFixture({
    name: 'rtp-timeout',
    users: users('101', '102'),
    phones: CALLER_AND_CALLEE,
    parley: { env: { PARLEY_RTP_TIMEOUT_MS: String(RTP_TIMEOUT_MS) } },
  });

  test('a call on hold is not a dead call; resumed, it carries both voices', async () => {
    const [a, b] = await f.call('101', '102', '102');
    await sleep(1000);
    await a.command('hold');
    await sleep(RTP_TIMEOUT_MS * 3);
    for (const phone of [a, b]) {
      const closed = phone.events.find((e) => e.type === 'CALL_CLOSED');
      assert.equal(closed, undefined, `the held call was hung up: ${JSON.stringify(closed)}`);
    }
    await a.command('resume');
    await sleep(2500);
    const { samples, sampleRate } = recordingSoFar(b.dir);
    const w = windowBefore(samples, sampleRate, samples.length, 1, 0.1);
    const what = describeWindow(w, sampleRate, [700]);
    assert.ok(toneShare(w, sampleRate, 700) > 0.6, `102 should hear 101 again after resume: ${what}`);
  });

  test('the far end vanishes: Parley hangs up the other side', async () => {
    const a = f.phone('101');
    const b = f.phone('102');
    const before = Date.now();
    const gone = new Promise((r) => b.child.once('exit', r));
    b.child.kill('SIGKILL');
    await gone;
    const closed = await a.event('CALL_CLOSED', RTP_TIMEOUT_MS + 8000);
    assert.ok(Date.now() - before >= RTP_TIMEOUT_MS - 200, 'not before the timeout');
    assert.ok(closed);
    const records = await waitFor('the call record', async () => {
      const list = await f.parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
      return list.items.length > 0 ? list.items : undefined;
    });
    assert.equal(records[0]!.disposition, 'answered', JSON.stringify(records[0]));
    assert.match(f.parley.output(), /no RTP for too long/);
    await noMediaLeft(f.parley);
  });
});
