/**
 * One user calls another through Parley (the B2BUA bridges the two legs' media in the engine): baresip
 * 101 dials baresip 102, which answers by itself, and each hears the other's tone and not its own. A
 * user with no registered phone gets 480 (sipp), and a caller giving up while the callee rings sends
 * CANCEL: 487 to the caller, and the ringing phone stops ringing (Parley cancelled its leg); a callee who
 * declines is busy (486) for the caller.
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
import { describeSipp, runSipp, sippCount, sippPath, startSipp } from './helpers/sipp.ts';
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
const TONES: Record<string, number> = { '101': 700, '102': 1300, '104': 1900 };

describe('direct calls between users', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  const phones = new Map<string, Baresip>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-direct-'));
    parley = await startParley();
    await parley.provision({ users: USERS });
    // 103 never registers; 104 rings without answering.
    for (const ext of ['101', '102', '104']) {
      const phone = await startPhone({
        extension: ext,
        password: USERS.find((u) => u.extension === ext)!.sipPassword,
        domain: parley.domain,
        pbxPort: parley.sipPort,
        source: toneFile(dir, TONES[ext]!),
        autoAnswer: ext === '102',
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

  test('101 calls 102: each hears the other, not itself', async () => {
    const a = phones.get('101')!;
    const b = phones.get('102')!;
    await a.command('dial', '102');
    await a.event('CALL_ESTABLISHED');
    await b.event('CALL_ESTABLISHED');
    await sleep(5000);
    await a.command('hangup');
    // The callee hears the BYE through Parley.
    await b.event('CALL_CLOSED');
    await a.event('CALL_CLOSED');
    for (const [phone, own, other] of [
      [a, TONES['101']!, TONES['102']!],
      [b, TONES['102']!, TONES['101']!],
    ] as const) {
      const { samples, sampleRate } = phone.received();
      const w = windowBefore(samples, sampleRate, samples.length, 2.5, 0.5);
      const what = describeWindow(w, sampleRate, [own, other]);
      assert.ok(toneShare(w, sampleRate, other) > 0.6, `should hear ${other} Hz: ${what}`);
      assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear its own ${own} Hz: ${what}`);
    }
  });

  test('the callee hangs up: the caller gets the BYE', async () => {
    const a = phones.get('101')!;
    const b = phones.get('102')!;
    await a.command('dial', '102');
    await a.event('CALL_ESTABLISHED');
    await b.event('CALL_ESTABLISHED');
    await b.command('hangup');
    await b.event('CALL_CLOSED');
    const closed = await a.event('CALL_CLOSED', 5000);
    assert.equal(closed.direction, 'outgoing', JSON.stringify(closed));
    await noMediaLeft(parley);
  });

  test('a user with no registered phone: 480', async () => {
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-unavailable.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '103',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101' },
      extraArgs: ['-auth_uri', `103@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 15,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '480', false), 1, describeSipp(r));
    await noMediaLeft(parley);
  });

  test('the callee declines: the caller gets 486 Busy Here', async () => {
    const callee = phones.get('104')!;
    const run = await startSipp({
      scenario: join(SCENARIOS, 'calls-busy.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '104',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101' },
      extraArgs: ['-auth_uri', `104@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 15,
    });
    await callee.event('CALL_INCOMING');
    await callee.command('hangup');
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '486', false), 1, describeSipp(r));
    await callee.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });

  test('CANCEL while the callee rings: 487, and the callee stops ringing', async () => {
    const callee = phones.get('104')!;
    const r = await runSipp({
      scenario: join(SCENARIOS, 'calls-cancel.xml'),
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '104',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101' },
      extraArgs: ['-auth_uri', `104@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 15,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, '487', false), 1, describeSipp(r));
    await callee.event('CALL_INCOMING', 1000);
    // Parley's CANCEL reaches the ringing phone (baresip reports a cancelled incoming call as a reset).
    const closed = await callee.event('CALL_CLOSED', 5000);
    assert.match(String(closed.param ?? ''), /reset|cancel/i, JSON.stringify(closed));
    const calls = await parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
    const record = calls.items.find((c) => c.to === '104');
    assert.equal(record?.disposition, 'cancelled', JSON.stringify(calls.items));
    await noMediaLeft(parley);
  });
});
