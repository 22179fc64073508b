/**
 * Rooms over the real media engine and loopback RTP: with "wait for the administrator", a participant
 * hears the waiting prompt and music, not the other participant; once the admin is in, everyone hears
 * everyone (each checked by the tones' frequencies, Goertzel).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { SoundName } from '../../../prompts/index.ts';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../../media/engine.ts';
import { encodeWav } from '../../media/player/wav.ts';
import { generateTone, goertzelPower } from '../../media/processor/goertzel.ts';
import { TonePeer } from '../../media/session/rtp-test-peer.ts';
import { MediaClock } from '../../media/worker/clock.ts';
import { ConferenceManager } from './conference-manager.ts';
import { engineRoomMedia } from './engine-room-media.ts';

const dir = mkdtempSync(join(tmpdir(), 'parley-room-engine-'));
/** Each sound is a tone of its own, so what a phone hears says what it was played. */
const SOUND_TONES: Partial<Record<SoundName, { freq: number; seconds: number }>> = {
  'music-on-hold': { freq: 350, seconds: 1 },
  'wait-for-admin': { freq: 600, seconds: 0.3 },
  'conference-starting': { freq: 2100, seconds: 0.2 },
  'only-participant': { freq: 500, seconds: 0.2 },
  join: { freq: 2500, seconds: 0.1 },
  leave: { freq: 2500, seconds: 0.1 },
};
function soundFile(name: SoundName): string {
  const file = join(dir, `${name}.wav`);
  const t = SOUND_TONES[name] ?? { freq: 3000, seconds: 0.1 };
  writeFileSync(file, encodeWav(generateTone(t.freq, 8000, Math.round(8000 * t.seconds), 8000), 8000));
  return file;
}

// Two worker threads: sessions move to their room's thread on join, and what follows must wait for it.
const engine = new MediaEngine({ workers: 2, rtpPorts: rtpTestRange(500) });
const peers: TonePeer[] = [];
after(async () => {
  for (const p of peers) p.socket.close();
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

async function phone(freq: number) {
  const peer = new TonePeer(freq);
  peers.push(peer);
  await peer.bind();
  const s = await engine.createSession({
    localAddress: '127.0.0.1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
    remote: { address: '127.0.0.1', port: peer.port },
  });
  peer.target = s.localPort;
  return { peer, mediaId: s.id };
}

/** Every phone sends its tone for `ms`, paced by a media clock. */
async function talk(ps: TonePeer[], ms: number): Promise<void> {
  const clock = new MediaClock(() => {
    for (const p of ps) p.sendFrame();
  });
  clock.start();
  await new Promise((r) => setTimeout(r, ms));
  clock.stop();
  await new Promise((r) => setTimeout(r, 60));
}

/** Power of `freq` in what the phone heard during its last `frames` frames. */
const heard = (p: TonePeer, freq: number, frames = 20) => goertzelPower(p.tail(frames), 8000, freq);

test('wait for the admin over real media: music, not the others, until the admin is in; then everyone', async () => {
  let rooms = 0;
  const manager = new ConferenceManager({
    createMedia: (c) => engineRoomMedia({ engine, roomId: `${c.id}#${++rooms}`, soundFile }),
    onError: (err) => assert.fail(err as Error),
  });
  const conference = { id: 'c1', extension: '800', adminExtension: '101', waitForAdmin: true };
  const p1 = await phone(900);
  const p2 = await phone(1300);
  const admin = await phone(1700);
  const hangup = () => {};
  assert.ok(manager.join(conference, { mediaId: p1.mediaId, callerId: 'p1', hangup }).ok);
  assert.ok(manager.join(conference, { mediaId: p2.mediaId, callerId: 'p2', hangup }).ok);
  await talk([p1.peer, p2.peer, admin.peer], 1500);

  for (const [me, other] of [
    [p1.peer, 1300],
    [p2.peer, 900],
  ] as const) {
    assert.ok(heard(me, 350, 40) + heard(me, 600, 40) > 5e6, 'the waiting member hears prompt and music');
    assert.ok(heard(me, other, 40) < 1e5, 'and not the other participant');
  }

  assert.ok(
    manager.join(conference, { mediaId: admin.mediaId, callerId: 'adm', extension: '101', hangup }).ok,
  );
  assert.deepEqual(
    manager.participants('c1').map((p) => [p.role, p.waiting]),
    [
      ['participant', false],
      ['participant', false],
      ['admin', false],
    ],
  );
  await talk([p1.peer, p2.peer, admin.peer], 1500);
  assert.ok(heard(p1.peer, 1300) > 3e6, 'p1 hears p2');
  assert.ok(heard(p1.peer, 1700) > 3e6, 'p1 hears the admin');
  assert.ok(heard(p1.peer, 350) < 1e5, 'the music is over');
  assert.ok(heard(p1.peer, 900) < 1e5, 'not itself');
  assert.ok(heard(admin.peer, 900) > 3e6 && heard(admin.peer, 1300) > 3e6, 'the admin hears both');
  manager.close();
});

/** The strongest `freq` over any 5 consecutive frames the phone heard (a 0.1 s tone fills such a window). */
function peak(p: TonePeer, freq: number): number {
  const all = p.tail(p.received.size);
  let best = 0;
  for (let at = 0; at + 800 <= all.length; at += 160) {
    best = Math.max(best, goertzelPower(all.subarray(at, at + 800), 8000, freq));
  }
  return best;
}

test('join and leave tones are played once into the room and heard by every member in the mix', async () => {
  let rooms = 0;
  const manager = new ConferenceManager({
    createMedia: (c) => engineRoomMedia({ engine, roomId: `${c.id}#${++rooms}`, soundFile }),
    onError: (err) => assert.fail(err as Error),
  });
  const conference = { id: 'c2', extension: '801', waitForAdmin: false };
  const p1 = await phone(900);
  const p2 = await phone(1300);
  const p3 = await phone(1700);
  const hangup = () => {};
  assert.ok(manager.join(conference, { mediaId: p1.mediaId, callerId: 'p1', hangup }).ok);
  // p1 hears "only participant" first: a member hearing a prompt of its own does not hear room sounds.
  await talk([p1.peer], 500);
  assert.ok(manager.join(conference, { mediaId: p2.mediaId, callerId: 'p2', hangup }).ok);
  await talk([p1.peer, p2.peer], 800);
  assert.ok(peak(p1.peer, 2500) > 3e6, 'p1 heard p2 join');
  for (const p of [p1.peer, p2.peer]) p.received.clear();
  await talk([p1.peer, p2.peer], 300);
  assert.ok(peak(p1.peer, 2500) < 1e5 && peak(p2.peer, 2500) < 1e5, 'the tone is over');
  for (const p of [p1.peer, p2.peer]) p.received.clear();
  const third = manager.join(conference, { mediaId: p3.mediaId, callerId: 'p3', hangup });
  assert.ok(third.ok);
  await talk([p1.peer, p2.peer, p3.peer], 800);
  for (const p of [p1.peer, p2.peer, p3.peer]) {
    assert.ok(peak(p, 2500) > 3e6, `${p.freq} hears the join tone`);
  }
  assert.ok(heard(p1.peer, 1300) > 3e6 && heard(p1.peer, 1700) > 3e6, 'and the others, as before');
  for (const p of [p1.peer, p2.peer]) p.received.clear();
  if (third.ok) third.member.close();
  await talk([p1.peer, p2.peer], 800);
  for (const p of [p1.peer, p2.peer]) assert.ok(peak(p, 2500) > 3e6, `${p.freq} hears the leave tone`);
  manager.close();
});
