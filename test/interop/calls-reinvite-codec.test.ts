/**
 * A re-INVITE that changes the codec (RFC 3264 §8.3.2): sipp, as phone 101 in a conference, joins with
 * µ-law, then re-offers A-law alone at another port. Parley answers A-law (checked by the scenario) and
 * the leg's session switches: baresip 102's 1300 Hz tone reaches the new port as A-law packets.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { roomAudioMovesOnReoffer } from './helpers/room-reoffer.ts';
import { skipWithout } from './helpers/skip.ts';
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
    const { first, second } = await roomAudioMovesOnReoffer(f, t, {
      scenario: 'calls-reinvite-codec.xml',
      secondPortLabel: 'audio at the port of the re-offer',
    });
    assert.deepEqual([...first.payloadTypes], [0], 'µ-law before');
    assert.deepEqual([...second.payloadTypes], [8], 'A-law after');
    await f.hangUp('102');
    await noMediaLeft(f.parley);
  });
});
