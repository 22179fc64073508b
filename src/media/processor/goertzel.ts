/**
 * Single-frequency analysis: the Goertzel algorithm (a one-bin DFT), a least-squares tone fit for SNR, and a
 * tone generator. DTMF detection, talker checks and every audio test use these.
 */

/**
 * Mean-square power of the `freq` component of `pcm` (A²/2 for a sine of amplitude A that fills a whole
 * number of periods), by the Goertzel recurrence: O(n), no allocation.
 */
export function goertzelPower(pcm: Int16Array, sampleRate: number, freq: number): number {
  return goertzelPowerRange(pcm, 0, pcm.length, sampleRate, freq);
}

/** `goertzelPower` over `pcm[start, end)` without making a subarray. */
export function goertzelPowerRange(
  pcm: Int16Array,
  start: number,
  end: number,
  sampleRate: number,
  freq: number,
): number {
  const n = end - start;
  if (n <= 0) return 0;
  const coeff = 2 * Math.cos((2 * Math.PI * freq) / sampleRate);
  let s1 = 0;
  let s2 = 0;
  for (let i = start; i < end; i++) {
    const s = pcm[i]! + coeff * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  const mag2 = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return (2 * mag2) / (n * n);
}

/** Mean-square power of the whole signal. */
export function meanSquare(pcm: Int16Array): number {
  if (pcm.length === 0) return 0;
  let e = 0;
  for (let i = 0; i < pcm.length; i++) e += pcm[i]! * pcm[i]!;
  return e / pcm.length;
}

/** Level of the signal in dB relative to a full-scale sine (dBov-like; −Infinity for digital silence). */
export function levelDb(pcm: Int16Array): number {
  return 10 * Math.log10(meanSquare(pcm) / (32767 * 32767 * 0.5));
}

/**
 * Signal-to-noise ratio in dB of a tone at `freq` in `pcm`: the tone is fitted by least squares (any phase,
 * any length, DC removed), and everything else counts as noise. A codec round trip of a clean tone should
 * keep this high; the result is +Infinity for a perfect tone and very negative when the tone is absent.
 */
export function toneSnr(pcm: Int16Array, sampleRate: number, freq: number): number {
  const n = pcm.length;
  if (n === 0) return Number.NEGATIVE_INFINITY;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += pcm[i]!;
  mean /= n;
  const w = (2 * Math.PI * freq) / sampleRate;
  let xc = 0;
  let xs = 0;
  let cc = 0;
  let ss = 0;
  let cs = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const x = pcm[i]! - mean;
    const c = Math.cos(w * i);
    const s = Math.sin(w * i);
    xc += x * c;
    xs += x * s;
    cc += c * c;
    ss += s * s;
    cs += c * s;
    total += x * x;
  }
  // Solve [cc cs; cs ss] [a b]' = [xc xs]' for the fitted cosine and sine amplitudes.
  const det = cc * ss - cs * cs;
  if (det <= 0) return Number.NEGATIVE_INFINITY;
  const a = (xc * ss - xs * cs) / det;
  const b = (xs * cc - xc * cs) / det;
  const fitted = a * xc + b * xs; // energy of the projection
  const noise = total - fitted;
  if (fitted <= 0) return Number.NEGATIVE_INFINITY;
  if (noise <= 1e-9 * total) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10(fitted / noise);
}

/**
 * The frequency among `candidates` with the most Goertzel power, for "does the tone keep its pitch" checks.
 */
export function peakFrequency(pcm: Int16Array, sampleRate: number, candidates: readonly number[]): number {
  let best = candidates[0] ?? 0;
  let bestPower = -1;
  for (const f of candidates) {
    const p = goertzelPower(pcm, sampleRate, f);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}

/**
 * A sine tone as 16-bit PCM: `amplitude` in sample units (clamped to 16 bits), `phase` in radians at the
 * first sample, so consecutive frames continue with `phase + 2π·freq·samples/sampleRate`.
 */
export function generateTone(
  freq: number,
  sampleRate: number,
  samples: number,
  amplitude: number,
  phase = 0,
): Int16Array {
  const out = new Int16Array(samples);
  const w = (2 * Math.PI * freq) / sampleRate;
  for (let i = 0; i < samples; i++) {
    const v = Math.round(amplitude * Math.sin(phase + w * i));
    out[i] = Math.min(32767, Math.max(-32768, v));
  }
  return out;
}
