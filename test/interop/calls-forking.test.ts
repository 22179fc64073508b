/**
 * Parallel ringing: user 102 has two phones registered (two baresip instances, desk and mobile). When 101
 * calls 102 both ring; the one that answers first gets the call (101 hears its tone), and Parley cancels
 * the other, which stops ringing without ever being connected.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import {
  describeWindow,
  recordingSoFar,
  SOX,
  sleep,
  toneFile,
  toneShare,
  waitFor,
  windowBefore,
} from './helpers/tones.ts';

const skip = !BARESIP ? 'baresip is not installed' : !SOX ? 'sox is not installed' : false;

describe('a user with two phones', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let caller: Baresip;
  let desk: Baresip;
  let mobile: Baresip;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-fork-'));
    parley = await startParley();
    await parley.provision({
      users: [
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
        { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
      ],
    });
    const phone = (extension: string, password: string, freq: number) =>
      Baresip.start({
        extension,
        password,
        domain: parley.domain,
        pbxPort: parley.sipPort,
        source: toneFile(dir, freq),
      });
    [caller, desk, mobile] = await Promise.all([
      phone('101', 'alice-secret-1', 700),
      phone('102', 'bob-secret-22', 1300),
      phone('102', 'bob-secret-22', 1900),
    ]);
    await Promise.all([caller, desk, mobile].map((p) => p.registered()));
  });

  after(async () => {
    for (const p of [caller, desk, mobile]) await p?.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('both ring, the first to answer wins, the other is cancelled', async () => {
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
    const { samples, sampleRate } = recordingSoFar(caller.dir);
    const w = windowBefore(samples, sampleRate, samples.length, 1.5, 0.1);
    const what = describeWindow(w, sampleRate, [1300, 1900]);
    assert.ok(toneShare(w, sampleRate, 1900) > 0.6, `101 should hear the mobile's 1900 Hz: ${what}`);
    assert.ok(toneShare(w, sampleRate, 1300) < 0.05, `101 should not hear the desk phone: ${what}`);
    await caller.command('hangup');
    await mobile.event('CALL_CLOSED');
    const records = await waitFor('the call record', async () => {
      const list = await parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
      return list.items.length > 0 ? list.items : undefined;
    });
    assert.equal(records.length, 1, `one call, not one per phone: ${JSON.stringify(records)}`);
    assert.equal(records[0]!.disposition, 'answered');
  });
});
