/**
 * One user calls another through Parley (the B2BUA bridges the two legs' media in the engine): baresip
 * 101 dials baresip 102, which answers by itself, and each hears the other's tone and not its own. A
 * user with no registered phone gets 480 (sipp), and a caller giving up while the callee rings sends
 * CANCEL: 487 to the caller, and the ringing phone stops ringing (Parley cancelled its leg); a callee who
 * declines is busy (486) for the caller.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CALLER_AND_CALLEE, callFixture } from './helpers/call-fixture.ts';
import { assertHearEachOther } from './helpers/hearing.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, runSipp, sippCount, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { sleep } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

/** CALLER_AND_CALLEE's tones, and 104's. */
const TONES: Record<string, number> = { '101': 700, '102': 1300, '104': 1900 };

describe('direct calls between users', { skip }, () => {
  // 103 never registers; 104 rings without answering.
  const f = callFixture({
    name: 'direct',
    users: users('101', '102', '103', '104'),
    phones: [...CALLER_AND_CALLEE, { extension: '104', tone: TONES['104']! }],
  });

  test('101 calls 102: each hears the other, not itself', async () => {
    const [a, b] = await f.call('101', '102', '102');
    await sleep(5000);
    await a.command('hangup');
    // The callee hears the BYE through Parley.
    await b.event('CALL_CLOSED');
    await a.event('CALL_CLOSED');
    assertHearEachOther([a, TONES['101']!], [b, TONES['102']!], {
      seconds: 2.5,
      margin: 0.5,
      recording: 'ended',
    });
  });

  test('the callee hangs up: the caller gets the BYE', async () => {
    const [a, b] = await f.call('101', '102', '102');
    await b.command('hangup');
    await b.event('CALL_CLOSED');
    const closed = await a.event('CALL_CLOSED', 5000);
    assert.equal(closed.direction, 'outgoing', JSON.stringify(closed));
    await noMediaLeft(f.parley);
  });

  test('a user with no registered phone: 480', async () => {
    const r = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-unavailable.xml',
        from: '101',
        to: '103',
        timeoutSeconds: 15,
      }),
    );
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '480', false), 1, describeSipp(r));
    await noMediaLeft(f.parley);
  });

  test('the callee declines: the caller gets 486 Busy Here', async (t) => {
    const callee = f.phone('104');
    const run = await startSipp(
      sippCaller(f.parley, {
        scenario: 'calls-busy.xml',
        from: '101',
        to: '104',
        timeoutSeconds: 15,
      }),
    );
    t.after(() => run.stop());
    await callee.event('CALL_INCOMING');
    await callee.command('hangup');
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '486', false), 1, describeSipp(r));
    await callee.event('CALL_CLOSED');
    const calls = await f.parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
    const record = calls.items.find((c) => c.to === '104');
    assert.equal(record?.disposition, 'busy', JSON.stringify(calls.items));
    await noMediaLeft(f.parley);
  });

  test('CANCEL while the callee rings: 487, and the callee stops ringing', async () => {
    const callee = f.phone('104');
    const r = await runSipp(
      sippCaller(f.parley, {
        scenario: 'calls-cancel.xml',
        from: '101',
        to: '104',
        timeoutSeconds: 15,
      }),
    );
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '487', false), 1, describeSipp(r));
    await callee.event('CALL_INCOMING', 1000);
    // Parley's CANCEL reaches the ringing phone (baresip reports a cancelled incoming call as a reset).
    const closed = await callee.event('CALL_CLOSED', 5000);
    assert.match(String(closed.param ?? ''), /reset|cancel/i, JSON.stringify(closed));
    const calls = await f.parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
    const record = calls.items.find((c) => c.to === '104');
    assert.equal(record?.disposition, 'cancelled', JSON.stringify(calls.items));
    await noMediaLeft(f.parley);
  });
});
