/**
 * The conference flow over the real media engine and loopback RTP, with the committed English prompts:
 * callers type the access code as RFC 4733 events over the prompt, get in and hear each other; a caller
 * typing a wrong code three times is told goodbye and hung up.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { type SoundName, soundPath } from '../../../prompts/index.ts';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../../media/engine.ts';
import { goertzelPower } from '../../media/processor/goertzel.ts';
import { TonePeer } from '../../media/session/rtp-test-peer.ts';
import { MediaClock } from '../../media/worker/clock.ts';
import { ConferenceManager } from '../conference/conference-manager.ts';
import { engineRoomMedia } from '../conference/engine-room-media.ts';
import type { CallContext } from './call-context.ts';
import { conferenceFlow } from './conference-flow.ts';
import { engineCallMedia } from './engine-call-media.ts';

const soundFile = (name: SoundName) => soundPath('en', name);
const engine = new MediaEngine({ workers: 0, rtpPorts: rtpTestRange(500) });
const peers: TonePeer[] = [];
after(async () => {
  for (const p of peers) p.socket.close();
  await engine.close();
});

let rooms = 0;
const manager = new ConferenceManager({
  createMedia: (c) => engineRoomMedia({ engine, roomId: `${c.id}#${++rooms}`, soundFile }),
});
const conference = { id: 'c1', extension: '800', accessCode: '4321', waitForAdmin: false };

/** A caller: a tone phone on loopback plus the SIP half of a CallContext, faked. */
async function caller(freq: number) {
  const peer = new TonePeer(freq);
  peers.push(peer);
  await peer.bind();
  const s = await engine.createSession({
    localAddress: '127.0.0.1',
    codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
    telephoneEvent: { payloadType: 101, clockRate: 8000 },
    remote: { address: '127.0.0.1', port: peer.port },
  });
  peer.target = s.localPort;
  const hangups: string[] = [];
  const listeners = new Set<() => void>();
  let ended = false;
  const end = (reason: string) => {
    if (ended) return;
    ended = true;
    hangups.push(reason);
    for (const l of listeners) l();
  };
  const ctx: CallContext = {
    callId: `call-${s.id}`,
    callerId: `tone ${freq}`,
    get ended() {
      return ended;
    },
    answer: async () => {},
    hangup: end,
    onHangup: (l) => {
      if (ended) l();
      else listeners.add(l);
      return () => listeners.delete(l);
    },
    ...engineCallMedia(engine, s.id, soundFile),
  };
  return { peer, ctx, hangups, end };
}

/**
 * Runs every phone's clock for `ms`, or until `until` holds (checked every 100 ms, up to 15 s); `script`
 * sends digits at given ticks (20 ms each).
 */
async function run(
  ps: TonePeer[],
  ms: number,
  script: Map<number, [TonePeer, string]> = new Map(),
  until?: () => boolean,
) {
  const clock = new MediaClock((tick) => {
    for (const p of ps) p.sendFrame();
    const step = script.get(tick);
    if (step) step[0].sendDigit(step[1], 80);
  });
  clock.start();
  const deadline = Date.now() + (until ? 15_000 : ms);
  while (Date.now() < deadline && !until?.()) await new Promise((r) => setTimeout(r, until ? 100 : ms));
  clock.stop();
  await new Promise((r) => setTimeout(r, 60));
}

/** Digits typed one every 200 ms from `startTick`. */
function typing(peer: TonePeer, digits: string, startTick: number): Map<number, [TonePeer, string]> {
  return new Map([...digits].map((d, i) => [startTick + i * 10, [peer, d] as [TonePeer, string]]));
}

test('two callers type the code over the prompt, get in, and hear each other', async () => {
  const a = await caller(700);
  const b = await caller(1100);
  const flowA = conferenceFlow(a.ctx, conference, manager);
  // "Please enter…" plays; the code is typed over it; then "You are now entering…" (about 2.5 s).
  await run([a.peer, b.peer], 0, typing(a.peer, '4321#', 25), () => manager.participants('c1').length === 1);
  assert.equal(manager.participants('c1').length, 1);
  const flowB = conferenceFlow(b.ctx, conference, manager);
  await run([a.peer, b.peer], 0, typing(b.peer, '4321#', 25), () => manager.participants('c1').length === 2);
  assert.equal(manager.participants('c1').length, 2);
  await run([a.peer, b.peer], 1200);
  const tail = (p: TonePeer) => p.tail(20);
  assert.ok(goertzelPower(tail(a.peer), 8000, 1100) > 3e6, 'a hears b');
  assert.ok(goertzelPower(tail(b.peer), 8000, 700) > 3e6, 'b hears a');
  assert.ok(goertzelPower(tail(a.peer), 8000, 700) < 1e5, 'a does not hear itself');
  a.end('far-hangup');
  b.end('far-hangup');
  assert.deepEqual(await Promise.all([flowA, flowB]), ['left', 'left']);
  assert.equal(manager.size, 0);
});

test('three wrong codes: goodbye, then hang-up', async () => {
  const c = await caller(900);
  const flow = conferenceFlow(c.ctx, conference, manager);
  // Each try: digits over the prompt ("That code is not correct…" then "Please enter…").
  const script = new Map([
    ...typing(c.peer, '11#', 25),
    ...typing(c.peer, '22#', 75),
    ...typing(c.peer, '4#', 125),
  ]);
  await run([c.peer], 0, script, () => c.hangups.length > 0);
  assert.equal(await flow, 'denied');
  assert.deepEqual(c.hangups, ['access-denied']);
  assert.equal(manager.size, 0);
});
