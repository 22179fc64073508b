import type { DtmfDigit } from './dtmf-digit.ts';
import { goertzelPowerRange } from './goertzel.ts';

export type { DtmfDigit } from './dtmf-digit.ts';

/** DTMF row (low group) frequencies, Hz (ITU-T Q.23). */
export const DTMF_ROWS = [697, 770, 852, 941] as const;
/** DTMF column (high group) frequencies, Hz. */
export const DTMF_COLS = [1209, 1336, 1477, 1633] as const;
/** Keypad layout: KEYS[row][col]. */
const KEYS = ['123A', '456B', '789C', '*0#D'];

/** Settings of an `InbandDtmfDetector`. */
export interface InbandDtmfOptions {
  /** Weakest tone accepted, dB relative to a full-scale sine, per frequency. Default −33 (≈ −30 dBm0). */
  minLevelDb?: number;
  /** Row tone stronger than the column tone by at most this much ("normal twist"). Default 8 dB. */
  normalTwistDb?: number;
  /** Column tone stronger than the row tone by at most this much ("reverse twist"). Default 4 dB. */
  reverseTwistDb?: number;
  /** Shortest tone accepted. Default 40 ms. */
  minDurationMs?: number;
  /** Shortest pause that separates two digits. Default 40 ms. */
  minGapMs?: number;
  /** Sample rate of the audio fed (8000 default; 16000 and 48000 work the same way, at more cost). */
  sampleRate?: number;
}

/** Counters of the detector. */
export interface InbandDtmfStats {
  blocks: number;
  /** Blocks where a valid tone pair was seen. */
  hits: number;
  digits: number;
  /** Candidate tones rejected for being shorter than `minDurationMs`. */
  tooShort: number;
}

const SAMPLE_RATE = 8000;
/** Analysis block: 12.75 ms (102 samples at 8 kHz) resolves neighbouring DTMF rows (≈ 78 Hz bins). */
const BLOCK_MS = 12.75;
const FULL_SCALE = 32767 * 32767 * 0.5;
/** The strongest row/column must beat the others in its group by this ratio (≈ 6 dB). */
const RELATIVE_PEAK = 4;
/** The two tones must hold most of the block's energy (speech spreads it). */
const MIN_ENERGY_SHARE = 0.82;
/** A tone's second harmonic must be this much weaker (15 dB): speech is rich in harmonics, DTMF is not. */
const MAX_HARMONIC_RATIO = 10 ** (-15 / 10);

const db = (x: number): number => 10 ** (x / 10);

/**
 * Goertzel-based DTMF detector (trunks that send tones in-band), for 8 kHz audio by default. Each 12.75 ms block must
 * show one row and one column tone above the level floor, within the twist limits, clearly above the other
 * tones of their group, holding most of the energy and without second harmonics; a digit needs such blocks
 * for `minDurationMs` and ends after `minGapMs` without them. Digits are reported when they end, with their
 * duration; `timestamp` is the sample index (since the detector started) where the tone was first seen.
 */
export class InbandDtmfDetector {
  #minLevel: number;
  #normalTwist: number;
  #reverseTwist: number;
  #minBlocks: number;
  #gapBlocks: number;
  #rate: number;
  #blockSize: number;
  #buf: Int16Array;
  #fill = 0;
  #samples = 0;
  /** The candidate digit and how many blocks it has been seen in (plus misses since the last hit). */
  #digit = '';
  #hitBlocks = 0;
  #missBlocks = 0;
  #startSample = 0;
  #stats: InbandDtmfStats = { blocks: 0, hits: 0, digits: 0, tooShort: 0 };

  constructor(options: InbandDtmfOptions = {}) {
    this.#minLevel = db(options.minLevelDb ?? -33) * FULL_SCALE;
    this.#normalTwist = db(options.normalTwistDb ?? 8);
    this.#reverseTwist = db(options.reverseTwistDb ?? 4);
    // Tones rarely fill their first and last blocks: count a block at each end as partly present.
    this.#rate = options.sampleRate ?? SAMPLE_RATE;
    this.#blockSize = Math.round((BLOCK_MS * this.#rate) / 1000);
    this.#buf = new Int16Array(this.#blockSize);
    this.#minBlocks = Math.max(2, Math.round((options.minDurationMs ?? 40) / BLOCK_MS) - 1);
    this.#gapBlocks = Math.max(2, Math.round((options.minGapMs ?? 40) / BLOCK_MS) - 1);
  }

  /** Feeds 8 kHz PCM of any length; returns the digits that ended in it. */
  process(pcm: Int16Array): DtmfDigit[] {
    const out: DtmfDigit[] = [];
    let i = 0;
    while (i < pcm.length) {
      const take = Math.min(this.#blockSize - this.#fill, pcm.length - i);
      this.#buf.set(pcm.subarray(i, i + take), this.#fill);
      this.#fill += take;
      i += take;
      if (this.#fill === this.#blockSize) {
        this.#fill = 0;
        this.#block(out);
        this.#samples += this.#blockSize;
      }
    }
    return out;
  }

  /** Reports a digit still sounding (end of call); call when the stream ends. */
  flush(): DtmfDigit[] {
    const out: DtmfDigit[] = [];
    if (this.#digit) this.#end(out);
    return out;
  }

  /** The key whose tone is sounding now (seen for the minimum duration, not yet ended), for barge-in. */
  pending(): { digit: string; timestamp: number } | undefined {
    if (!this.#digit || this.#hitBlocks < this.#minBlocks) return undefined;
    return { digit: this.#digit, timestamp: this.#startSample };
  }

  stats(): InbandDtmfStats {
    return { ...this.#stats };
  }

  #block(out: DtmfDigit[]): void {
    this.#stats.blocks++;
    const key = this.#classify(this.#buf);
    if (key) this.#stats.hits++;
    if (this.#digit) {
      if (key === this.#digit) {
        this.#hitBlocks += 1 + this.#missBlocks; // a short dropout inside a tone counts as tone
        this.#missBlocks = 0;
        return;
      }
      this.#missBlocks++;
      if (this.#missBlocks < this.#gapBlocks && !key) return;
      this.#end(out);
      if (!key) return;
    }
    if (key) {
      this.#digit = key;
      this.#hitBlocks = 1;
      this.#missBlocks = 0;
      this.#startSample = this.#samples;
    }
  }

  #end(out: DtmfDigit[]): void {
    if (this.#hitBlocks >= this.#minBlocks) {
      this.#stats.digits++;
      out.push({
        digit: this.#digit,
        // Blocks only partly filled by the tone at either end are not hits: add half a block.
        durationMs: Math.round((this.#hitBlocks + 0.5) * BLOCK_MS),
        timestamp: this.#startSample,
        source: 'inband',
      });
    } else {
      this.#stats.tooShort++;
    }
    this.#digit = '';
    this.#hitBlocks = 0;
    this.#missBlocks = 0;
  }

  /** The key whose tone pair this block holds, or '' (the per-block checks of the class comment). */
  #classify(x: Int16Array): string {
    const n = this.#blockSize;
    const rate = this.#rate;
    const rows = DTMF_ROWS.map((f) => goertzelPowerRange(x, 0, n, rate, f));
    const cols = DTMF_COLS.map((f) => goertzelPowerRange(x, 0, n, rate, f));
    const r = argmax(rows);
    const c = argmax(cols);
    const rp = rows[r]!;
    const cp = cols[c]!;
    if (rp < this.#minLevel || cp < this.#minLevel) return '';
    if (rp > cp * this.#normalTwist || cp > rp * this.#reverseTwist) return '';
    for (let i = 0; i < 4; i++) {
      if (i !== r && rows[i]! * RELATIVE_PEAK > rp) return '';
      if (i !== c && cols[i]! * RELATIVE_PEAK > cp) return '';
    }
    let energy = 0;
    for (let i = 0; i < n; i++) energy += x[i]! * x[i]!;
    energy /= n;
    if (rp + cp < MIN_ENERGY_SHARE * energy) return '';
    // Second harmonics: the column's always; the row's only where it is not next to the column tone itself.
    const colFreq = DTMF_COLS[c]!;
    if (goertzelPowerRange(x, 0, n, rate, 2 * colFreq) > cp * MAX_HARMONIC_RATIO) return '';
    const rowHarmonic = 2 * DTMF_ROWS[r]!;
    if (Math.abs(rowHarmonic - colFreq) > 150) {
      if (goertzelPowerRange(x, 0, n, rate, rowHarmonic) > rp * MAX_HARMONIC_RATIO) return '';
    }
    return KEYS[r]![c]!;
  }
}

function argmax(a: number[]): number {
  let best = 0;
  for (let i = 1; i < a.length; i++) if (a[i]! > a[best]!) best = i;
  return best;
}

/** Options of `generateDtmf`. */
export interface DtmfToneOptions {
  /** Tone and pause lengths. Defaults 100 ms and 60 ms. */
  toneMs?: number;
  gapMs?: number;
  /** Level per tone, dB relative to a full-scale sine. Default −12. */
  levelDb?: number;
  /** Row minus column level in dB (positive: normal twist). Default 0. */
  twistDb?: number;
  sampleRate?: number;
}

/** In-band DTMF for a string of keys (0-9 * # A-D; others are skipped), each tone followed by a pause. */
export function generateDtmf(keys: string, options: DtmfToneOptions = {}): Int16Array {
  const rate = options.sampleRate ?? SAMPLE_RATE;
  const tone = Math.round(((options.toneMs ?? 100) * rate) / 1000);
  const gap = Math.round(((options.gapMs ?? 60) * rate) / 1000);
  const amplitude = 32767 * 10 ** ((options.levelDb ?? -12) / 20);
  const twist = 10 ** ((options.twistDb ?? 0) / 40); // split the twist between the two tones
  const valid = [...keys.toUpperCase()].filter((k) => KEYS.some((row) => row.includes(k)));
  const out = new Int16Array(valid.length * (tone + gap));
  valid.forEach((k, n) => {
    const r = KEYS.findIndex((row) => row.includes(k));
    const c = KEYS[r]!.indexOf(k);
    const wr = (2 * Math.PI * DTMF_ROWS[r]!) / rate;
    const wc = (2 * Math.PI * DTMF_COLS[c]!) / rate;
    const base = n * (tone + gap);
    for (let i = 0; i < tone; i++) {
      const v = amplitude * (twist * Math.sin(wr * i) + Math.sin(wc * i) / twist);
      out[base + i] = Math.max(-32768, Math.min(32767, Math.round(v)));
    }
  });
  return out;
}
