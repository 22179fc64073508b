import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { RtpPacket } from '../rtp/rtp-packet.ts';
import { JitterBuffer, type JitterOutput } from './jitter-buffer.ts';

function packet(seq: number, ssrc = 1, timestamp = seq * 160): RtpPacket {
  return {
    version: 2,
    padding: false,
    marker: false,
    payloadType: 0,
    sequenceNumber: seq & 0xffff,
    timestamp: timestamp >>> 0,
    ssrc,
    csrc: [],
    payload: new Uint8Array(160),
  };
}

const seqOf = (o: JitterOutput): number | string =>
  o.kind === 'frame' ? o.packet.sequenceNumber : o.kind === 'lost' ? 'lost' : 'idle';

/**
 * Simulates a sender of `count` packets every 20 ms with per-packet network delay `delay(k)` (ms) and a
 * playout clock ticking every 20 ms at offset 7 ms; returns what each tick played.
 */
function simulate(jb: JitterBuffer, count: number, delay: (k: number) => number, first = 0): JitterOutput[] {
  const arrivals = Array.from({ length: count }, (_, k) => ({ k, at: k * 20 + delay(k) })).filter((a) =>
    Number.isFinite(a.at),
  );
  arrivals.sort((a, b) => a.at - b.at);
  const out: JitterOutput[] = [];
  let i = 0;
  const end = count * 20 + 1000;
  for (let t = 7; t < end; t += 20) {
    while (i < arrivals.length && arrivals[i]!.at <= t) {
      jb.push(packet(first + arrivals[i]!.k), arrivals[i]!.at);
      i++;
    }
    out.push(jb.pop());
  }
  return out;
}

test('an in-order stream plays every frame in order after the initial delay, then goes idle', () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const out = simulate(jb, 50, () => 5);
  const frames = out.filter((o) => o.kind === 'frame').map(seqOf);
  assert.deepEqual(
    frames,
    Array.from({ length: 50 }, (_, k) => k),
  );
  assert.equal(out.at(-1)!.kind, 'idle');
  assert.equal(jb.stats().lost, 0);
  assert.equal(jb.stats().late, 0);
});

test('reorders, drops duplicates, reports a lost frame once newer ones are here', () => {
  const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 60 });
  for (const s of [1, 3, 2, 2, 4, 6, 7]) jb.push(packet(s), 0);
  assert.equal(jb.stats().duplicates, 1);
  const played = Array.from({ length: 7 }, () => seqOf(jb.pop()));
  assert.deepEqual(played.slice(0, 6), [1, 2, 3, 4, 'lost', 6]);
  assert.equal(played[6], 7);
  assert.equal(jb.stats().lost, 1);
  assert.equal(jb.push(packet(5), 200), 'late');
  assert.equal(jb.stats().late, 1);
});

test('sequence numbers wrap through 65535 without loss', () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  const out = simulate(jb, 40, () => 3, 65520);
  const frames = out.filter((o) => o.kind === 'frame').map(seqOf);
  assert.equal(frames.length, 40);
  assert.deepEqual(frames.slice(14, 18), [65534, 65535, 0, 1]);
  assert.equal(jb.stats().lost, 0);
});

test('adapts its depth to jitter and back, with few late packets', () => {
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const jb = new JitterBuffer({ clockRate: 8000 });
  // 10 s with up to 90 ms of jitter, then 10 s without.
  const out = simulate(jb, 1000, (k) => (k < 500 ? 10 + rand() * 90 : 10));
  const mid = jb.stats();
  assert.ok(mid.late <= 15, `late ${mid.late} of 500 jittery packets`);
  // During the jittery part the target covered the spread.
  const early = new JitterBuffer({ clockRate: 8000 });
  simulate(early, 400, () => 10 + rand() * 90);
  assert.ok(early.stats().targetDepth >= 4, `target ${early.stats().targetDepth}`);
  assert.ok(early.stats().jitterMs > 60);
  // After 10 calm seconds the buffer shrank back.
  assert.ok(mid.targetDepth <= 2, `target after calm ${mid.targetDepth}`);
  const frames = out.filter((o) => o.kind === 'frame').length;
  assert.equal(frames + mid.late, 1000 - mid.discarded);
});

test('SSRC change and a large sequence jump restart the buffer', () => {
  const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 20 });
  jb.push(packet(10), 0);
  assert.equal(seqOf(jb.pop()), 10);
  assert.equal(jb.push(packet(500, 2), 20), 'reset');
  assert.equal(seqOf(jb.pop()), 500);
  assert.equal(jb.push(packet(30000, 2), 40), 'reset');
  assert.equal(seqOf(jb.pop()), 30000);
  assert.equal(jb.stats().resets, 2);
  assert.equal(jb.stats().lost, 0);
  jb.push(packet(30001, 2), 60);
  jb.reset();
  assert.equal(jb.pop().kind, 'idle');
  assert.equal(jb.stats().resets, 3);
  assert.equal(jb.stats().depth, 0);
});

test('a timestamp jump with contiguous sequence numbers keeps playing', () => {
  const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 20 });
  const out: (number | string)[] = [];
  for (let k = 0; k < 20; k++) {
    jb.push(packet(k, 1, k < 10 ? k * 160 : 1_000_000 + k * 160), k * 20);
    out.push(seqOf(jb.pop()));
  }
  assert.deepEqual(
    out,
    Array.from({ length: 20 }, (_, k) => k),
  );
});

test('a silent stream conceals a few ticks then goes idle and rebuffers', () => {
  const jb = new JitterBuffer({ clockRate: 8000, initialDelayMs: 20, maxConcealFrames: 3 });
  jb.push(packet(1), 0);
  assert.deepEqual(
    Array.from({ length: 6 }, () => seqOf(jb.pop())),
    [1, 'lost', 'lost', 'lost', 'idle', 'idle'],
  );
  jb.push(packet(2), 200);
  assert.equal(seqOf(jb.pop()), 2);
});

test('random loss is reported as lost frames, every received frame still plays in order', () => {
  let seed = 9;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const jb = new JitterBuffer({ clockRate: 8000 });
  const dropped = new Set<number>();
  const out = simulate(jb, 1000, (k) => {
    if (k > 0 && k < 999 && rand() < 0.05) {
      dropped.add(k);
      return Number.POSITIVE_INFINITY;
    }
    return 10 + rand() * 20;
  });
  const frames = out.filter((o) => o.kind === 'frame').map((o) => seqOf(o) as number);
  assert.equal(frames.length, 1000 - dropped.size);
  assert.ok(frames.every((s, i) => i === 0 || s > frames[i - 1]!));
  assert.equal(jb.stats().lost, dropped.size);
});

test('measures the packet duration (10 ms packets) and sizes its delay in packets of that length', () => {
  let seed = 5;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const jb = new JitterBuffer({ clockRate: 8000 }); // told 20 ms, gets 10 ms packets
  const arrivals = Array.from({ length: 1000 }, (_, k) => ({ k, at: k * 10 + 5 + rand() * 60 })).sort(
    (a, b) => a.at - b.at,
  );
  let i = 0;
  let frames = 0;
  for (let t = 3; t < 11_000; t += 10) {
    while (i < arrivals.length && arrivals[i]!.at <= t) {
      const k = arrivals[i]!.k;
      jb.push(packet(k, 1, k * 80), arrivals[i]!.at);
      i++;
    }
    if (jb.pop().kind === 'frame') frames++;
  }
  const s = jb.stats();
  assert.equal(s.packetMs, 10);
  assert.ok(s.targetDepth >= 6, `target ${s.targetDepth} packets for ${s.jitterMs.toFixed(0)} ms of jitter`);
  assert.ok(s.late <= 10, `late ${s.late}`);
  assert.equal(frames + s.late, 1000);
});

test('clock drift: a sender 1 % fast or slow keeps the delay bounded', () => {
  for (const rate of [1.01, 0.99]) {
    const jb = new JitterBuffer({ clockRate: 8000 });
    // Sender packets every 20/rate ms of our time, for 60 s.
    const out = simulate(jb, 3000, (k) => k * (20 / rate - 20) + 5);
    const s = jb.stats();
    let maxDepth = 0;
    const jb2 = new JitterBuffer({ clockRate: 8000 });
    const arrivals = Array.from({ length: 3000 }, (_, k) => k * (20 / rate) + 5);
    let i = 0;
    for (let t = 7; t < 61_000; t += 20) {
      while (i < arrivals.length && arrivals[i]! <= t) jb2.push(packet(i), arrivals[i++]!);
      jb2.pop();
      maxDepth = Math.max(maxDepth, jb2.depth);
    }
    assert.ok(maxDepth <= 5, `rate ${rate}: depth reached ${maxDepth}`);
    const played = out.filter((o) => o.kind === 'frame').length;
    assert.equal(played + s.discarded + s.late, 3000, `rate ${rate}`);
    if (rate > 1) assert.ok(s.discarded >= 20 && s.discarded <= 40, `discarded ${s.discarded}`);
    else assert.ok(s.concealed >= 20 && s.lost === 0, `concealed ${s.concealed}, lost ${s.lost}`);
  }
});

test('any packet stream (fuzz): never throws, plays each sequence number at most once between resets', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          seq: fc.integer({ min: 0, max: 0xffff }),
          ts: fc.integer({ min: 0, max: 0xffffffff }),
          ssrc: fc.constantFrom(1, 2),
          at: fc.integer({ min: 0, max: 5000 }),
          pops: fc.integer({ min: 0, max: 3 }),
        }),
        { maxLength: 200 },
      ),
      (events) => {
        const jb = new JitterBuffer({ clockRate: 8000 });
        let seen = new Set<string>();
        let resets = 0;
        for (const e of events) {
          jb.push(packet(e.seq, e.ssrc, e.ts), e.at);
          if (jb.stats().resets !== resets) {
            resets = jb.stats().resets;
            seen = new Set();
          }
          for (let i = 0; i < e.pops; i++) {
            const o = jb.pop();
            if (o.kind === 'frame') {
              const key = `${o.packet.ssrc}/${o.packet.sequenceNumber}/${o.packet.timestamp}`;
              assert.ok(!seen.has(key), `played twice: ${key}`);
              seen.add(key);
            }
          }
        }
        const s = jb.stats();
        assert.ok(s.depth >= 0 && s.targetDepth >= 1);
      },
    ),
    { numRuns: 300 },
  );
});

test('a buffer nobody drains keeps its newest 128 packets: an older packet makes way and is counted', () => {
  const jb = new JitterBuffer({ clockRate: 8000 });
  for (let k = 0; k < 200; k++) assert.equal(jb.push(packet(k), k * 20), 'queued');
  assert.equal(jb.stats().depth, 128);
  assert.equal(jb.stats().discarded, 72);
  // Playout starts at the oldest packet still held and plays the rest in order (shrinking the delay by
  // skipping a frame now and then, as it does whenever it holds far more than its target).
  const played: number[] = [];
  for (let o = jb.pop(); o.kind === 'frame'; o = jb.pop()) played.push(o.packet.sequenceNumber);
  assert.equal(played[0], 72);
  assert.equal(played.at(-1), 199);
  assert.ok(played.every((seq, i) => i === 0 || seq > played[i - 1]!));
  assert.equal(jb.stats().discarded, 72 + (128 - played.length));
});
