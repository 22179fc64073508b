/**
 * Members with different codecs in one room: baresip 102 speaks µ-law (PCMU), a sipp caller (user 101)
 * offers only A-law (PCMA). Parley answers the A-law offer with A-law and sends the room to it in A-law
 * (the test listens on the RTP port of sipp's SDP and finds 102's tone there), and the A-law speech sipp
 * plays (sip-tester's capture) reaches 102 through the µ-law leg.
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
import { describeSipp, sippPath, startSipp } from './helpers/sipp.ts';
import {
  levelDb,
  recordingSoFar,
  SOX,
  sleep,
  soundingShare,
  toneFile,
  toneShare,
  waitFor,
  windowBefore,
} from './helpers/tones.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-alaw-member.xml');
const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

describe('a conference across G.711 µ-law and A-law', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let phone: Baresip;
  let conferenceId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-codecs-'));
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

  test('each hears the other through its own codec', async (t) => {
    const participants = async () =>
      (await parley.api<unknown[]>('GET', `/api/conferences/${conferenceId}/participants`)).length;
    await phone.command('dial', '500');
    await phone.event('CALL_ESTABLISHED');
    await waitFor('102 in the room', async () => ((await participants()) === 1 ? true : undefined));

    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const caller = await startSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '500',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101', rtpport: String(rtp.port) },
      extraArgs: ['-auth_uri', `500@127.0.0.1:${parley.sipPort}`],
      pcap: true,
      calls: 1,
      timeoutSeconds: 30,
    });
    await waitFor('the A-law caller in the room', async () =>
      (await participants()) === 2 ? true : undefined,
    );
    // In the room, before sipp starts playing (5 s after its ACK): the A-law leg carries 102's tone.
    await sleep(1300);
    assert.deepEqual([...rtp.payloadTypes], [8], 'Parley sends the A-law leg A-law');
    const toCaller = rtp.audio();
    const w = windowBefore(toCaller, 8000, toCaller.length, 1, 0.1);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `the A-law caller should hear 102's 1300 Hz: share ${share.toFixed(3)}`);

    const mark = recordingSoFar(phone.dir).samples.length;
    const r = await caller.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    const { samples, sampleRate } = recordingSoFar(phone.dir);
    // From 2 s after the mark (the capture playing) to just before the caller's BYE.
    const heard = samples.subarray(
      mark + 2 * sampleRate,
      Math.max(mark + 2 * sampleRate, samples.length - sampleRate),
    );
    const level = levelDb(heard);
    const sounding = soundingShare(heard, sampleRate);
    assert.ok(heard.length >= 3 * sampleRate, `too little recorded: ${heard.length} samples`);
    assert.ok(
      level > -35 && sounding > 0.6,
      `102 should hear the A-law speech: ${level.toFixed(1)} dBFS, sounding ${sounding.toFixed(2)}`,
    );
    await phone.command('hangup');
    await phone.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });
});
