/**
 * Graceful shutdown with a call in progress: baresip 101 talks to baresip 102 through Parley, then
 * `parley serve` gets SIGTERM. A new INVITE is refused with 503 and Retry-After (sipp), the live call
 * goes on (both still hear each other), and once the grace period (PARLEY_SHUTDOWN_GRACE_MS) is over
 * Parley sends BYE to both phones and exits cleanly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, type Baresip } from './helpers/baresip.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { describeSipp, runSipp, sippCount, sippPath } from './helpers/sipp.ts';
import {
  describeWindow,
  recordingSoFar,
  SOX,
  sleep,
  toneFile,
  toneShare,
  windowBefore,
} from './helpers/tones.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-refused.xml');
const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

const GRACE_MS = 8000;
const USERS = [
  { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
  { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
  { name: 'Carol', extension: '103', sipPassword: 'carol-secret-3' },
];
const TONES: Record<string, number> = { '101': 700, '102': 1300 };

describe('SIGTERM with a call in progress', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  const phones = new Map<string, Baresip>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-shutdown-'));
    parley = await startParley({ env: { PARLEY_SHUTDOWN_GRACE_MS: String(GRACE_MS) } });
    await parley.provision({ users: USERS });
    const started = await Promise.all(
      ['101', '102'].map((ext) =>
        startPhone({
          extension: ext,
          password: USERS.find((u) => u.extension === ext)!.sipPassword,
          domain: parley.domain,
          pbxPort: parley.sipPort,
          source: toneFile(dir, TONES[ext]!),
          autoAnswer: ext === '102',
        }),
      ),
    );
    phones.set('101', started[0]!);
    phones.set('102', started[1]!);
    await Promise.all(started.map((p) => p.registered()));
  });

  after(async () => {
    for (const p of phones.values()) await p.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('new calls get 503, the live call goes on, then BYE', async () => {
    const a = phones.get('101')!;
    const b = phones.get('102')!;
    await a.command('dial', '102');
    await a.event('CALL_ESTABLISHED');
    await b.event('CALL_ESTABLISHED');
    await sleep(1000);

    const exited = new Promise<number | null>((r) => parley.child.once('exit', (code) => r(code)));
    const sigterm = Date.now();
    parley.child.kill('SIGTERM');
    const refused = await runSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '101',
      authUser: '103',
      authPassword: 'carol-secret-3',
      set: { caller: '103' },
      extraArgs: ['-auth_uri', `101@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 10,
    });
    assert.equal(refused.exitCode, 0, `${describeSipp(refused)}\n${parley.output().slice(-2000)}`);
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
    assert.equal(await exited, 0, parley.output().slice(-2000));
  });
});
