/**
 * The mixer end to end over real loopback UDP, through the MediaEngine and a real media worker thread:
 * three peers each send a distinct tone as PCMU RTP every 20 ms and record what comes back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../engine.ts';
import { goertzelPower } from '../processor/goertzel.ts';
import { TonePeer } from '../session/rtp-test-peer.ts';
import { MediaClock } from '../worker/clock.ts';

let engine: MediaEngine;
before(() => {
  engine = new MediaEngine({ workers: 1, rtpPorts: rtpTestRange(2000) });
});
after(async () => {
  await engine.close();
});

async function scenario(settings: Record<number, { muted?: boolean; deaf?: boolean }>) {
  const room = `room-${Math.random()}`;
  await engine.createRoom(room);
  const peers = [new TonePeer(440), new TonePeer(700), new TonePeer(1100)];
  const ids: string[] = [];
  for (const [i, p] of peers.entries()) {
    await p.bind();
    const s = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
      remote: { address: '127.0.0.1', port: p.port },
    });
    p.target = s.localPort;
    ids.push(s.id);
    await engine.join(room, s.id, settings[i] ?? {});
  }
  const clock = new MediaClock(() => {
    for (const p of peers) p.sendFrame();
  });
  clock.start();
  await new Promise((r) => setTimeout(r, 1500));
  clock.stop();
  await new Promise((r) => setTimeout(r, 100));
  for (const p of peers) p.socket.close();
  for (const id of ids) await engine.closeSession(id);
  await engine.closeRoom(room);
  return peers;
}

/** Power of a 6000-amplitude tone is 18e6; absent tones are orders of magnitude below. */
const PRESENT = 3e6;
const ABSENT = 3e4;

test('over UDP: every member hears the two other tones and not its own', async () => {
  const peers = await scenario({});
  for (const p of peers) {
    const heard = p.tail(25);
    assert.equal(heard.length, 25 * 160, `peer ${p.freq} received ${p.received.size} frames`);
    for (const q of peers) {
      const power = goertzelPower(heard, 8000, q.freq);
      if (q === p) assert.ok(power < ABSENT, `${p.freq} hears itself (${power})`);
      else assert.ok(power > PRESENT, `${p.freq} does not hear ${q.freq} (${power})`);
    }
  }
});

test('over UDP: a muted member is heard nowhere, a deaf member hears silence', async () => {
  const [a, b, c] = await scenario({ 0: { muted: true }, 2: { deaf: true } });
  for (const p of [a!, b!, c!]) {
    assert.ok(goertzelPower(p.tail(25), 8000, 440) < ABSENT, `${p.freq} hears the muted member`);
  }
  assert.ok(goertzelPower(a!.tail(25), 8000, 700) > PRESENT, 'the muted member hears the others');
  assert.ok(goertzelPower(b!.tail(25), 8000, 1100) > PRESENT, 'the deaf member is heard');
  const deaf = c!.tail(25);
  assert.equal(deaf.length, 25 * 160, 'the deaf member still gets packets');
  assert.ok(
    deaf.every((s) => Math.abs(s) <= 8),
    'and they are silent',
  );
});

test('over UDP: packets from a second source are dropped after latching, and counted', async () => {
  const room = `room-${Math.random()}`;
  await engine.createRoom(room);
  const talker = new TonePeer(440);
  const listener = new TonePeer(1);
  const intruder = new TonePeer(1500);
  for (const p of [talker, listener, intruder]) await p.bind();
  const a = await engine.createSession({
    localAddress: '127.0.0.1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
  });
  const b = await engine.createSession({
    localAddress: '127.0.0.1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
    remote: { address: '127.0.0.1', port: listener.port },
  });
  await engine.join(room, a.id);
  await engine.join(room, b.id);
  talker.target = a.localPort;
  intruder.target = a.localPort;
  const clock = new MediaClock((tick) => {
    talker.sendFrame();
    // The intruder starts once the talker is latched and aims at the same port.
    if (tick > 10) intruder.sendFrame();
  });
  clock.start();
  await new Promise((r) => setTimeout(r, 1200));
  clock.stop();
  await new Promise((r) => setTimeout(r, 60));
  try {
    const stats = await engine.stats({ perSession: true });
    const figures = stats.workers.flatMap((w) => w.perSession ?? []).find((f) => f.sessionId === a.id)!;
    assert.ok(figures.latched);
    assert.ok(figures.droppedForeignSource >= 30, `dropped ${figures.droppedForeignSource}`);
    const heard = listener.tail(25);
    assert.ok(goertzelPower(heard, 8000, 440) > PRESENT, 'the latched talker is heard');
    assert.ok(goertzelPower(heard, 8000, 1500) < ABSENT, 'the intruder is not');
    // The talker got the room's audio back at its own address (symmetric RTP), the intruder nothing.
    assert.ok(talker.received.size > 20);
    assert.equal(intruder.received.size, 0);
  } finally {
    // Closed whatever the outcome: open sockets would keep the test process alive.
    for (const p of [talker, listener, intruder]) p.socket.close();
  }
  await engine.closeSession(a.id);
  await engine.closeSession(b.id);
});
