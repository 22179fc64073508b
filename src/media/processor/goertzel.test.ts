import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTone, goertzelPower, levelDb, meanSquare, peakFrequency, toneSnr } from './goertzel.ts';

test('goertzelPower measures a sine as A²/2 at its frequency and ~0 elsewhere', () => {
  const tone = generateTone(1000, 8000, 800, 10000);
  const p = goertzelPower(tone, 8000, 1000);
  assert.ok(Math.abs(p - 5e7) / 5e7 < 0.01, `power ${p}`);
  assert.ok(goertzelPower(tone, 8000, 1500) < p * 1e-4);
  assert.ok(Math.abs(meanSquare(tone) - 5e7) / 5e7 < 0.01);
});

test('toneSnr is high for a clean tone, drops with added noise, very low when the tone is absent', () => {
  const clean = generateTone(440, 16000, 1600, 8000, 0.3);
  assert.ok(toneSnr(clean, 16000, 440) > 60);
  const noisy = clean.slice();
  let seed = 1;
  for (let i = 0; i < noisy.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    noisy[i]! += ((seed / 0x7fffffff) * 2 - 1) * 800; // uniform noise, ~ -20 dB relative
  }
  const snr = toneSnr(noisy, 16000, 440);
  assert.ok(snr > 20 && snr < 30, `snr ${snr}`);
  assert.ok(toneSnr(generateTone(1000, 16000, 1600, 8000), 16000, 440) < -20);
});

test('peakFrequency picks the tone and generateTone continues phase across frames', () => {
  const candidates = [300, 440, 700, 1000, 1500, 2000];
  assert.equal(peakFrequency(generateTone(700, 8000, 400, 5000), 8000, candidates), 700);
  const whole = generateTone(440, 8000, 320, 9000);
  const a = generateTone(440, 8000, 160, 9000);
  const b = generateTone(440, 8000, 160, 9000, (2 * Math.PI * 440 * 160) / 8000);
  assert.deepEqual([...a, ...b], [...whole]);
  assert.equal(levelDb(new Int16Array(10)), Number.NEGATIVE_INFINITY);
  assert.ok(Math.abs(levelDb(generateTone(1000, 8000, 800, 32767))) < 0.1);
});
