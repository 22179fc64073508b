import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isWavError, parseWav } from '../player/wav.ts';
import { generateTone, toneSnr } from '../processor/goertzel.ts';
import { WavRecorder } from './wav-recorder.ts';

test('frames written across flushes come back sample-exact with a correct header', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'rec-')), 'r.wav');
  const rec = await WavRecorder.open(file, 8000);
  const tone = generateTone(700, 8000, 8000 * 3, 9000);
  for (let i = 0; i < tone.length; i += 160) rec.write(tone.subarray(i, i + 160));
  rec.writeSilence(160);
  const r = await rec.close();
  assert.equal(await rec.close(), r, 'close is idempotent');
  assert.equal(r.samples, tone.length + 160);
  assert.equal(r.durationMs, 3020);
  assert.equal(r.error, undefined);
  const wav = parseWav(readFileSync(file));
  assert.ok(!isWavError(wav));
  assert.equal(wav.sampleRate, 8000);
  assert.deepEqual(wav.samples.subarray(0, tone.length), tone);
  assert.ok(toneSnr(wav.samples.subarray(0, tone.length), 8000, 700) > 60);
  rec.write(tone);
  assert.equal((await rec.close()).samples, r.samples, 'writes after close are ignored');
});

test('an unwritable path rejects at open', async () => {
  await assert.rejects(WavRecorder.open(join(tmpdir(), 'no-such-dir-x', 'r.wav'), 8000));
});
