/**
 * A re-INVITE that changes the codec (RFC 3264 §8.3.2): sipp, as phone 101 in a conference, joins with
 * µ-law, then re-offers A-law alone at another port. Parley answers A-law (checked by the scenario) and
 * the leg's session switches: baresip 102's 1300 Hz tone reaches the new port as A-law packets.
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
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, sippCount, sippPath, startSipp } from './helpers/sipp.ts';
import { describeWindow, SOX, sleep, toneFile, toneShare, waitFor, windowBefore } from './helpers/tones.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-reinvite-codec.xml');
const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

describe('a re-INVITE that changes the codec', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let phone: Baresip;
  let conferenceId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-reinvite-codec-'));
    parley = await startParley();
    const created = await parley.provision({
      users: [
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
        { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
      ],
      conferences: [{ name: 'Sales', extension: '500', waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
    phone = await startPhone({
      extension: '102',
      password: 'bob-secret-22',
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: toneFile(dir, 1300),
    });
    await phone.registered();
  });

  after(async () => {
    await phone?.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the room's audio moves to the new port in the new codec", async (t) => {
    const participants = async () =>
      (await parley.api<unknown[]>('GET', `/api/conferences/${conferenceId}/participants`)).length;
    await phone.command('dial', '500');
    await phone.event('CALL_ESTABLISHED');
    await waitFor('102 in the room', async () => ((await participants()) === 1 ? true : undefined));

    const first = await rtpListener();
    const second = await rtpListener();
    t.after(() => {
      first.socket.close();
      second.socket.close();
    });
    const caller = await startSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '500',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101', rtpa: String(first.port), rtpb: String(second.port) },
      extraArgs: ['-auth_uri', `500@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 30,
    });
    t.after(() => caller.stop());
    // Before the re-INVITE (3 s after the ACK), the room reaches the first port in µ-law.
    await waitFor('audio at the first port', () => (first.audio().length > 8000 ? true : undefined), 10_000);
    // After it, at the second: 2.5 s of it, the entering prompt long over.
    await waitFor(
      'audio at the port of the re-offer',
      () => (second.audio().length >= 2.5 * 8000 ? true : undefined),
      15_000,
    ).catch(async (err) => {
      const r = await caller.stop();
      throw new Error(`${err}\n${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    });
    const stoppedAt = first.audio().length;
    await sleep(1000);
    assert.ok(
      first.audio().length - stoppedAt < 800,
      `the old port still receives: ${first.audio().length - stoppedAt} samples in 1 s`,
    );
    assert.deepEqual([...first.payloadTypes], [0], 'µ-law before');
    assert.deepEqual([...second.payloadTypes], [8], 'A-law after');
    const heard = second.audio();
    const w = windowBefore(heard, 8000, heard.length, 1.5, 0.1);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `the new port should carry 102's 1300 Hz: ${describeWindow(w, 8000, [1300])}`);

    const r = await caller.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, 'INVITE', true), 3, describeSipp(r));
    await phone.command('hangup');
    await phone.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });
});
