import assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanSquare } from './goertzel.ts';
import { PlcG711 } from './plc-g711.ts';

/** A voiced-speech-like periodic signal: 125 Hz (64-sample period) with decaying harmonics. */
function voiced(start: number, n: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = start + i;
    let v = 0;
    for (let k = 1; k <= 6; k++) v += (6000 / k) * Math.sin((2 * Math.PI * 125 * k * t) / 8000 + k);
    out[i] = Math.round(v);
  }
  return out;
}

const snrDb = (ref: Int16Array, x: Int16Array): number => {
  let e = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    s += ref[i]! ** 2;
    e += (ref[i]! - x[i]!) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-9));
};

test('good frames come out delayed by 3.75 ms (Appendix I) or untouched without the delay', () => {
  const delayed = new PlcG711();
  const direct = new PlcG711({ delay: false });
  const a = voiced(0, 160);
  const b = voiced(160, 160);
  delayed.good(a);
  const out = delayed.good(b);
  assert.deepEqual([...out], [...a.subarray(130), ...b.subarray(0, 130)]);
  assert.equal(direct.good(a), a);
});

test('a lost 10 ms frame of voiced speech is replaced by its pitch-period continuation', () => {
  const plc = new PlcG711({ delay: false });
  for (let k = 0; k < 10; k++) plc.good(voiced(k * 80, 80));
  const concealed = plc.lost(80);
  assert.equal(plc.stats().lastPitch % 64, 0);
  const truth = voiced(800, 80);
  assert.ok(snrDb(truth, concealed) > 15, `SNR ${snrDb(truth, concealed)}`);
  // Far better than playing silence (0 dB by definition).
});

test('a long loss fades by 20 % per 10 ms after the first 10 ms and is silent from 60 ms', () => {
  const plc = new PlcG711();
  for (let k = 0; k < 10; k++) plc.good(voiced(k * 80, 80));
  const rms = Array.from({ length: 9 }, () => Math.sqrt(meanSquare(plc.lost(80))));
  const ref = Math.sqrt(meanSquare(voiced(0, 800)));
  // With the 30-sample output delay the first lost frame still carries real signal.
  assert.ok(rms[0]! > 0.8 * ref && rms[1]! > 0.7 * ref, `${rms.map((r) => Math.round(r))}`);
  for (let i = 2; i < 7; i++) assert.ok(rms[i]! < rms[i - 1]!, `frame ${i} does not fade: ${rms}`);
  assert.equal(rms[7], 0);
  assert.equal(rms[8], 0);
  assert.equal(plc.stats().erasures, 1);
});

test('recovery cross-fades into the real signal without a click', () => {
  const plc = new PlcG711({ delay: false });
  for (let k = 0; k < 10; k++) plc.good(voiced(k * 80, 80));
  plc.lost(80);
  const last = plc.lost(80);
  // The real signal comes back with a 180° phase jump: the worst case for a click.
  const back = voiced(960 + 32, 80).map((v) => -v);
  const out = plc.good(back);
  // Largest step between consecutive samples across the joint, compared with the signal's own.
  const joint = [last.at(-1)!, ...out.subarray(0, 40)];
  let maxStep = 0;
  for (let i = 1; i < joint.length; i++) maxStep = Math.max(maxStep, Math.abs(joint[i]! - joint[i - 1]!));
  let ownStep = 0;
  for (let i = 1; i < back.length; i++) ownStep = Math.max(ownStep, Math.abs(back[i]! - back[i - 1]!));
  assert.ok(maxStep <= 1.6 * ownStep, `step ${maxStep} vs ${ownStep}`);
  // After the overlap (4 ms + 4 ms for the second lost 10 ms) the real signal passes unchanged.
  assert.deepEqual([...out.subarray(64)], [...back.subarray(64)]);
  assert.notDeepEqual([...out.subarray(0, 64)], [...back.subarray(0, 64)]);
  assert.equal(plc.stats().goodFrames, 11);
});

test('loss at the very start (no history) conceals with silence', () => {
  const plc = new PlcG711();
  assert.equal(meanSquare(plc.lost(160)), 0);
});

test('chain: PCMU over a lossy, jittery path through the jitter buffer, concealed, keeps the tone', async () => {
  const { pcmu } = await import('../codec/g711.ts');
  const { JitterBuffer } = await import('./jitter-buffer.ts');
  const { generateTone, goertzelPower } = await import('./goertzel.ts');
  let seed = 11;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const enc = pcmu.create();
  const packets = Array.from({ length: 500 }, (_, k) => ({
    version: 2,
    padding: false,
    marker: k === 0,
    payloadType: 0,
    sequenceNumber: k,
    timestamp: k * 160,
    ssrc: 3,
    csrc: [],
    payload: enc.encode(generateTone(440, 8000, 160, 8000, (2 * Math.PI * 440 * k * 160) / 8000)),
    lost: k > 10 && rand() < 0.05,
    at: k * 20 + 5 + rand() * 40,
  }));
  const run = (conceal: boolean): Int16Array => {
    const jb = new JitterBuffer({ clockRate: 8000 });
    const dec = pcmu.create();
    const arrivals = packets.filter((p) => !p.lost).sort((a, b) => a.at - b.at);
    const out: number[] = [];
    let i = 0;
    for (let t = 7; t < 11_000; t += 20) {
      while (i < arrivals.length && arrivals[i]!.at <= t) jb.push(arrivals[i]!, arrivals[i++]!.at);
      const o = jb.pop();
      if (o.kind === 'frame') out.push(...dec.decode(o.packet.payload));
      else if (o.kind === 'lost') out.push(...(conceal ? dec.conceal!(160) : new Int16Array(160)));
    }
    return Int16Array.from(out);
  };
  // The buffer's inserted and dropped frames shift the phase, so judge each 20 ms frame on its own: does it
  // carry the tone at (nearly) its level?
  const withTone = (x: Int16Array): number => {
    let n = 0;
    let frames = 0;
    for (let i = 1600; i + 160 <= x.length; i += 160, frames++) {
      if (goertzelPower(x.subarray(i, i + 160), 8000, 440) > 0.25 * 3.2e7) n++;
    }
    return n / frames;
  };
  const concealed = withTone(run(true));
  const silenced = withTone(run(false));
  assert.ok(concealed > 0.985, `with PLC ${(concealed * 100).toFixed(1)} % of frames carry the tone`);
  assert.ok(silenced < 0.965, `with silence ${(silenced * 100).toFixed(1)} %`);
});
