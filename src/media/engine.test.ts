/**
 * The MediaEngine's API over real loopback UDP: prompts, digits, hold music, recordings, errors, a member
 * leaving without disturbing the room, and sessions moving between two worker threads.
 */
import assert from 'node:assert/strict';
import { Socket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rtpTestRange } from '../../test/helpers/rtp-ports.ts';
import { MediaEngine } from './engine.ts';
import { encodeWav, isWavError, parseWav } from './player/wav.ts';
import { generateTone, goertzelPower } from './processor/goertzel.ts';
import { NativeDatagramSocket } from './session/native-udp.ts';
import { TonePeer } from './session/rtp-test-peer.ts';
import { MediaClock } from './worker/clock.ts';
import type { MediaEvent } from './worker/messages.ts';

const dir = mkdtempSync(join(tmpdir(), 'media-engine-'));
const promptA = join(dir, 'a.wav');
const promptB = join(dir, 'b.wav');
const music = join(dir, 'music.wav');
// Prompts at other rates than the session's: they are converted once on the way in.
writeFileSync(promptA, encodeWav(generateTone(600, 16000, 16000 * 0.4, 8000), 16000));
writeFileSync(promptB, encodeWav(generateTone(1200, 48000, 48000 * 0.4, 8000), 48000));
writeFileSync(music, encodeWav(generateTone(350, 8000, 8000, 8000), 8000));

const range = () => rtpTestRange(1000);
const engines: MediaEngine[] = [];
const peers: TonePeer[] = [];
after(async () => {
  for (const p of peers) p.socket.close();
  for (const e of engines) await e.close();
});

function engineOf(workers: number): MediaEngine {
  const e = new MediaEngine({ workers, rtpPorts: range() });
  engines.push(e);
  return e;
}

async function phone(engine: MediaEngine, freq: number, options: { room?: string } = {}) {
  const peer = new TonePeer(freq);
  peers.push(peer);
  await peer.bind();
  const s = await engine.createSession({
    localAddress: '127.0.0.1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
    telephoneEvent: { payloadType: 101, clockRate: 8000 },
    remote: { address: '127.0.0.1', port: peer.port },
    ...options,
  });
  peer.target = s.localPort;
  return { peer, id: s.id, port: s.localPort };
}

/** Runs the peers' send clock for `ms`. */
async function talk(ps: TonePeer[], ms: number, onTick?: (tick: number) => void): Promise<void> {
  const clock = new MediaClock((tick) => {
    for (const p of ps) p.sendFrame();
    onTick?.(tick);
  });
  clock.start();
  await new Promise((r) => setTimeout(r, ms));
  clock.stop();
  await new Promise((r) => setTimeout(r, 60));
}

const framesOf = (p: TonePeer) => {
  const keys = [...p.received.keys()].sort((a, b) => a - b);
  return keys.map((k) => p.received.get(k)!);
};
const power = (frames: Int16Array[], f: number) => {
  const all = new Int16Array(frames.length * 160);
  frames.forEach((x, i) => {
    all.set(x, i * 160);
  });
  return goertzelPower(all, 8000, f);
};

test('play: prompts in order, converted to the session rate, then done', async () => {
  const engine = engineOf(0);
  const { peer, id } = await phone(engine, 0);
  assert.equal(await engine.play(id, [promptA, promptB]), 'done');
  await new Promise((r) => setTimeout(r, 60));
  const frames = framesOf(peer);
  assert.ok(frames.length >= 38 && frames.length <= 42, `${frames.length} frames for 0.8 s`);
  assert.ok(power(frames.slice(2, 18), 600) > 5e6, 'first prompt');
  assert.ok(power(frames.slice(22, 38), 1200) > 5e6, 'second prompt');
  assert.ok(power(frames.slice(2, 18), 1200) < 1e5, 'in order');
  await engine.closeSession(id);
});

test('a digit interrupts a looping prompt and reaches onDigit with its duration', async () => {
  const engine = engineOf(0);
  const { peer, id } = await phone(engine, 0);
  const digits: Extract<MediaEvent, { type: 'digit' }>[] = [];
  engine.onDigit(id, (d) => digits.push(d));
  const playing = engine.play(id, { file: music, loop: true }, { interruptOnDigit: true });
  await talk([peer], 300, (tick) => {
    if (tick === 10) peer.sendDigit('7', 80);
  });
  assert.equal(await playing, 'interrupted');
  assert.equal(digits.length, 1);
  assert.equal(digits[0]!.digit, '7');
  assert.equal(digits[0]!.durationMs, 80);
  assert.equal(digits[0]!.source, 'rfc4733');
  await engine.closeSession(id);
});

test('stopPlayback and a newer play interrupt; errors are coded', async () => {
  const engine = engineOf(0);
  const { id } = await phone(engine, 0);
  const first = engine.play(id, { file: music, loop: true });
  await new Promise((r) => setTimeout(r, 50));
  const second = engine.play(id, { file: music, loop: true });
  assert.equal(await first, 'interrupted');
  await new Promise((r) => setTimeout(r, 50));
  await engine.stopPlayback(id);
  assert.equal(await second, 'interrupted');
  await assert.rejects(engine.play(id, [join(dir, 'missing.wav')]), { code: 'bad-prompt' });
  await assert.rejects(engine.play('nope', [music]), { code: 'no-such-session' });
  await assert.rejects(
    engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'AMR', payloadType: 96, clockRate: 8000 },
    }),
    { code: 'unsupported-codec' },
  );
  await assert.rejects(engine.join('no-room', id), { code: 'no-such-room' });
  await engine.createRoom('dup');
  await assert.rejects(engine.createRoom('dup'), { code: 'room-exists' });
  await engine.closeSession(id);
  await engine.closeSession(id);
});

test('hold music replaces the room for that member until lifted; recordings of a member and of the room', async () => {
  const engine = engineOf(0);
  await engine.createRoom('r');
  const a = await phone(engine, 440);
  const b = await phone(engine, 900);
  await engine.join('r', a.id);
  await engine.join('r', b.id, { hold: music });
  const recA = await engine.record({ sessionId: a.id }, join(dir, 'a-rec.wav'));
  const recRoom = await engine.record({ roomId: 'r' }, join(dir, 'room-rec.wav'));
  await talk([a.peer, b.peer], 800);
  const held = framesOf(b.peer).slice(-20);
  assert.ok(power(held, 350) > 5e6, 'b hears the music');
  assert.ok(power(held, 440) < 1e5, 'not the room');
  assert.ok(power(framesOf(a.peer).slice(-20), 900) > 3e6, 'a hears b (hold is about what b hears)');
  await engine.setMember('r', b.id, { hold: null });
  b.peer.received.clear();
  await talk([a.peer, b.peer], 600);
  assert.ok(power(framesOf(b.peer).slice(-15), 440) > 3e6, 'b hears the room now');
  const ra = await engine.stopRecording(recA);
  const rr = await engine.stopRecording(recRoom);
  assert.ok(ra.durationMs >= 1200, `member recording ${ra.durationMs} ms`);
  const wa = parseWav(readFileSync(ra.file));
  const wr = parseWav(readFileSync(rr.file));
  assert.ok(!isWavError(wa) && !isWavError(wr));
  // Tone power per 100 ms window (the recordings have silent stretches where the peers paused).
  const windows = (pcm: Int16Array, f: number) =>
    Array.from({ length: Math.floor(pcm.length / 800) }, (_, i) =>
      goertzelPower(pcm.subarray(i * 800, i * 800 + 800), 8000, f),
    );
  const voiced = (pcm: Int16Array, f: number) => windows(pcm, f).filter((p) => p > 5e6).length;
  assert.ok(voiced(wa.samples, 440) >= 8, "a's own voice recorded");
  assert.equal(voiced(wa.samples, 900), 0, 'and only it');
  assert.ok(voiced(wr.samples, 440) >= 8 && voiced(wr.samples, 900) >= 8, 'the room mix holds both');
  await assert.rejects(engine.stopRecording(recA), { code: 'no-such-recording' });
  // The room is recorded again after its last recording stopped (the mix is handed over again).
  const again = await engine.record({ roomId: 'r' }, join(dir, 'room-rec-2.wav'));
  await talk([a.peer, b.peer], 600);
  const w2 = parseWav(readFileSync((await engine.stopRecording(again)).file));
  assert.ok(!isWavError(w2));
  assert.ok(
    voiced(w2.samples, 440) >= 3 && voiced(w2.samples, 900) >= 3,
    'the second room recording holds both',
  );
});

test('a member closing leaves the room undisturbed; its port returns to the range', async () => {
  const engine = engineOf(0);
  await engine.createRoom('r');
  const ms = [await phone(engine, 440), await phone(engine, 700), await phone(engine, 1100)];
  for (const m of ms) await engine.join('r', m.id);
  const closed: string[] = [];
  engine.on('session-closed', (e) => closed.push(e.sessionId));
  const used = engine.ports.used;
  await talk(
    ms.map((m) => m.peer),
    400,
  );
  await engine.closeSession(ms[2]!.id);
  assert.deepEqual(closed, [ms[2]!.id]);
  assert.equal(engine.ports.used, used - 1);
  for (const m of ms) m.peer.received.clear();
  await talk(
    ms.map((m) => m.peer),
    600,
  );
  assert.ok(power(framesOf(ms[0]!.peer).slice(-15), 700) > 3e6, 'the others still hear each other');
  assert.ok(power(framesOf(ms[1]!.peer).slice(-15), 440) > 3e6);
  assert.ok(power(framesOf(ms[0]!.peer).slice(-15), 1100) < 1e5, 'the closed member is gone');
});

test('two workers: a session on another worker moves to its room on join, keeping its port and stream', async () => {
  const engine = engineOf(2);
  await engine.createRoom('r');
  // Sessions are spread over the workers; some of them land away from the room and must move.
  const ms = [await phone(engine, 440), await phone(engine, 700), await phone(engine, 1100)];
  const before = await engine.stats();
  assert.ok(
    before.workers.every((w) => w.sessions > 0),
    'sessions were spread over both workers',
  );
  for (const m of ms) await engine.join('r', m.id);
  const afterJoin = await engine.stats();
  assert.deepEqual(afterJoin.workers.map((w) => w.sessions).sort(), [0, 3]);
  await talk(
    ms.map((m) => m.peer),
    800,
  );
  for (const m of ms) {
    const frames = framesOf(m.peer).slice(-20);
    const others = ms.filter((o) => o !== m);
    for (const o of others)
      assert.ok(power(frames, o.peer.freq) > 3e6, `${m.peer.freq} hears ${o.peer.freq}`);
    assert.ok(power(frames, m.peer.freq) < 1e5);
  }
});

test('a member whose socket fails is closed; the room goes on', async () => {
  const engine = engineOf(0);
  await engine.createRoom('r');
  const ms = [await phone(engine, 440), await phone(engine, 700), await phone(engine, 1100)];
  for (const m of ms) await engine.join('r', m.id);
  const closed: { sessionId: string; reason: string }[] = [];
  engine.on('session-closed', (e) => closed.push(e));
  await talk(
    ms.map((m) => m.peer),
    300,
  );
  // The media runs on this thread (workers: 0): find the failing member's RTP socket (native path, or among
  // the process's dgram handles) and make it report an error, as the operating system would.
  const native = NativeDatagramSocket.find(ms[2]!.port);
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  const socket = handles.find(
    (h): h is Socket => h instanceof Socket && (h.address() as { port: number }).port === ms[2]!.port,
  );
  assert.ok(native ?? socket, 'the member socket is found');
  if (native) native.fail(new Error('network is down'));
  else socket?.emit('error', new Error('network is down'));
  assert.deepEqual(closed, [
    { type: 'session-closed', sessionId: ms[2]!.id, reason: 'socket error: network is down' },
  ]);
  // Datagrams sent before the failure may still be waiting for the peers' handlers (same thread): let them
  // land before counting what comes after.
  await new Promise((resolve) => setTimeout(resolve, 100));
  for (const m of ms) m.peer.received.clear();
  await talk(
    ms.map((m) => m.peer),
    600,
  );
  assert.ok(power(framesOf(ms[0]!.peer).slice(-15), 700) > 3e6, 'the others still hear each other');
  assert.ok(power(framesOf(ms[1]!.peer).slice(-15), 440) > 3e6);
  assert.ok(power(framesOf(ms[0]!.peer).slice(-15), 1100) < 1e5, 'the failed member is gone');
  assert.equal(ms[2]!.peer.received.size, 0, 'and gets nothing');
});
