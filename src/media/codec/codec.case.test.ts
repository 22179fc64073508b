import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { generateTone, peakFrequency, toneSnr } from '../processor/goertzel.ts';
import type { CodecFactory } from './codec.ts';
import { getCodecFactory, supportedCodecs } from './index.ts';
import { createOpusFactory } from './opus.ts';

/** Lowest SNR (dB) a clean −12 dBov tone must keep through encode + decode, per codec. */
const MIN_SNR: Record<string, number> = { PCMU: 33, PCMA: 33, G722: 35, opus: 25, L16: 80 };
const CANDIDATES = [250, 440, 600, 800, 1000, 1250, 1600, 2000, 3000];
/** Codecs whose `conceal` continues the signal (PLC); L16 conceals with silence. */
const CONCEALS_TONE: Record<string, boolean> = { PCMU: true, PCMA: true, G722: true, opus: true, L16: false };

/** Encodes `seconds` of a tone frame by frame (20 ms) through one codec instance and decodes it back. */
function roundTrip(factory: CodecFactory, freq: number, seconds: number): Int16Array {
  const enc = factory.create();
  const dec = factory.create();
  const frame = factory.sampleRate / 50;
  const frames = Math.round(seconds * 50);
  const out = new Int16Array(frame * frames);
  let filled = 0;
  for (let k = 0; k < frames; k++) {
    const phase = (2 * Math.PI * freq * k * frame) / factory.sampleRate;
    const pcm = generateTone(freq, factory.sampleRate, frame, 8000, phase);
    const payload = enc.encode(pcm);
    const back = dec.decode(payload);
    out.set(back.subarray(0, Math.min(back.length, out.length - filled)), filled);
    filled += back.length;
  }
  enc.close?.();
  dec.close?.();
  return out;
}

function contract(factory: CodecFactory): void {
  describe(`${factory.name}/${factory.sampleRate}`, () => {
    for (const freq of [1000, 440]) {
      test(`a ${freq} Hz tone keeps its frequency with SNR ≥ ${MIN_SNR[factory.name]} dB`, () => {
        const out = roundTrip(factory, freq, 1);
        // Skip 100 ms: codec delay and adaptation (G.722's ADPCM, Opus's lookahead).
        const tail = out.subarray(factory.sampleRate / 10);
        assert.equal(peakFrequency(tail, factory.sampleRate, CANDIDATES), freq);
        const snr = toneSnr(tail, factory.sampleRate, freq);
        assert.ok(snr >= MIN_SNR[factory.name]!, `SNR ${snr.toFixed(1)} dB`);
      });
    }

    test('a lost frame in a tone is concealed with the tone (PLC) or silence (L16)', () => {
      const c = factory.create();
      const frame = factory.sampleRate / 50;
      let concealed: Int16Array = new Int16Array(0);
      let real: Int16Array = new Int16Array(0);
      for (let k = 0; k < 30; k++) {
        const phase = (2 * Math.PI * 440 * k * frame) / factory.sampleRate;
        const payload = c.encode(generateTone(440, factory.sampleRate, frame, 8000, phase));
        if (k === 25) concealed = c.conceal!(frame);
        else real = c.decode(payload);
        if (k === 24) real = real.slice();
      }
      assert.equal(concealed.length, frame);
      const rms = (x: Int16Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
      if (!CONCEALS_TONE[factory.name]) {
        assert.equal(rms(concealed), 0);
        return;
      }
      assert.equal(peakFrequency(concealed, factory.sampleRate, CANDIDATES), 440);
      const ratioDb = 20 * Math.log10(rms(concealed) / rms(real));
      assert.ok(ratioDb > -7 && ratioDb < 2, `concealed frame at ${ratioDb.toFixed(1)} dB of the real one`);
    });

    test('silence stays silence', () => {
      const enc = factory.create();
      const dec = factory.create();
      const frame = factory.sampleRate / 50;
      let peak = 0;
      for (let k = 0; k < 25; k++) {
        const back = dec.decode(enc.encode(new Int16Array(frame)));
        assert.ok(back.length > 0);
        for (const v of back) peak = Math.max(peak, Math.abs(v));
      }
      assert.ok(peak <= 16, `peak ${peak}`);
    });

    test('odd sizes, empty and garbage payloads neither throw nor return nonsense lengths', () => {
      const c = factory.create();
      for (const n of [1, 7, 161, 0, 319]) {
        const payload = c.encode(generateTone(1000, factory.sampleRate, n, 5000));
        assert.ok(payload instanceof Uint8Array);
        const back = c.decode(payload);
        assert.ok(back instanceof Int16Array);
        assert.ok(back.length <= 2 * factory.sampleRate, `${back.length}`);
      }
      const garbage = Uint8Array.from({ length: 57 }, (_, i) => (i * 37) & 0xff);
      assert.ok(c.decode(garbage) instanceof Int16Array);
      assert.ok(c.decode(new Uint8Array(0)) instanceof Int16Array);
      if (c.conceal) assert.equal(c.conceal(factory.sampleRate / 50).length, factory.sampleRate / 50);
      c.close?.();
      c.close?.();
    });

    test('random payloads decode without throwing (fuzz)', () => {
      const c = factory.create();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 400 }), (payload) => {
          const pcm = c.decode(payload);
          assert.ok(pcm instanceof Int16Array && pcm.length <= 5760);
        }),
        { numRuns: 200 },
      );
      c.close?.();
    });

    test('is found by its SDP name and clock rate', (t) => {
      if (!supportedCodecs.includes(factory)) return t.skip('a variant the engine does not offer');
      assert.equal(getCodecFactory(factory.name.toUpperCase(), factory.clockRate), factory);
    });
  });
}

for (const factory of supportedCodecs) contract(factory);
// Opus at the other PCM rates libopus runs at (the engine's own runs at 16 kHz).
contract(createOpusFactory({ sampleRate: 48000 }));
contract(createOpusFactory({ sampleRate: 8000 }));

describe('opus across PCM rates', () => {
  // A browser encodes at 48 kHz; the engine decodes the same packets at 16 kHz, and the other way round:
  // the rate is each end's own choice, the RTP clock is 48000 for both (RFC 7587 §4.1).
  for (const [from, to] of [
    [48000, 16000],
    [16000, 48000],
  ] as const) {
    test(`${from} Hz encoder → ${to} Hz decoder keeps a 1000 Hz tone`, () => {
      const enc = createOpusFactory({ sampleRate: from }).create();
      const dec = createOpusFactory({ sampleRate: to }).create();
      const parts: Int16Array[] = [];
      const frame = from / 50;
      for (let k = 0; k < 25; k++) {
        const phase = (2 * Math.PI * 1000 * k * frame) / from;
        const pcm = dec.decode(enc.encode(generateTone(1000, from, frame, 8000, phase)));
        assert.equal(pcm.length, to / 50);
        parts.push(pcm.slice());
      }
      const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
      let o = 0;
      for (const p of parts) {
        out.set(p, o);
        o += p.length;
      }
      const tail = out.subarray(to / 10);
      assert.equal(peakFrequency(tail, to, CANDIDATES), 1000);
      assert.ok(toneSnr(tail, to, 1000) >= MIN_SNR.opus!, `${toneSnr(tail, to, 1000)}`);
      enc.close?.();
      dec.close?.();
    });
  }
});
