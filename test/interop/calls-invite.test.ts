/**
 * Invitations from the API (`POST /api/conferences/{id}/invite`): Parley calls out and whoever answers
 * joins the room without the access code.
 * - Extensions: baresip 101 and 102 answer by themselves; both end up in the room (participants API), each
 *   hears the other's tone, and the caller ID they were shown names the conference; muted through the
 *   API, 101 is not heard until unmuted; 102 hanging up leaves the room.
 * - An outside number: the call goes through the trunk to a carrier played by sipp, which challenges the
 *   INVITE and only answers when the digest credentials are the trunk's and the caller ID is the trunk's;
 *   the answerer is then in the room, and kicking it through the API sends the carrier a BYE. A carrier
 *   that refuses the credentials (403) makes the invitation fail, reported as a `call.failed` event.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { carrierTrunk, startCarrier, TEST_TRUNK } from './helpers/carrier.ts';
import { assertHearEachOther } from './helpers/hearing.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import type { ParleyProcess } from './helpers/parley-process.ts';
import { describeSipp, sippCount } from './helpers/sipp.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, recordingSoFar, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

const TONES: Record<string, number> = { '101': 700, '102': 1300 };

describe('invite to a conference', { skip }, () => {
  const f = callFixture({
    name: 'invite',
    users: users('101', '102'),
    conferences: [{ name: 'Sales', extension: '500', accessCode: '1234', waitForAdmin: false }],
    phones: [
      { extension: '101', tone: TONES['101']!, autoAnswer: true },
      { extension: '102', tone: TONES['102']!, autoAnswer: true },
    ],
  });
  test('extensions 101 and 102 are called, join without the code and hear each other', async () => {
    const a = f.phone('101');
    const b = f.phone('102');
    for (const [ext, phone] of [
      ['101', a],
      ['102', b],
    ] as const) {
      const { callId } = await f.invite(ext);
      assert.ok(callId, 'the invitation has a call id');
      // Answered by itself (baresip then reports no CALL_INCOMING); the caller ID names the conference.
      const established = await phone.event('CALL_ESTABLISHED');
      assert.equal(established.direction, 'incoming', JSON.stringify(established));
      assert.equal(established.peerdisplayname, 'Sales', JSON.stringify(established));
      assert.match(String(established.peeruri), /^sip:500@/, JSON.stringify(established));
    }
    const inRoom = await waitFor('both invitees in the room', async () => {
      const list = await f.participants();
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(inRoom.map((p) => p.callerId).sort(), ['101', '102'], JSON.stringify(inRoom));
    // "You are now entering the conference" is over for both: they hear each other.
    await sleep(4000);
    assertHearEachOther([a, TONES['101']!], [b, TONES['102']!], {
      seconds: 1.5,
      margin: 0.2,
      recording: 'so far',
    });
    // Live control: 101 muted is not heard by 102; unmuted, it is again.
    const alice = inRoom.find((p) => p.callerId === '101')!;
    const base = `/api/conferences/${f.conferenceId}/participants/${alice.id}`;
    const heardByBob = async () => {
      await sleep(1500);
      const { samples, sampleRate } = recordingSoFar(b.dir);
      const w = windowBefore(samples, sampleRate, samples.length, 1, 0.1);
      return { share: toneShare(w, sampleRate, TONES['101']!), what: describeWindow(w, sampleRate, [700]) };
    };
    await f.parley.api('POST', `${base}/mute`, {});
    const muted = await heardByBob();
    assert.ok(muted.share < 0.05, `muted 101 should not be heard: ${muted.what}`);
    assert.equal((await f.participants()).find((p) => p.id === alice.id)?.muted, true);
    await f.parley.api('POST', `${base}/unmute`, {});
    const unmuted = await heardByBob();
    assert.ok(unmuted.share > 0.6, `unmuted 101 should be heard again: ${unmuted.what}`);
    // The invitee hangs up: its BYE takes it out of the room.
    await b.command('hangup');
    await b.event('CALL_CLOSED');
    const left = await waitFor('102 out of the room', async () => {
      const list = await f.participants();
      return list.length === 1 ? list : undefined;
    });
    assert.equal(left[0]!.callerId, '101');
  });

  test('an outside number goes through the trunk, with its credentials, and joins', async (t) => {
    const carrier = await startCarrier(TEST_TRUNK);
    t.after(() => carrier.stop());
    // The trunk, staged and applied once the carrier listens.
    await f.parley.api('POST', '/api/trunks', carrierTrunk(carrier.port));
    await f.parley.api('POST', '/api/apply', {});
    const before = (await f.participants()).length;
    const answerer = await f.inviteCarrier('+3221234567', carrier);
    assert.equal((await f.participants()).length, before + 1);
    // Kicked through the API: the carrier gets Parley's BYE and its call ends well.
    await f.parley.api('DELETE', `/api/conferences/${f.conferenceId}/participants/${answerer.id}`);
    const r = await carrier.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(r.successfulCalls, 1, describeSipp(r));
    assert.equal(sippCount(r, 'INVITE', false), 2, 'challenged once, then answered');
    assert.equal(sippCount(r, '401', true), 1, describeSipp(r));
    assert.equal(sippCount(r, '403', true), 0, 'the carrier accepted the credentials and caller ID');
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
  });

  test('an invitation the carrier refuses is reported as call.failed', async (t) => {
    // This carrier expects another password than the trunk's: it refuses Parley's credentials with 403.
    const carrier = await startCarrier({ ...TEST_TRUNK, password: 'not-the-trunk-password' });
    t.after(() => carrier.stop());
    const list = await f.parley.api<{ items?: Array<{ id: string }> } | Array<{ id: string }>>(
      'GET',
      '/api/trunks',
    );
    const trunk = (Array.isArray(list) ? list : (list.items ?? []))[0]!;
    await f.parley.api('PATCH', `/api/trunks/${trunk.id}`, { port: carrier.port });
    await f.parley.api('POST', '/api/apply', {});
    const events = await eventStream(f.parley);
    t.after(() => events.close());
    const { callId } = await f.invite('+3221234567');
    const failed = await waitFor(
      'a call.failed event',
      () => events.seen.find((e) => e.type === 'call.failed' && e.data.callId === callId),
      10_000,
    );
    assert.equal(failed.data.status, 403, JSON.stringify(failed));
    assert.equal(failed.data.conferenceId, f.conferenceId, JSON.stringify(failed));
    const r = await carrier.stop();
    assert.equal(sippCount(r, '403', true), 1, describeSipp(r));
    assert.equal(
      (await f.participants()).find((p) => p.callerId === '+3221234567'),
      undefined,
      'nobody joined',
    );
    // The last member leaves: nothing of any of these calls is left in the media engine.
    const a = f.phone('101');
    await a.command('hangup');
    await a.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });
});

/** The API's server-sent events as they come (`GET /api/events`), until `close()`. */
async function eventStream(parley: ParleyProcess): Promise<{
  seen: Array<{ type: string; data: Record<string, unknown> }>;
  close(): void;
}> {
  const abort = new AbortController();
  const seen: Array<{ type: string; data: Record<string, unknown> }> = [];
  const res = await fetch(`http://127.0.0.1:${parley.httpPort}/api/events`, {
    headers: { authorization: `Bearer ${parley.token}` },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  void (async () => {
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const type = /^event: (.*)$/m.exec(frame)?.[1];
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (type && data) seen.push({ type, data: JSON.parse(data) as Record<string, unknown> });
          end = buffer.indexOf('\n\n');
        }
      }
    } catch {
      // aborted
    }
  })();
  return { seen, close: () => abort.abort() };
}
