/**
 * A re-INVITE without SDP (RFC 3261 §14.2, RFC 3264 §8): sipp, as phone 101 in a conference, sends one;
 * Parley offers in its 200 and the ACK carries sipp's answer, which moves sipp's RTP to another port.
 * Baresip 102 sends a 1300 Hz tone into the room: it must then reach the new port (frequency checked in
 * what arrives there), and the old port must stop receiving. A session refresh by UPDATE without SDP then
 * gets a 200 without a body (RFC 3311 §5.2; checked by the scenario).
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

describe('a re-INVITE without SDP, answered in the ACK', { skip }, () => {
  const f = callFixture({
    name: 'reinvite',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', waitForAdmin: false }],
    phones: [{ extension: '102', tone: 1300 }],
  });

  test("the room's audio moves to the port of the ACK's answer", async (t) => {
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
        scenario: 'calls-reinvite-no-sdp.xml',
        from: '101',
        to: '500',
        set: { rtpa: String(first.port), rtpb: String(second.port) },
        timeoutSeconds: 30,
      }),
    );
    t.after(() => caller.stop());
    // Before the re-INVITE (3 s after the ACK), the room reaches the first port.
    await waitFor('audio at the first port', () => (first.audio().length > 8000 ? true : undefined), 10_000);
    // After it, at the second: 2.5 s of it, the entering prompt long over.
    await waitFor(
      'audio at the port of the answer in the ACK',
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
    const heard = second.audio();
    const w = windowBefore(heard, 8000, heard.length, 1.5, 0.1);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `the new port should carry 102's 1300 Hz: ${describeWindow(w, 8000, [1300])}`);

    const r = await caller.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, 'INVITE', true), 3, describeSipp(r));
    assert.equal(sippCount(r, 'UPDATE', true), 1, describeSipp(r));
    await phone.command('hangup');
    await phone.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });
});
