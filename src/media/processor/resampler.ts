/**
 * Rational sample-rate conversion between the engine's rates (8, 16, 48 kHz, and any other pair with a
 * small ratio): a polyphase FIR, i.e. upsample by L, low-pass, downsample by M, computing only the outputs
 * kept. The low-pass is a Kaiser-windowed sinc cut at 0.92 × the lower Nyquist frequency with about 80 dB
 * of stop-band rejection, so a 3.4 kHz tone at 48 kHz does not alias into 8 kHz speech and upsampling
 * leaves no images.
 */

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Modified Bessel function of the first kind, order 0 (series), for the Kaiser window. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < 1e-12 * sum) break;
  }
  return sum;
}

/** A designed polyphase filter, shared by every resampler with the same ratio and settings. */
interface FilterDesign {
  half: number;
  tapsPerPhase: number;
  /** Phase p at [p·T, p·T + T) holds taps h[p + k·L], reversed so inputs run oldest first. */
  bank: Float64Array;
}

const designs = new Map<string, FilterDesign>();

/**
 * Kaiser-windowed sinc low-pass for upsampling by L and downsampling by M, split into L phases. Cached:
 * a room resamples every member the same way, and the bank is read-only.
 */
function designFilter(L: number, M: number, zeroCrossings: number, beta: number): FilterDesign {
  const key = `${L}/${M}/${zeroCrossings}/${beta}`;
  const cached = designs.get(key);
  if (cached) return cached;
  const factor = Math.max(L, M);
  // Cut-off relative to the upsampled rate: 0.92 of the lower of the two Nyquist frequencies.
  const cutoff = (0.92 * 0.5) / factor;
  const half = Math.ceil(zeroCrossings * factor);
  const length = 2 * half + 1;
  const taps = new Float64Array(length);
  const i0beta = besselI0(beta);
  for (let n = 0; n < length; n++) {
    const m = n - half;
    const x = 2 * cutoff * m;
    const sinc = m === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    const r = m / half;
    const w = besselI0(beta * Math.sqrt(Math.max(0, 1 - r * r))) / i0beta;
    // Gain L restores the level lost by zero-stuffing.
    taps[n] = 2 * cutoff * sinc * w * L;
  }
  const T = Math.ceil(length / L);
  const bank = new Float64Array(L * T);
  for (let p = 0; p < L; p++) {
    for (let k = 0; k < T; k++) {
      const idx = p + k * L;
      bank[p * T + (T - 1 - k)] = idx < length ? taps[idx]! : 0;
    }
  }
  const design = { half, tapsPerPhase: T, bank };
  designs.set(key, design);
  return design;
}

/** Settings of a `Resampler`. */
export interface ResamplerOptions {
  /** Filter half-length in input-rate zero crossings; more is sharper and costlier. Default 12. */
  zeroCrossings?: number;
  /** Kaiser β; 8 gives ~80 dB stop band. */
  beta?: number;
}

/**
 * Streaming resampler: `process(frame)` may be called with frames of any size and keeps its filter state
 * between calls, so 20 ms frames come out as exactly 20 ms frames at the new rate (160 ↔ 320 ↔ 960) once the
 * ratio divides the frame. The filter delays the signal by `delaySamples` output samples.
 */
export class Resampler {
  readonly from: number;
  readonly to: number;
  readonly #up: number;
  readonly #down: number;
  readonly #tapsPerPhase: number;
  /** Centre of the prototype filter, in upsampled samples. */
  readonly #half: number;
  /** The same taps flattened, phase p at [p·T, p·T + T), each phase reversed (oldest input first). */
  readonly #flat: Float64Array;
  /** Input history (tapsPerPhase−1 samples, oldest first) and room for the new frame. */
  #work: Float64Array;
  /** Position of the next output in the upsampled time base, relative to the first new input sample. */
  #phase = 0;
  #inputSamples = 0;
  #outputSamples = 0;

  constructor(from: number, to: number, options: ResamplerOptions = {}) {
    if (!(from > 0 && to > 0 && Number.isInteger(from) && Number.isInteger(to))) {
      throw new RangeError(`bad rates ${from} → ${to}`);
    }
    this.from = from;
    this.to = to;
    const g = gcd(from, to);
    this.#up = to / g;
    this.#down = from / g;
    if (this.#up > 1000 || this.#down > 1000) throw new RangeError(`ratio ${to}/${from} too complex`);
    const design = designFilter(this.#up, this.#down, options.zeroCrossings ?? 12, options.beta ?? 8);
    this.#half = design.half;
    this.#tapsPerPhase = design.tapsPerPhase;
    this.#flat = design.bank;
    // Room for the history and a 20 ms frame at 8 kHz; grows on the first bigger frame.
    this.#work = new Float64Array(design.tapsPerPhase - 1 + 160);
  }

  /** Group delay of the filter, in output samples. */
  get delaySamples(): number {
    return Math.round(this.#half / this.#down);
  }

  /** Resamples one frame, continuing from the previous one. */
  process(pcm: Int16Array): Int16Array {
    const L = this.#up;
    const M = this.#down;
    const T = this.#tapsPerPhase;
    const keep = T - 1;
    // Work buffer: the last T−1 inputs followed by the new ones, as floats; kept between calls.
    if (this.#work.length < keep + pcm.length) {
      const grown = new Float64Array(keep + pcm.length);
      grown.set(this.#work.subarray(0, keep));
      this.#work = grown;
    }
    const buf = this.#work;
    for (let i = 0; i < pcm.length; i++) buf[keep + i] = pcm[i]!;
    const bank = this.#flat;
    // Output n sits at upsampled position t = phase + n·M; it needs inputs up to index floor(t/L).
    const totalUp = pcm.length * L;
    const count = Math.max(0, Math.ceil((totalUp - this.#phase) / M));
    const out = new Int16Array(count);
    let t = this.#phase;
    for (let n = 0; n < count; n++, t += M) {
      const idx = (t / L) | 0;
      // y = Σ_k h[p + kL] · x[idx − k]; the bank stores each phase reversed, so both run forward.
      const h0 = (t - idx * L) * T;
      const x0 = idx; // buf[x0 + k] = x[idx − (T−1) + k]
      let acc = 0;
      for (let k = 0; k < T; k++) acc += bank[h0 + k]! * buf[x0 + k]!;
      const v = Math.round(acc);
      out[n] = Math.min(32767, Math.max(-32768, v));
    }
    this.#phase = t - totalUp;
    buf.copyWithin(0, pcm.length, pcm.length + keep);
    this.#inputSamples += pcm.length;
    this.#outputSamples += count;
    return out;
  }

  /** Forgets the signal history (a new stream). */
  reset(): void {
    this.#work.fill(0);
    this.#phase = 0;
  }

  stats(): { from: number; to: number; inputSamples: number; outputSamples: number; tapsPerOutput: number } {
    return {
      from: this.from,
      to: this.to,
      inputSamples: this.#inputSamples,
      outputSamples: this.#outputSamples,
      tapsPerOutput: this.#tapsPerPhase,
    };
  }
}

/**
 * One-shot conversion of a whole signal (a prompt, a recording), compensating the filter delay so the output
 * lines up with the input and has exactly round(n · to / from) samples.
 */
export function resample(pcm: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return pcm.slice();
  const r = new Resampler(from, to);
  const want = Math.round((pcm.length * to) / from);
  const delay = r.delaySamples;
  // Feed enough trailing silence to flush the filter's delay.
  const padIn = Math.ceil(((delay + 2) * from) / to);
  const padded = new Int16Array(pcm.length + padIn);
  padded.set(pcm);
  const all = r.process(padded);
  return all.slice(delay, delay + want);
}
