/**
 * Where WebRTC sessions run: they cannot move between media workers (their ICE socket and DTLS state
 * live in one thread), so the engine keeps them on one worker and a room they join follows them there,
 * its plain RTP members moving along. No browser needed: the transports open on a recorded offer.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MediaEngine } from '../engine.ts';

const OFFER = readFileSync(
  join(import.meta.dirname, '..', 'sdp', 'fixtures', 'sipjs-0.21-chromium-156-offer.sdp'),
  'utf8',
).replace(/\r?\n/g, '\r\n');
const PCMU = { name: 'PCMU', payloadType: 0, clockRate: 8000 };

describe('WebRTC sessions on media workers', () => {
  let engine: MediaEngine;
  before(async () => {
    const base = 44000 + Math.floor(Math.random() * 100) * 100;
    engine = new MediaEngine({ workers: 2, rtpPorts: `${base}-${base + 99}` });
    await engine.warmUpWebRtc();
  });
  after(async () => {
    await engine.close();
  });

  async function whereIs(): Promise<Map<string, { worker: number; room?: string }>> {
    const stats = await engine.stats({ perSession: true });
    const out = new Map<string, { worker: number; room?: string }>();
    for (const w of stats.workers) {
      for (const s of w.perSession ?? []) {
        out.set(s.sessionId, s.roomId ? { worker: w.workerId, room: s.roomId } : { worker: w.workerId });
      }
    }
    return out;
  }

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
