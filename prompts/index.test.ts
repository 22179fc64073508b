import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isWavError, parseWav, type WavAudio } from '../src/media/player/wav.ts';
import { goertzelPower, peakFrequency } from '../src/media/processor/goertzel.ts';
import {
  LANGUAGES,
  musicOnHoldPath,
  PROMPT_NAMES,
  promptPath,
  resolveLanguage,
  soundPath,
  TONE_NAMES,
  tonePath,
} from './index.ts';

function load(path: string): WavAudio {
  const wav = parseWav(readFileSync(path));
  if (isWavError(wav)) throw new Error(`${path}: ${wav.message}`);
  return wav;
}

function peak(samples: Int16Array): number {
  let max = 0;
  for (const s of samples) max = Math.max(max, Math.abs(s));
  return max;
}

test('every prompt exists in every language as 16 kHz speech normalised near -3 dBFS', () => {
  for (const lang of LANGUAGES) {
    for (const name of PROMPT_NAMES) {
      const wav = load(promptPath(lang, name));
      assert.equal(wav.sampleRate, 16000, `${lang}/${name}`);
      const seconds = wav.samples.length / wav.sampleRate;
      assert.ok(seconds > 0.4 && seconds < 10, `${lang}/${name}: ${seconds} s`);
      const p = peak(wav.samples);
      assert.ok(p > 20000 && p < 24000, `${lang}/${name}: peak ${p}`);
      // True digital silence at both ends (no dither), so a talker detector stays quiet.
      assert.equal(wav.samples[0], 0);
      assert.equal(wav.samples.at(-1), 0);
    }
  }
});

test('the join tone rises and the leave tone falls', () => {
  const candidates = [523.25, 783.99, 440, 1000];
  const join = load(tonePath('join')).samples;
  const leave = load(tonePath('leave')).samples;
  const half = (s: Int16Array, second: boolean) =>
    second ? s.subarray(s.length - 1600) : s.subarray(0, 1600);
  assert.equal(peakFrequency(half(join, false), 16000, candidates), 523.25);
  assert.equal(peakFrequency(half(join, true), 16000, candidates), 783.99);
  assert.equal(peakFrequency(half(leave, false), 16000, candidates), 783.99);
  assert.equal(peakFrequency(half(leave, true), 16000, candidates), 523.25);
  assert.equal(TONE_NAMES.length, 2);
});

test('music on hold is 20 to 60 s of 16 kHz audio without clipping', () => {
  const moh = load(musicOnHoldPath());
  assert.equal(moh.sampleRate, 16000);
  const seconds = moh.samples.length / 16000;
  assert.ok(seconds >= 20 && seconds <= 60, `${seconds} s`);
  assert.ok(peak(moh.samples) < 32000);
});

test('music on hold plays its chord progression: each 3 s holds its triad, not the semitone above the root', () => {
  const moh = load(musicOnHoldPath());
  const note = (semitones: number) => 440 * 2 ** (semitones / 12);
  // C, Am, F, G, C, Em, F, G (semitones from A440), as make-prompts.sh writes them.
  const chords = [
    [-21, -17, -14],
    [-12, -9, -5],
    [-16, -12, -9],
    [-14, -10, -7],
    [-21, -17, -14],
    [-17, -14, -10],
    [-16, -12, -9],
    [-14, -10, -7],
  ];
  chords.forEach((triad, i) => {
    const window = moh.samples.subarray(i * 48000 + 8000, i * 48000 + 40000);
    const off = goertzelPower(window, 16000, note(triad[0]! + 1));
    for (const n of triad) {
      assert.ok(goertzelPower(window, 16000, note(n)) > 100 * off, `chord ${i}, note ${n}`);
    }
  });
});

test('promptPath falls back to English and reads region tags', () => {
  assert.match(promptPath('fr-BE', 'goodbye'), /\/fr\/goodbye\.wav$/);
  assert.match(promptPath('nl_NL', 'goodbye'), /\/nl\/goodbye\.wav$/);
  assert.match(promptPath('es', 'goodbye'), /\/en\/goodbye\.wav$/);
  assert.match(promptPath(undefined, 'goodbye'), /\/en\/goodbye\.wav$/);
  assert.equal(resolveLanguage('DE'), 'de');
  assert.equal(promptPath('en', 'entering', '/x'), '/x/en/entering.wav');
  assert.equal(soundPath('fr', 'join', '/x'), '/x/tones/join.wav');
  assert.equal(soundPath('fr', 'music-on-hold', '/x'), '/x/moh/default.wav');
  assert.equal(soundPath('fr', 'goodbye', '/x'), '/x/fr/goodbye.wav');
});
