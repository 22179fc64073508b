import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateTone, toneSnr } from '../processor/goertzel.ts';
import { encodeWav, isWavError, parseWav, WAV_HEADER_SIZE } from './wav.ts';

test('encode then parse is sample-exact at 8, 16 and 48 kHz', () => {
  for (const rate of [8000, 16000, 48000]) {
    const pcm = generateTone(440, rate, rate / 10, 12000);
    const file = encodeWav(pcm, rate);
    assert.equal(file.length, WAV_HEADER_SIZE + pcm.length * 2);
    const back = parseWav(file);
    assert.ok(!isWavError(back), JSON.stringify(back));
    assert.equal(back.sampleRate, rate);
    assert.deepEqual(back.samples, pcm);
  }
});

test('stereo is mixed down, odd chunks are skipped, extensible PCM is accepted', () => {
  // RIFF, an odd-sized LIST chunk (padded), an extensible fmt chunk, then a stereo data chunk.
  const frames = 4;
  const parts: number[] = [];
  const str = (s: string) => parts.push(...[...s].map((c) => c.charCodeAt(0)));
  const u32 = (v: number) => parts.push(v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
  const u16 = (v: number) => parts.push(v & 255, (v >> 8) & 255);
  str('RIFF');
  u32(0);
  str('WAVE');
  str('LIST');
  u32(3);
  parts.push(1, 2, 3, 0);
  str('fmt ');
  u32(40);
  u16(0xfffe);
  u16(2);
  u32(16000);
  u32(64000);
  u16(4);
  u16(16);
  u16(22);
  u16(16);
  u32(3);
  u16(1); // sub-format: PCM
  for (let i = 0; i < 14; i++) parts.push(0);
  str('data');
  u32(frames * 4);
  for (let i = 0; i < frames; i++) {
    u16(1000 + i * 2);
    u16((-1000 + i * 2) & 0xffff);
  }
  const r = parseWav(new Uint8Array(parts));
  assert.ok(!isWavError(r), JSON.stringify(r));
  assert.equal(r.sampleRate, 16000);
  assert.deepEqual([...r.samples], [0, 2, 4, 6]);
});

test('garbage and unsupported formats are error values, never throws', () => {
  assert.equal((parseWav(new Uint8Array(3)) as { error: string }).error, 'not-wav');
  const f = encodeWav(generateTone(300, 8000, 80, 1000), 8000);
  f[34] = 8; // 8-bit
  assert.equal((parseWav(f) as { error: string }).error, 'unsupported-format');
  const truncated = encodeWav(generateTone(300, 8000, 800, 1000), 8000).subarray(0, 30);
  assert.ok(isWavError(parseWav(truncated)));
  for (let i = 0; i < 200; i++) {
    const junk = encodeWav(generateTone(300, 8000, 40, 1000), 8000);
    for (let j = 0; j < 6; j++)
      junk[Math.floor(Math.random() * junk.length)] = Math.floor(Math.random() * 256);
    parseWav(junk);
  }
});

test('a data size larger than the file reads to the end (streams written without a final size)', () => {
  const pcm = generateTone(1000, 8000, 800, 10000);
  const f = encodeWav(pcm, 8000);
  new DataView(f.buffer).setUint32(40, 0xffffffff, true);
  const r = parseWav(f);
  assert.ok(!isWavError(r));
  assert.ok(toneSnr(r.samples, 8000, 1000) > 40);
});
