import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readPcapUdp } from '../../../test/helpers/pcap.ts';
import { ALAW_ENCODE, pcma } from '../codec/g711.ts';
import { levelDb } from '../processor/goertzel.ts';
import { JitterBuffer } from '../processor/jitter-buffer.ts';
import { Vad } from '../processor/vad.ts';
import { isRtpParseError, parseRtp, type RtpPacket } from './rtp-packet.ts';
import { RtpReceiverStats } from './rtp-stats.ts';

/** sipp (Debian package sip-tester) ships this capture of A-law speech, 30 ms packets. */
const G711A = '/usr/share/sip-tester/g711a.pcap';

function packets(t: { skip: (m: string) => void }): { packet: RtpPacket; timeMs: number }[] | undefined {
  if (!existsSync(G711A)) {
    t.skip(`${G711A} missing: install the sip-tester package`);
    return undefined;
  }
  const capture = readPcapUdp(readFileSync(G711A));
  assert.equal(capture.skipped, 0);
  return capture.packets.map((p) => {
    const packet = parseRtp(p.payload);
    assert.ok(!isRtpParseError(packet), JSON.stringify(packet));
    return { packet, timeMs: p.timeMs };
  });
}

test("sipp's g711a.pcap: every packet parses, one clean PCMA stream", (t) => {
  const all = packets(t);
  if (!all) return;
  assert.equal(all.length, 236);
  const stats = new RtpReceiverStats({ clockRate: 8000 });
  const t0 = all[0]!.timeMs;
  for (const [i, { packet, timeMs }] of all.entries()) {
    assert.equal(packet.payloadType, 8);
    assert.equal(packet.payload.length, 240);
    assert.equal(packet.ssrc, all[0]!.packet.ssrc);
    if (i > 0) assert.equal((packet.timestamp - all[i - 1]!.packet.timestamp) >>> 0, 240);
    assert.notEqual(stats.process(packet, timeMs - t0), 'bad-sequence');
  }
  const s = stats.stats();
  assert.equal(s.lost, 0);
  assert.equal(s.expected, 235); // the first packet is probation (RFC 3550 A.1)
  assert.equal(s.badSequence, 0);
  assert.equal(s.ssrcChanges, 0);
  // The capture's own timing: 30 ms packets with a few ms of jitter at most.
  assert.ok(s.jitterMs < 10, `jitter ${s.jitterMs} ms`);
  assert.equal(stats.reportBlock(8000)!.fractionLost, 0);
});

test("sipp's g711a.pcap: the A-law audio decodes to sane speech", (t) => {
  const all = packets(t);
  if (!all) return;
  const codec = pcma.create();
  const pcm = Int16Array.from(all.flatMap(({ packet }) => [...codec.decode(packet.payload)]));
  assert.equal(pcm.length, 236 * 240); // 7.08 s
  // Speech at a normal level, no clipping, silence at the start, louder and quieter half-seconds.
  const level = levelDb(pcm);
  assert.ok(level > -30 && level < -12, `level ${level}`);
  assert.ok(Math.max(...pcm.map(Math.abs)) < 32000);
  assert.ok(levelDb(pcm.subarray(0, 2000)) < -50, 'starts in silence');
  const halves = Array.from({ length: 14 }, (_, i) => levelDb(pcm.subarray(i * 4000, (i + 1) * 4000)));
  assert.ok(
    Math.max(...halves) - Math.min(...halves.slice(2)) > 8,
    `levels ${halves.map((x) => x.toFixed(0))}`,
  );
  // A-law is idempotent: re-encoding the decoded samples gives back the captured bytes.
  const again = Uint8Array.from(pcm, (v) => ALAW_ENCODE[v & 0xffff]!);
  const captured = Uint8Array.from(all.flatMap(({ packet }) => [...packet.payload]));
  assert.deepEqual(again, captured);
  // The talker detector hears it talking.
  const vad = new Vad();
  const events = [];
  for (let i = 0; i + 240 <= pcm.length; i += 240)
    events.push(...vad.process(pcm.subarray(i, i + 240), 8000));
  assert.equal(events[0]?.type, 'talking');
});

test("sipp's g711a.pcap through the jitter buffer at its captured timing: every frame plays, in order", (t) => {
  const all = packets(t);
  if (!all) return;
  const jb = new JitterBuffer({ clockRate: 8000, frameMs: 30 });
  const t0 = all[0]!.timeMs;
  const played: number[] = [];
  let i = 0;
  for (let now = 5; now < 8000; now += 30) {
    while (i < all.length && all[i]!.timeMs - t0 <= now) {
      jb.push(all[i]!.packet, all[i]!.timeMs - t0);
      i++;
    }
    const out = jb.pop();
    if (out.kind === 'frame') played.push(out.packet.sequenceNumber);
  }
  assert.equal(played.length, 236);
  assert.ok(played.every((s, k) => k === 0 || s === ((played[k - 1]! + 1) & 0xffff)));
  assert.equal(jb.stats().late, 0);
});
