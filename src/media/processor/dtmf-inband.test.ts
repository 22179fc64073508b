import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readPcapUdp } from '../../../test/helpers/pcap.ts';
import { pcma, pcmu } from '../codec/g711.ts';
import { isRtpParseError, parseRtp } from '../rtp/rtp-packet.ts';
import {
  type DtmfToneOptions,
  generateDtmf,
  InbandDtmfDetector,
  type InbandDtmfOptions,
} from './dtmf-inband.ts';
import { resample } from './resampler.ts';

function detect(pcm: Int16Array, chunk = 160, options?: InbandDtmfOptions) {
  const d = new InbandDtmfDetector(options);
  const out = [];
  for (let i = 0; i < pcm.length; i += chunk) out.push(...d.process(pcm.subarray(i, i + chunk)));
  out.push(...d.flush());
  return { digits: out, keys: out.map((x) => x.digit).join(''), stats: d.stats() };
}

const keys = (s: string, o?: DtmfToneOptions) => detect(generateDtmf(s, o)).keys;

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function addNoise(x: Int16Array, amplitude: number, seed = 1): Int16Array {
  const rand = lcg(seed);
  return x.map((v) => Math.max(-32768, Math.min(32767, Math.round(v + (rand() * 2 - 1) * amplitude))));
}

/**
 * Speech-like audio at about −20 dBov: a glottal pulse train with wandering pitch (90–250 Hz) through three
 * parallel formant resonators that move every syllable (80–250 ms, with pauses), plus breath noise. Rich in
 * harmonics that land on DTMF frequencies — the classic "talk-off" hazard.
 */
function speechLike(seconds: number, seed: number): Int16Array {
  const rand = lcg(seed);
  const n = seconds * 8000;
  const raw = new Float64Array(n);
  const state = [0, 0, 0, 0, 0, 0];
  const r = Math.exp((-Math.PI * 120) / 8000); // 120 Hz formant bandwidth
  let phase = 0;
  let i = 0;
  while (i < n) {
    const syllable = Math.round((0.08 + rand() * 0.17) * 8000);
    const f0 = 90 + rand() * 160;
    const formants = [300 + rand() * 600, 800 + rand() * 1600, 2000 + rand() * 1200];
    const voiced = rand() > 0.2;
    for (let k = 0; k < syllable && i < n; k++, i++) {
      const env = Math.sin((Math.PI * k) / syllable);
      phase += (f0 * (1 + 0.03 * Math.sin(k / 300))) / 8000;
      let excitation = (rand() * 2 - 1) * (voiced ? 0.05 : 0.5);
      if (voiced && phase >= 1) {
        phase -= 1;
        excitation += 1;
      }
      let y = 0;
      for (let j = 0; j < 3; j++) {
        const a1 = 2 * r * Math.cos((2 * Math.PI * formants[j]!) / 8000);
        const v = excitation * env + a1 * state[2 * j]! - r * r * state[2 * j + 1]!;
        state[2 * j + 1] = state[2 * j]!;
        state[2 * j] = v;
        y += v / (j + 1);
      }
      raw[i] = y;
    }
    i += Math.round(rand() * 0.15 * 8000);
  }
  let e = 0;
  for (const v of raw) e += v * v;
  const gain = (32767 * 10 ** (-20 / 20)) / Math.sqrt(e / n);
  return Int16Array.from(raw, (v) => Math.max(-32768, Math.min(32767, Math.round(v * gain))));
}

test('every key is detected once, in order, whatever the chunk size', () => {
  const all = '0123456789*#ABCD';
  for (const chunk of [160, 37, 1000, 102]) {
    const r = detect(generateDtmf(all), chunk);
    assert.equal(r.keys, all, `chunk ${chunk}`);
    for (const d of r.digits) {
      assert.equal(d.source, 'inband');
      assert.ok(d.durationMs >= 85 && d.durationMs <= 115, `${d.durationMs}`);
    }
  }
  // Timestamps: sample index where each tone was first seen, within a block of its true start.
  const r = detect(generateDtmf('15', { toneMs: 100, gapMs: 60 }));
  assert.ok(r.digits[0]!.timestamp <= 102);
  assert.ok(Math.abs(r.digits[1]!.timestamp - 1280) <= 102, `${r.digits[1]!.timestamp}`);
});

test('pending() shows a held key before it is reported', () => {
  const d = new InbandDtmfDetector();
  const tone = generateDtmf('9', { toneMs: 300, gapMs: 100 });
  assert.deepEqual(d.process(tone.subarray(0, 160)), []);
  assert.equal(d.pending(), undefined); // 20 ms: not yet the minimum duration
  assert.deepEqual(d.process(tone.subarray(160, 800)), []);
  assert.equal(d.pending()?.digit, '9');
  assert.deepEqual(
    d.process(tone.subarray(800)).map((x) => x.digit),
    ['9'],
  );
  assert.equal(d.pending(), undefined);
});

test('works at 16 and 48 kHz too', () => {
  for (const sampleRate of [16000, 48000]) {
    const r = detect(generateDtmf('3#7', { sampleRate }), sampleRate / 50, { sampleRate });
    assert.equal(r.keys, '3#7', `${sampleRate}`);
    assert.ok(Math.abs(r.digits[1]!.timestamp - (160 * sampleRate) / 1000) <= (13 * sampleRate) / 1000);
  }
});

test('tones survive G.711 and added noise (about 20 dB SNR)', () => {
  const tones = generateDtmf('159#', { levelDb: -15 });
  for (const f of [pcmu, pcma]) {
    const c = f.create();
    const coded = c.decode(c.encode(tones));
    assert.equal(detect(addNoise(coded, 1000)).keys, '159#');
  }
});

test('twist limits: normal ≤ 8 dB, reverse ≤ 4 dB', () => {
  assert.equal(keys('5', { twistDb: 6 }), '5');
  assert.equal(keys('5', { twistDb: 11 }), '');
  assert.equal(keys('5', { twistDb: -3 }), '5');
  assert.equal(keys('5', { twistDb: -6 }), '');
});

test('level floor, minimum duration and inter-digit gap', () => {
  assert.equal(keys('7', { levelDb: -28 }), '7');
  assert.equal(keys('7', { levelDb: -40 }), '');
  assert.equal(keys('3', { toneMs: 45 }), '3');
  const short = detect(generateDtmf('3', { toneMs: 18 }));
  assert.equal(short.keys, '');
  // The same key twice: a 60 ms pause separates them, a 12 ms dropout does not.
  assert.equal(keys('88', { gapMs: 60 }), '88');
  const tone = generateDtmf('8', { toneMs: 100, gapMs: 0 });
  const dropout = new Int16Array(tone.length * 2 + 96);
  dropout.set(tone, 0);
  dropout.set(tone, tone.length + 96);
  assert.equal(detect(dropout).keys, '8');
});

test('speech-like audio does not trigger digits (talk-off)', () => {
  let total = 0;
  for (let seed = 1; seed <= 6; seed++) {
    const r = detect(speechLike(10, seed));
    total += r.digits.length;
  }
  assert.equal(total, 0);
  // And digits spoken over are still found.
  const speech = speechLike(2, 99);
  const tones = generateDtmf('42', { toneMs: 120, gapMs: 400, levelDb: -10 });
  const mix = speech.map((v, i) => Math.max(-32768, Math.min(32767, Math.round(v * 0.5 + (tones[i] ?? 0)))));
  assert.equal(detect(mix).keys, '42');
});

test("real speech (sipp's g711a.pcap) does not trigger digits", (t) => {
  const file = '/usr/share/sip-tester/g711a.pcap';
  if (!existsSync(file)) {
    t.skip('sip-tester package not installed');
    return;
  }
  const codec = pcma.create();
  const pcm: number[] = [];
  for (const p of readPcapUdp(readFileSync(file)).packets) {
    const rtp = parseRtp(p.payload);
    assert.ok(!isRtpParseError(rtp));
    pcm.push(...codec.decode(rtp.payload));
  }
  assert.equal(detect(Int16Array.from(pcm)).digits.length, 0);
});

/** Speech from espeak-ng at 8 kHz, or undefined when espeak-ng is not installed. */
function espeak(voice: string, text: string): Int16Array | undefined {
  let wav: Buffer;
  try {
    wav = execFileSync('espeak-ng', ['-v', voice, '-s', '175', '--stdout', text], {
      maxBuffer: 64 << 20,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
  // espeak-ng streams a 22.05 kHz mono WAV whose sizes are unset: the samples follow the "data" tag.
  const at = wav.indexOf('data') + 8;
  const bytes = wav.subarray(at, wav.length - ((wav.length - at) % 2));
  return resample(
    new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)),
    22050,
    8000,
  );
}

test('espeak-ng speech in several voices and languages does not trigger digits (talk-off)', (t) => {
  const en =
    'Please enter the conference access code, followed by the pound key. One two three four five six seven ' +
    'eight nine zero. Welcome to the conference. You are the first participant. The administrator has not ' +
    'joined yet, please wait. Hello, can you hear me? Yes, I can hear you very well, thank you.';
  const voices: [string, string][] = [
    ['en', en],
    ['en+f3', en], // a female voice whose 4th and 5th harmonics once read as '*'
    ['en+f5', en],
    ['fr+f2', 'Veuillez saisir le code d accès de la conférence, suivi de la touche dièse. Bienvenue.'],
    [
      'de',
      'Bitte geben Sie den Zugangscode ein und drücken Sie die Rautetaste. Willkommen in der Konferenz.',
    ],
  ];
  let seconds = 0;
  for (const [voice, text] of voices) {
    const speech = espeak(voice, text);
    if (!speech) {
      t.skip('espeak-ng not installed');
      return;
    }
    seconds += speech.length / 8000;
    assert.deepEqual(
      detect(speech).digits.map((d) => d.digit),
      [],
      voice,
    );
  }
  assert.ok(seconds > 50, `${seconds} s of speech`);
});
