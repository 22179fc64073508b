import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTone, levelDb, meanSquare, peakFrequency, toneSnr } from './goertzel.ts';
import { Resampler, resample } from './resampler.ts';

const PAIRS: [number, number][] = [
  [8000, 16000],
  [16000, 8000],
  [8000, 48000],
  [48000, 8000],
  [16000, 48000],
  [48000, 16000],
];

test('streaming 20 ms frames keep size, level, frequency and a clean tone', () => {
  for (const [from, to] of PAIRS) {
    const r = new Resampler(from, to);
    const frame = from / 50;
    const chunks: Int16Array[] = [];
    for (let k = 0; k < 50; k++) {
      const out = r.process(generateTone(1000, from, frame, 8000, (2 * Math.PI * 1000 * k * frame) / from));
      assert.equal(out.length, to / 50, `${from}→${to}`);
      chunks.push(out);
    }
    const all = Int16Array.from(chunks.flatMap((c) => [...c]));
    const tail = all.subarray(to / 10);
    assert.equal(peakFrequency(tail, to, [440, 800, 1000, 1200, 2000]), 1000);
    assert.ok(toneSnr(tail, to, 1000) > 60, `${from}→${to} SNR ${toneSnr(tail, to, 1000)}`);
    assert.ok(Math.abs(Math.sqrt(2 * meanSquare(tail)) - 8000) < 80, `${from}→${to} level`);
  }
});

test('downsampling rejects what would alias (anti-aliasing low-pass)', () => {
  // 5 kHz at 16/48 kHz would fold to 3 kHz at 8 kHz; 9.5 kHz at 48 kHz would fold to 6.5 kHz at 16 kHz.
  for (const [from, to, f] of [
    [16000, 8000, 5000],
    [48000, 8000, 5000],
    [48000, 16000, 9500],
  ] as const) {
    const out = resample(generateTone(f, from, from, 16000), from, to);
    const level = levelDb(out.subarray(to / 10, -to / 10));
    assert.ok(level < -60, `${from}→${to} ${f} Hz leaks at ${level.toFixed(1)} dB`);
  }
});

test('upsampling leaves no images above the old band', () => {
  const out = resample(generateTone(3000, 8000, 8000, 16000), 8000, 48000);
  const mid = out.subarray(4800, -4800);
  // The 8 kHz zero-stuffing image of 3 kHz sits at 5 kHz: check it is gone, and the tone stays.
  assert.ok(toneSnr(mid, 48000, 3000) > 55, `${toneSnr(mid, 48000, 3000)}`);
});

test('one-shot resample aligns the output and has the exact length', () => {
  const x = generateTone(440, 8000, 8000, 10000);
  const y = resample(x, 8000, 16000);
  assert.equal(y.length, 16000);
  // Delay compensated: sample 2n of the output sits on sample n of the input.
  for (const n of [1000, 2000, 5000]) assert.ok(Math.abs(y[2 * n]! - x[n]!) < 200, `${n}`);
  assert.equal(resample(x, 8000, 8000).length, 8000);
  assert.equal(resample(new Int16Array(0), 8000, 48000).length, 0);
  assert.throws(() => new Resampler(0, 8000), RangeError);
});

test('odd frame sizes stream with the exact overall ratio', () => {
  const r = new Resampler(48000, 8000);
  let out = 0;
  let input = 0;
  for (const n of [1, 5, 7, 961, 1000, 13, 6, 2880]) {
    out += r.process(new Int16Array(n)).length;
    input += n;
  }
  assert.ok(Math.abs(out - input / 6) <= 1, `${out} vs ${input / 6}`);
});
