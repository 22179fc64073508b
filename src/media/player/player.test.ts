import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateTone, goertzelPower, toneSnr } from '../processor/goertzel.ts';
import { Player } from './player.ts';
import { isPromptError, PromptCache } from './prompt-cache.ts';
import { encodeWav } from './wav.ts';

test('plays a queue of prompts in order, the last frame padded, then done', () => {
  const a = generateTone(500, 8000, 400, 8000);
  const b = generateTone(1500, 8000, 160, 8000);
  const p = new Player([a, b], 160);
  const frames: Int16Array[] = [];
  for (let f = p.read(); f; f = p.read()) frames.push(f);
  assert.equal(frames.length, 4, '400 + 160 samples = 3.5 frames');
  assert.ok(p.done);
  assert.ok(goertzelPower(frames[0]!, 8000, 500) > 1e7);
  assert.ok(goertzelPower(frames[3]!.subarray(0, 80), 8000, 1500) > 1e7, 'b starts right after a');
  assert.deepEqual([...frames[3]!.subarray(80)], new Array(80).fill(0), 'padded with silence');
});

test('loops until stopped; an empty queue is done at once', () => {
  const p = new Player([generateTone(500, 8000, 100, 8000)], 160, { loop: true });
  for (let i = 0; i < 100; i++) assert.ok(p.read());
  assert.equal(p.done, false);
  p.stop();
  assert.equal(p.read(), null);
  assert.equal(new Player([new Int16Array(0)], 160, { loop: true }).read(), null);
});

test('prompt cache: converted once per rate, shared by concurrent loads, errors are values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'prompts-'));
  const file = join(dir, 'hello.wav');
  writeFileSync(file, encodeWav(generateTone(1000, 48000, 48000, 10000), 48000));
  const cache = new PromptCache();
  const [x, y] = await Promise.all([cache.get(file, 8000), cache.get(file, 8000)]);
  assert.ok(!isPromptError(x!) && x === y);
  assert.equal(x!.length, 8000);
  assert.ok(toneSnr((x as Int16Array).subarray(400, 7600), 8000, 1000) > 30);
  const wide = await cache.get(file, 16000);
  assert.ok(!isPromptError(wide) && wide.length === 16000);
  await cache.get(file, 8000);
  assert.equal(cache.loads, 2, 'one load per rate');
  const missing = await cache.get(join(dir, 'nope.wav'), 8000);
  assert.ok(isPromptError(missing) && missing.error === 'unreadable');
  writeFileSync(join(dir, 'bad.wav'), 'not a wav');
  const bad = await cache.get(join(dir, 'bad.wav'), 8000);
  assert.ok(isPromptError(bad) && bad.error === 'bad-wav');
});
