import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTone } from './goertzel.ts';
import { Vad } from './vad.ts';

function noise(samples: number, amplitude: number, seed = 7): Int16Array {
  const out = new Int16Array(samples);
  let s = seed;
  for (let i = 0; i < samples; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = Math.round(((s / 0x7fffffff) * 2 - 1) * amplitude);
  }
  return out;
}

test('talking after the attack time, silent after the hangover', () => {
  const vad = new Vad({ attackMs: 40, hangoverMs: 200 });
  const events: { type: string; atMs: number }[] = [];
  const feed = (pcm: Int16Array) =>
    events.push(...vad.process(pcm, 8000).map(({ type, atMs }) => ({ type, atMs })));
  for (let i = 0; i < 10; i++) feed(new Int16Array(160)); // 200 ms silence
  for (let i = 0; i < 25; i++) feed(generateTone(300, 8000, 160, 6000, i)); // 500 ms speech-level tone
  assert.equal(vad.talking, true);
  for (let i = 0; i < 5; i++) feed(new Int16Array(160)); // a 100 ms pause: hangover holds
  assert.equal(vad.talking, true);
  for (let i = 0; i < 15; i++) feed(new Int16Array(160));
  assert.deepEqual(events, [
    { type: 'talking', atMs: 240 },
    { type: 'silent', atMs: 900 },
  ]);
  assert.equal(vad.stats().transitions, 2);
});

test('a steady tone stays talking (no adaptation by default)', () => {
  const vad = new Vad();
  for (let i = 0; i < 1000; i++) vad.process(generateTone(440, 8000, 160, 4000, i * 0.5), 8000); // 20 s
  assert.equal(vad.talking, true);
});

test('a short click does not count as talking', () => {
  const vad = new Vad({ attackMs: 40 });
  vad.process(generateTone(1000, 8000, 160, 20000), 8000);
  vad.process(new Int16Array(160), 8000);
  assert.equal(vad.talking, false);
});

test('adaptive: steady background noise is learnt as the floor, speech over it is still detected', () => {
  const fixed = new Vad();
  for (let i = 0; i < 10; i++) fixed.process(noise(160, 600, i + 1), 8000);
  assert.equal(fixed.talking, true, 'without adaptation hiss at −36 dB is talking');
  const vad = new Vad({ adaptive: true });
  for (let i = 0; i < 300; i++) vad.process(noise(160, 600, i + 1), 8000); // 6 s of hiss (≈ −36 dB)
  assert.equal(vad.talking, false, `floor ${vad.stats().noiseFloorDb}`);
  for (let i = 0; i < 10; i++) {
    const frame = noise(160, 600, 999 + i);
    const tone = generateTone(200, 8000, 160, 12000, i);
    for (let j = 0; j < 160; j++) frame[j]! += tone[j]!;
    vad.process(frame, 8000);
  }
  assert.equal(vad.talking, true);
});

test('processEnergy matches process', () => {
  const a = new Vad();
  const b = new Vad();
  for (let i = 0; i < 20; i++) {
    const f = generateTone(500, 16000, 320, 3000 * (i % 3), i);
    let e = 0;
    for (const v of f) e += v * v;
    assert.deepEqual(a.process(f, 16000), b.processEnergy(e / f.length, 20));
  }
});

test('adaptive: the floor is capped, so a steady tone above −31 dB keeps talking', () => {
  const vad = new Vad({ adaptive: true });
  for (let i = 0; i < 1000; i++) vad.process(generateTone(440, 8000, 160, 2500, i * 0.5), 8000); // −22 dB, 20 s
  assert.equal(vad.talking, true);
  assert.equal(vad.stats().noiseFloorDb, -40);
});
