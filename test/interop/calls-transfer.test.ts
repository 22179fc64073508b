/**
 * Blind transfer by REFER (RFC 3515) against a real `parley serve`: sipp, signed in as 101, calls 102
 * (baresip, answers by itself) and transfers it to 103 (baresip) with an in-dialog REFER. sipp checks
 * the 202, the NOTIFY "SIP/2.0 100 Trying" (Event: refer, message/sipfrag, active), the final
 * "SIP/2.0 200 OK" (terminated) and Parley's BYE; then 102 and 103 must hear each other's tones. A
 * target that declines (486) or is no extension (403) gets a failure NOTIFY and the call goes on. The
 * callee's side transfers too: baresip 102, called by baresip 104, sends REFER with its `transfer`
 * command, and 104 then talks to 103.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { assertHearEachOther } from './helpers/hearing.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, sippCount, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { sleep } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

const TONES: Record<string, number> = { '102': 1300, '103': 700, '104': 1900 };

describe('blind transfer by REFER', { skip }, () => {
  const f = callFixture({
    name: 'transfer',
    users: users('101', '102', '103', '104'),
    phones: [
      { extension: '102', tone: TONES['102']!, autoAnswer: true },
      { extension: '103', tone: TONES['103']!, autoAnswer: true },
      { extension: '104', tone: TONES['104']! },
    ],
  });

  /** sipp as 101 calls 102 and sends REFER to `target` with the given scenario; stopped at `t.after`. */
  async function transfer(t: { after(fn: () => unknown): void }, scenario: string, target: string) {
    const run = await startSipp(
      sippCaller(f.parley, { scenario, from: '101', to: '102', set: { target }, timeoutSeconds: 40 }),
    );
    t.after(() => run.stop());
    return run;
  }

  test('101 transfers 102 to 103: NOTIFY 100 then 200, and 102 and 103 hear each other', async (t) => {
    const b = f.phone('102');
    const c = f.phone('103');
    const run = await transfer(t, 'calls-transfer.xml', '103');
    await b.event('CALL_ESTABLISHED', 15000);
    await c.event('CALL_ESTABLISHED', 20000);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, '202', false), 1, describeSipp(r));
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    await sleep(4000);
    await c.command('hangup');
    await c.event('CALL_CLOSED');
    // The transferred party hears the target's BYE through Parley.
    await b.event('CALL_CLOSED', 5000);
    assertHearEachOther([b, TONES['102']!], [c, TONES['103']!], {
      seconds: 2.5,
      margin: 0.5,
      recording: 'ended',
    });
    await noMediaLeft(f.parley);
  });

  test('the target declines: NOTIFY 486, and the original call goes on', async (t) => {
    const b = f.phone('102');
    const d = f.phone('104');
    const run = await transfer(t, 'calls-transfer-busy.xml', '104');
    await b.event('CALL_ESTABLISHED', 15000);
    await d.event('CALL_INCOMING', 20000);
    await d.command('hangup');
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    // sipp, still in the call, hung up itself (its BYE got 200, not 481); 102 hears that BYE.
    await b.event('CALL_CLOSED', 5000);
    await d.event('CALL_CLOSED', 5000);
    await noMediaLeft(f.parley);
  });

  test('a target that is no extension: NOTIFY 403, and the original call goes on', async (t) => {
    const b = f.phone('102');
    const run = await transfer(t, 'calls-transfer-forbidden.xml', '15550001');
    await b.event('CALL_ESTABLISHED', 15000);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    await b.event('CALL_CLOSED', 5000);
    await noMediaLeft(f.parley);
  });

  test('the callee transfers (baresip sends REFER): the caller and the target hear each other', async () => {
    const caller = f.phone('104');
    const b = f.phone('102');
    const c = f.phone('103');
    await caller.command('dial', '102');
    await caller.event('CALL_ESTABLISHED', 15000);
    await b.event('CALL_ESTABLISHED', 15000);
    await sleep(1000);
    await b.command('transfer', `sip:103@${f.parley.domain}`);
    await c.event('CALL_ESTABLISHED', 20000);
    // The referrer leaves the call once the transfer worked.
    await b.event('CALL_CLOSED', 10000);
    await sleep(4000);
    await caller.command('hangup');
    await caller.event('CALL_CLOSED');
    await c.event('CALL_CLOSED', 5000);
    assertHearEachOther([caller, TONES['104']!], [c, TONES['103']!], {
      seconds: 2.5,
      margin: 0.5,
      recording: 'ended',
    });
    await noMediaLeft(f.parley);
  });
});
