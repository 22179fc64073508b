/**
 * Hang-up on RTP timeout, and not on hold. Parley runs with a 2 s RTP timeout (PARLEY_RTP_TIMEOUT_MS).
 * - baresip 101 calls 102 and puts the call on hold (a re-INVITE with a=sendonly, after which baresip
 *   sends no RTP): the call outlives several timeouts; resumed, the two hear each other again.
 * - 102's phone vanishes (killed: no BYE, no more RTP): Parley notices the silence and hangs up 101 with
 *   a BYE, and the call record says why.
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
const RTP_TIMEOUT_MS = 2000;

describe('RTP timeout', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let a: Baresip;
  let b: Baresip;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-rtp-timeout-'));
    parley = await startParley({ env: { PARLEY_RTP_TIMEOUT_MS: String(RTP_TIMEOUT_MS) } });
    await parley.provision({
      users: [
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
        { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
      ],
    });
    [a, b] = await Promise.all([
      startPhone({
        extension: '101',
        password: 'alice-secret-1',
        domain: parley.domain,
        pbxPort: parley.sipPort,
        source: toneFile(dir, 700),
      }),
      startPhone({
        extension: '102',
        password: 'bob-secret-22',
        domain: parley.domain,
        pbxPort: parley.sipPort,
        source: toneFile(dir, 1300),
        autoAnswer: true,
      }),
    ]);
    await Promise.all([a.registered(), b.registered()]);
  });

  after(async () => {
    for (const p of [a, b]) {
      if (!p) continue;
      // A phone killed by the test has exited already: only its directory is left to remove.
      if (p.child.signalCode !== null) rmSync(p.dir, { recursive: true, force: true });
      else await p.stop().catch(() => {});
    }
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a call on hold is not a dead call; resumed, it carries both voices', async () => {
    await a.command('dial', '102');
    await a.event('CALL_ESTABLISHED');
    await b.event('CALL_ESTABLISHED');
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
    const before = Date.now();
    const gone = new Promise((r) => b.child.once('exit', r));
    b.child.kill('SIGKILL');
    await gone;
    const closed = await a.event('CALL_CLOSED', RTP_TIMEOUT_MS + 8000);
    assert.ok(Date.now() - before >= RTP_TIMEOUT_MS - 200, 'not before the timeout');
    assert.ok(closed);
    const records = await waitFor('the call record', async () => {
      const list = await parley.api<{ items: Array<Record<string, unknown>> }>('GET', '/api/calls');
      return list.items.length > 0 ? list.items : undefined;
    });
    assert.equal(records[0]!.disposition, 'answered', JSON.stringify(records[0]));
    assert.match(parley.output(), /no RTP for too long/);
    await noMediaLeft(parley);
  });
});
