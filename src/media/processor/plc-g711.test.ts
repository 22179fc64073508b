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
