/**
 * Where WebRTC sessions run: they cannot move between media workers (their ICE socket and DTLS state
 * live in one thread), so the engine keeps them on one worker and a room they join follows them there,
 * its plain RTP members moving along. No browser needed: the transports open on a recorded offer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../engine.ts';

const OFFER = readFileSync(
  join(import.meta.dirname, '..', 'sdp', 'fixtures', 'sipjs-0.21-chromium-156-offer.sdp'),
  'utf8',
).replace(/\r?\n/g, '\r\n');
const PCMU = { name: 'PCMU', payloadType: 0, clockRate: 8000 };

/** A media engine on two workers with a port block of its own (files run in parallel). */
async function twoWorkerEngine(): Promise<MediaEngine> {
  const engine = new MediaEngine({ workers: 2, rtpPorts: rtpTestRange(100) });
  await engine.warmUpWebRtc();
  return engine;
}

type Placement = { worker: number; room?: string };

/** Where each session runs: its worker and its room. */
async function placements(engine: MediaEngine): Promise<Map<string, Placement>> {
  const stats = await engine.stats({ perSession: true });
  const out = new Map<string, Placement>();
  for (const w of stats.workers) {
    for (const s of w.perSession ?? []) {
      out.set(s.sessionId, s.roomId ? { worker: w.workerId, room: s.roomId } : { worker: w.workerId });
    }
  }
  return out;
}

describe('WebRTC sessions on media workers', () => {
  let engine: MediaEngine;
  before(async () => {
    engine = await twoWorkerEngine();
  });
  after(async () => {
    await engine.close();
  });

  const whereIs = () => placements(engine);

  test('a room on another worker follows its WebRTC member, plain members moving along', async () => {
    const udp = await engine.createSession({ localAddress: '127.0.0.1', codec: PCMU });
    await engine.createRoom('r1');
    await engine.join('r1', udp.id, { muted: true });
    const before = (await whereIs()).get(udp.id)!;
    const browser = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'opus', payloadType: 111, clockRate: 48000 },
      rtcpMux: true,
      webrtc: { remoteSdp: OFFER },
    });
    assert.ok(browser.webrtc);
    const placed = (await whereIs()).get(browser.id)!;
    assert.notEqual(placed.worker, before.worker, 'the test needs the room on the other worker');
    await engine.join('r1', browser.id);
    const second = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: PCMU,
      rtcpMux: true,
      webrtc: { remoteSdp: OFFER },
    });
    await engine.join('r1', second.id);
    const after = await whereIs();
    for (const id of [udp.id, browser.id, second.id]) {
      assert.deepEqual(after.get(id), { worker: placed.worker, room: 'r1' }, id);
    }
    for (const id of [udp.id, browser.id, second.id]) await engine.closeSession(id);
    await engine.closeRoom('r1');
  });
});

describe('WebRTC sessions spread over media workers by affinity', () => {
  let engine: MediaEngine;
  before(async () => {
    engine = await twoWorkerEngine();
  });
  after(async () => {
    await engine.close();
  });

  async function workerOf(id: string): Promise<Placement> {
    const p = (await placements(engine)).get(id);
    if (!p) throw new Error(`session ${id} is on no worker`);
    return p;
  }

  const browser = (affinity: string) =>
    engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'opus', payloadType: 111, clockRate: 48000 },
      rtcpMux: true,
      affinity,
      webrtc: { remoteSdp: OFFER },
    });

  test('two conferences put their browsers on two workers, each beside its own room', async () => {
    // Browsers answered before their rooms exist (the access code comes first), as in a conference call.
    const a1 = await browser('conference:a');
    const b1 = await browser('conference:b');
    const a2 = await browser('conference:a');
    const plainB = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: PCMU,
      affinity: 'conference:b',
    });
    const wa = (await workerOf(a1.id)).worker;
    const wb = (await workerOf(b1.id)).worker;
    assert.notEqual(wa, wb, 'the second conference takes the other (less loaded) worker');
    assert.equal((await workerOf(a2.id)).worker, wa);
    assert.equal((await workerOf(plainB.id)).worker, wb);

    await engine.createRoom('conference:a:1', { affinity: 'conference:a' });
    await engine.createRoom('conference:b:2', { affinity: 'conference:b' });
    // Both browsers of a room join it without a relocation refusal, and nobody moves.
    for (const id of [a1.id, a2.id]) await engine.join('conference:a:1', id);
    for (const id of [b1.id, plainB.id]) await engine.join('conference:b:2', id);
    assert.deepEqual(await workerOf(a1.id), { worker: wa, room: 'conference:a:1' });
    assert.deepEqual(await workerOf(a2.id), { worker: wa, room: 'conference:a:1' });
    assert.deepEqual(await workerOf(b1.id), { worker: wb, room: 'conference:b:2' });
    assert.deepEqual(await workerOf(plainB.id), { worker: wb, room: 'conference:b:2' });

    for (const s of [a1, a2, b1, plainB]) await engine.closeSession(s.id);
    await engine.closeRoom('conference:a:1');
    await engine.closeRoom('conference:b:2');
  });

  test('a key is forgotten once nothing holds it', async () => {
    // Load call:1's old worker with two sessions of another key: call:1 used afresh must pick the other.
    const first = await browser('call:1');
    const w = (await workerOf(first.id)).worker;
    await engine.closeSession(first.id);
    const ballast = [
      await engine.createSession({ localAddress: '127.0.0.1', codec: PCMU, affinity: 'ballast' }),
      await engine.createSession({ localAddress: '127.0.0.1', codec: PCMU, affinity: 'ballast' }),
    ];
    const ballastWorker = (await workerOf(ballast[0]!.id)).worker;
    assert.equal(ballastWorker, w, 'the test needs the ballast where call:1 first was');
    const again = await browser('call:1');
    assert.notEqual((await workerOf(again.id)).worker, w, 'chosen afresh by load, not kept');
    for (const s of [...ballast, again]) await engine.closeSession(s.id);
  });
});
