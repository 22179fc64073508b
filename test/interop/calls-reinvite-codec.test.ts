/**
 * A re-INVITE that changes the codec (RFC 3264 §8.3.2): sipp, as phone 101 in a conference, joins with
 * µ-law, then re-offers A-law alone at another port. Parley answers A-law (checked by the scenario) and
 * the leg's session switches: baresip 102's 1300 Hz tone reaches the new port as A-law packets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, sippCount, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

describe('a re-INVITE that changes the codec', { skip }, () => {
  const f = callFixture({
    name: 'reinvite-codec',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', waitForAdmin: false }],
    phones: [{ extension: '102', tone: 1300 }],
  });

  test("the room's audio moves to the new port in the new codec", async (t) => {
    const { parley } = f;
    const phone = f.phone('102');
    await f.joinRoom('102', '500', 1);

    const first = await rtpListener();
    const second = await rtpListener();
    t.after(() => {
      first.socket.close();
      second.socket.close();
    });
    const caller = await startSipp(
      sippCaller(parley, {
        scenario: 'calls-reinvite-codec.xml',
        from: '101',
        to: '500',
        set: { rtpa: String(first.port), rtpb: String(second.port) },
        timeoutSeconds: 30,
      }),
    );
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
