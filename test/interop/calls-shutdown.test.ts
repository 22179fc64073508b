/**
 * Graceful shutdown with a call in progress: baresip 101 talks to baresip 102 through Parley, then
 * `parley serve` gets SIGTERM. A new INVITE is refused with 503 and Retry-After (sipp), the live call
 * goes on (both still hear each other), and once the grace period (PARLEY_SHUTDOWN_GRACE_MS) is over
 * Parley sends BYE to both phones and exits cleanly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CALLER_AND_CALLEE, callFixture } from './helpers/call-fixture.ts';
import { describeSipp, runSipp, sippCount } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, recordingSoFar, sleep, toneShare, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

const GRACE_MS = 8000;
/** The tones of CALLER_AND_CALLEE. */
const TONES: Record<string, number> = { '101': 700, '102': 1300 };

describe('SIGTERM with a call in progress', { skip }, () => {
  const f = callFixture({
    name: 'shutdown',
    users: users('101', '102', '103'),
    phones: CALLER_AND_CALLEE,
    parley: { env: { PARLEY_SHUTDOWN_GRACE_MS: String(GRACE_MS) } },
  });

  test('new calls get 503, the live call goes on, then BYE', async () => {
    const [a, b] = await f.call('101', '102', '102');
    await sleep(1000);

    const exited = new Promise<number | null>((r) => f.parley.child.once('exit', (code) => r(code)));
    const sigterm = Date.now();
    f.parley.child.kill('SIGTERM');
    const refused = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-refused.xml',
        from: '103',
        to: '101',
        timeoutSeconds: 10,
      }),
    );
    assert.equal(refused.exitCode, 0, `${describeSipp(refused)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(refused, '503', false), 1, describeSipp(refused));

    // The call in progress is still up and carries both voices.
    const marks = [a, b].map((p) => recordingSoFar(p.dir).samples.length);
    await sleep(2000);
    assert.ok(Date.now() - sigterm < GRACE_MS - 500, 'the machine is too slow for this grace period');
    const during = [a, b].map((p) => recordingSoFar(p.dir));
    for (const [i, phone] of [a, b].entries()) {
      assert.equal(
        phone.events.find((e) => e.type === 'CALL_CLOSED'),
        undefined,
        'the live call was not hung up during the grace period',
      );
      const { samples, sampleRate } = during[i]!;
      const other = i === 0 ? TONES['102']! : TONES['101']!;
      const w = windowBefore(samples, sampleRate, samples.length, 1.5, 0.1);
      assert.ok(samples.length - marks[i]! >= sampleRate, 'audio kept arriving after SIGTERM');
      const what = describeWindow(w, sampleRate, [other]);
      assert.ok(toneShare(w, sampleRate, other) > 0.6, `should still hear ${other} Hz: ${what}`);
    }

    // The grace period ends: both legs get a BYE.
    await a.event('CALL_CLOSED', GRACE_MS + 5000);
    await b.event('CALL_CLOSED', 5000);
    assert.ok(Date.now() - sigterm >= GRACE_MS - 200, 'hung up only when the grace period was over');
    assert.equal(await exited, 0, f.parley.output().slice(-2000));
  });
});
