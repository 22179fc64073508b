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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, type Baresip } from './helpers/baresip.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { describeSipp, sippCount, sippPath, startSipp } from './helpers/sipp.ts';
import { describeWindow, SOX, sleep, toneFile, toneShare, windowBefore } from './helpers/tones.ts';

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

const USERS = [
  { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
  { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
  { name: 'Carol', extension: '103', sipPassword: 'carol-secret-3' },
  { name: 'Dave', extension: '104', sipPassword: 'dave-secret-44' },
];
const TONES: Record<string, number> = { '102': 1300, '103': 700, '104': 1900 };

describe('blind transfer by REFER', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  const phones = new Map<string, Baresip>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-transfer-'));
    parley = await startParley();
    await parley.provision({ users: USERS });
    for (const ext of ['102', '103', '104']) {
      const phone = await startPhone({
        extension: ext,
        password: USERS.find((u) => u.extension === ext)!.sipPassword,
        domain: parley.domain,
        pbxPort: parley.sipPort,
        source: toneFile(dir, TONES[ext]!),
        autoAnswer: ext !== '104',
      });
      phones.set(ext, phone);
    }
    for (const phone of phones.values()) await phone.registered();
  });

  after(async () => {
    for (const p of phones.values()) await p.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** sipp as 101 calls 102 and sends REFER to `target` with the given scenario. */
  function transfer(scenario: string, target: string) {
    return startSipp({
      scenario: join(SCENARIOS, scenario),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '102',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101', target },
      extraArgs: ['-auth_uri', `102@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 40,
    });
  }

  test('101 transfers 102 to 103: NOTIFY 100 then 200, and 102 and 103 hear each other', async () => {
    const b = phones.get('102')!;
    const c = phones.get('103')!;
    const run = await transfer('calls-transfer.xml', '103');
    await b.event('CALL_ESTABLISHED', 15000);
    await c.event('CALL_ESTABLISHED', 20000);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, '202', false), 1, describeSipp(r));
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    await sleep(4000);
    await c.command('hangup');
    await c.event('CALL_CLOSED');
    // The transferred party hears the target's BYE through Parley.
    await b.event('CALL_CLOSED', 5000);
    for (const [phone, own, other] of [
      [b, TONES['102']!, TONES['103']!],
      [c, TONES['103']!, TONES['102']!],
    ] as const) {
      const { samples, sampleRate } = phone.received();
      const w = windowBefore(samples, sampleRate, samples.length, 2.5, 0.5);
      const what = describeWindow(w, sampleRate, [own, other]);
      assert.ok(toneShare(w, sampleRate, other) > 0.6, `should hear ${other} Hz: ${what}`);
      assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear its own ${own} Hz: ${what}`);
    }
    await noMediaLeft(parley);
  });

  test('the target declines: NOTIFY 486, and the original call goes on', async () => {
    const b = phones.get('102')!;
    const d = phones.get('104')!;
    const run = await transfer('calls-transfer-busy.xml', '104');
    await b.event('CALL_ESTABLISHED', 15000);
    await d.event('CALL_INCOMING', 20000);
    await d.command('hangup');
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    // sipp, still in the call, hung up itself (its BYE got 200, not 481); 102 hears that BYE.
    await b.event('CALL_CLOSED', 5000);
    await d.event('CALL_CLOSED', 5000);
    await noMediaLeft(parley);
  });

  test('a target that is no extension: NOTIFY 403, and the original call goes on', async () => {
    const b = phones.get('102')!;
    const run = await transfer('calls-transfer-forbidden.xml', '15550001');
    await b.event('CALL_ESTABLISHED', 15000);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, 'NOTIFY', false), 2, describeSipp(r));
    await b.event('CALL_CLOSED', 5000);
    await noMediaLeft(parley);
  });

  test('the callee transfers (baresip sends REFER): the caller and the target hear each other', async () => {
    const caller = phones.get('104')!;
    const b = phones.get('102')!;
    const c = phones.get('103')!;
    await caller.command('dial', '102');
    await caller.event('CALL_ESTABLISHED', 15000);
    await b.event('CALL_ESTABLISHED', 15000);
    await sleep(1000);
    await b.command('transfer', `sip:103@${parley.domain}`);
    await c.event('CALL_ESTABLISHED', 20000);
    // The referrer leaves the call once the transfer worked.
    await b.event('CALL_CLOSED', 10000);
    await sleep(4000);
    await caller.command('hangup');
    await caller.event('CALL_CLOSED');
    await c.event('CALL_CLOSED', 5000);
    for (const [phone, own, other] of [
      [caller, TONES['104']!, TONES['103']!],
      [c, TONES['103']!, TONES['104']!],
    ] as const) {
      const { samples, sampleRate } = phone.received();
      const w = windowBefore(samples, sampleRate, samples.length, 2.5, 0.5);
      const what = describeWindow(w, sampleRate, [own, other]);
      assert.ok(toneShare(w, sampleRate, other) > 0.6, `should hear ${other} Hz: ${what}`);
      assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear its own ${own} Hz: ${what}`);
    }
    await noMediaLeft(parley);
  });
});
