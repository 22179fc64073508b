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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, type Baresip } from './helpers/baresip.ts';
import { startCarrier } from './helpers/carrier.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { describeSipp, sippCount, sippPath } from './helpers/sipp.ts';
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

const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

const USERS = [
  { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
  { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
];
const TONES: Record<string, number> = { '101': 700, '102': 1300 };
const TRUNK = { username: 'parley-trunk', password: 'trunk-secret-9', callerId: '+3225550000' };

interface Participant {
  id: string;
  callerId: string;
  extension?: string;
  role: string;
  muted: boolean;
}

describe('invite to a conference', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let conferenceId: string;
  const phones = new Map<string, Baresip>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-invite-'));
    parley = await startParley();
    const created = await parley.provision({
      users: USERS,
      conferences: [{ name: 'Sales', extension: '500', accessCode: '1234', waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
    const started = await Promise.all(
      USERS.map((u) =>
        startPhone({
          extension: u.extension,
          password: u.sipPassword,
          domain: parley.domain,
          pbxPort: parley.sipPort,
          source: toneFile(dir, TONES[u.extension]!),
          autoAnswer: true,
        }),
      ),
    );
    for (const [i, u] of USERS.entries()) phones.set(u.extension, started[i]!);
    await Promise.all(started.map((p) => p.registered()));
  });

  after(async () => {
    for (const p of phones.values()) await p.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const participants = () =>
    parley.api<Participant[]>('GET', `/api/conferences/${conferenceId}/participants`);
  const invite = (destination: string) =>
    parley.api<{ callId: string }>('POST', `/api/conferences/${conferenceId}/invite`, { destination });

  test('extensions 101 and 102 are called, join without the code and hear each other', async () => {
    const a = phones.get('101')!;
    const b = phones.get('102')!;
    for (const [ext, phone] of [
      ['101', a],
      ['102', b],
    ] as const) {
      const { callId } = await invite(ext);
      assert.ok(callId, 'the invitation has a call id');
      // Answered by itself (baresip then reports no CALL_INCOMING); the caller ID names the conference.
      const established = await phone.event('CALL_ESTABLISHED');
      assert.equal(established.direction, 'incoming', JSON.stringify(established));
      assert.equal(established.peerdisplayname, 'Sales', JSON.stringify(established));
      assert.match(String(established.peeruri), /^sip:500@/, JSON.stringify(established));
    }
    const inRoom = await waitFor('both invitees in the room', async () => {
      const list = await participants();
      return list.length === 2 ? list : undefined;
    });
    assert.deepEqual(inRoom.map((p) => p.callerId).sort(), ['101', '102'], JSON.stringify(inRoom));
    // "You are now entering the conference" is over for both: they hear each other.
    await sleep(4000);
    for (const [phone, own, other] of [
      [a, TONES['101']!, TONES['102']!],
      [b, TONES['102']!, TONES['101']!],
    ] as const) {
      const { samples, sampleRate } = recordingSoFar(phone.dir);
      const w = windowBefore(samples, sampleRate, samples.length, 1.5, 0.2);
      const what = describeWindow(w, sampleRate, [own, other]);
      assert.ok(toneShare(w, sampleRate, other) > 0.6, `should hear ${other} Hz: ${what}`);
      assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear its own ${own} Hz: ${what}`);
    }
    // Live control: 101 muted is not heard by 102; unmuted, it is again.
    const alice = inRoom.find((p) => p.callerId === '101')!;
    const base = `/api/conferences/${conferenceId}/participants/${alice.id}`;
    const heardByBob = async () => {
      await sleep(1500);
      const { samples, sampleRate } = recordingSoFar(b.dir);
      const w = windowBefore(samples, sampleRate, samples.length, 1, 0.1);
      return { share: toneShare(w, sampleRate, TONES['101']!), what: describeWindow(w, sampleRate, [700]) };
    };
    await parley.api('POST', `${base}/mute`, {});
    const muted = await heardByBob();
    assert.ok(muted.share < 0.05, `muted 101 should not be heard: ${muted.what}`);
    assert.equal((await participants()).find((p) => p.id === alice.id)?.muted, true);
    await parley.api('POST', `${base}/unmute`, {});
    const unmuted = await heardByBob();
    assert.ok(unmuted.share > 0.6, `unmuted 101 should be heard again: ${unmuted.what}`);
    // The invitee hangs up: its BYE takes it out of the room.
    await b.command('hangup');
    await b.event('CALL_CLOSED');
    const left = await waitFor('102 out of the room', async () => {
      const list = await participants();
      return list.length === 1 ? list : undefined;
    });
    assert.equal(left[0]!.callerId, '101');
  });

  test('an outside number goes through the trunk, with its credentials, and joins', async () => {
    const carrier = await startCarrier(TRUNK);
    // The trunk, staged and applied once the carrier listens.
    await parley.api('POST', '/api/trunks', {
      name: 'Carrier',
      host: '127.0.0.1',
      port: carrier.port,
      transport: 'udp',
      username: TRUNK.username,
      password: TRUNK.password,
      register: false,
      callerId: TRUNK.callerId,
      inboundAddresses: [],
    });
    await parley.api('POST', '/api/apply', {});
    const before = (await participants()).length;
    await invite('+3221234567');
    const answerer = await waitFor(
      'the carrier call in the room',
      async () => (await participants()).find((p) => p.callerId === '+3221234567'),
      15_000,
    ).catch(async (err) => {
      const r = await carrier.stop();
      throw new Error(
        `${err}\n${describeSipp(r)}\n${r.stdout.slice(-1500)}\n${parley.output().slice(-3000)}`,
      );
    });
    assert.equal((await participants()).length, before + 1);
    // Kicked through the API: the carrier gets Parley's BYE and its call ends well.
    await parley.api('DELETE', `/api/conferences/${conferenceId}/participants/${answerer.id}`);
    const r = await carrier.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    assert.equal(r.successfulCalls, 1, describeSipp(r));
    assert.equal(sippCount(r, 'INVITE', false), 2, 'challenged once, then answered');
    assert.equal(sippCount(r, '401', true), 1, describeSipp(r));
    assert.equal(sippCount(r, '403', true), 0, 'the carrier accepted the credentials and caller ID');
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
  });

  test('an invitation the carrier refuses is reported as call.failed', async (t) => {
    // This carrier expects another password than the trunk's: it refuses Parley's credentials with 403.
    const carrier = await startCarrier({ ...TRUNK, password: 'not-the-trunk-password' });
    t.after(() => carrier.stop());
    const list = await parley.api<{ items?: Array<{ id: string }> } | Array<{ id: string }>>(
      'GET',
      '/api/trunks',
    );
    const trunk = (Array.isArray(list) ? list : (list.items ?? []))[0]!;
    await parley.api('PATCH', `/api/trunks/${trunk.id}`, { port: carrier.port });
    await parley.api('POST', '/api/apply', {});
    const events = await eventStream(parley);
    t.after(() => events.close());
    const { callId } = await invite('+3221234567');
    const failed = await waitFor(
      'a call.failed event',
      () => events.seen.find((e) => e.type === 'call.failed' && e.data.callId === callId),
      10_000,
    );
    assert.equal(failed.data.status, 403, JSON.stringify(failed));
    assert.equal(failed.data.conferenceId, conferenceId, JSON.stringify(failed));
    const r = await carrier.stop();
    assert.equal(sippCount(r, '403', true), 1, describeSipp(r));
    assert.equal(
      (await participants()).find((p) => p.callerId === '+3221234567'),
      undefined,
      'nobody joined',
    );
    // The last member leaves: nothing of any of these calls is left in the media engine.
    const a = phones.get('101')!;
    await a.command('hangup');
    await a.event('CALL_CLOSED');
    await noMediaLeft(parley);
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
