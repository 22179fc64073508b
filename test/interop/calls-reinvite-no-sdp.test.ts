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
import { roomAudioMovesOnReoffer } from './helpers/room-reoffer.ts';
import { describeSipp, sippCount } from './helpers/sipp.ts';
import { skipWithout } from './helpers/skip.ts';
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
    const { result } = await roomAudioMovesOnReoffer(f, t, {
      scenario: 'calls-reinvite-no-sdp.xml',
      secondPortLabel: 'audio at the port of the answer in the ACK',
    });
    assert.equal(sippCount(result, 'UPDATE', true), 1, describeSipp(result));
    await f.hangUp('102');
    await noMediaLeft(f.parley);
  });
});
