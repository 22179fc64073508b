/**
 * Members with different codecs in one room: baresip 102 speaks µ-law (PCMU), a sipp caller (user 101)
 * offers only A-law (PCMA). Parley answers the A-law offer with A-law and sends the room to it in A-law
 * (the test listens on the RTP port of sipp's SDP and finds 102's tone there), and the A-law speech sipp
 * plays (sip-tester's capture) reaches 102 through the µ-law leg.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import {
  levelDb,
  recordingSoFar,
  sleep,
  soundingShare,
  toneShare,
  waitFor,
  windowBefore,
} from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

describe('a conference across G.711 µ-law and A-law', { skip }, () => {
  const f = callFixture({
    name: 'codecs',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', waitForAdmin: false }],
    phones: [{ extension: '102', tone: 1300 }],
  });

  test('each hears the other through its own codec', async (t) => {
    const { parley } = f;
    const phone = f.phone('102');
    await f.joinRoom('102', '500', 1);

    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const caller = await startSipp(
      sippCaller(parley, {
        scenario: 'calls-alaw-member.xml',
        from: '101',
        to: '500',
        set: { rtpport: String(rtp.port) },
        pcap: true,
        timeoutSeconds: 30,
      }),
    );
    t.after(() => caller.stop());
    await waitFor('the A-law caller in the room', async () =>
      (await f.participants()).length === 2 ? true : undefined,
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
    await f.hangUp('102');
    await noMediaLeft(parley);
  });
});
