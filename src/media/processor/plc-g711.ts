/**
 * Packet-loss concealment after ITU-T G.711 Appendix I (8 kHz; other rates scale its constants): pitch-based waveform
 * substitution. On the first lost frame the pitch period is estimated from the last 20 ms by normalised
 * cross-correlation (40–120 samples, i.e. 66–200 Hz); the last period is repeated, the joint smoothed by an
 * overlap-add over a quarter period. After 10 ms the repeated span grows to two, after 20 ms to three
 * periods (less buzzy); from 10 ms on the output fades by 20 % per 10 ms, so it is silent after 60 ms. The
 * first good frame after a loss is cross-faded in over 4 ms, plus 4 ms per further 10 ms lost (at most 10 ms).
 *
 * Appendix I delays the output by 3.75 ms so the overlap-add at the start of a loss can reach back into
 * samples not yet played (`delay: true`, the default). With `delay: false` good frames pass through
 * unchanged and undelayed (what a codec's `decode` needs); only the start-of-loss smoothing is lost.
 */

/** The algorithm's constants at 8 kHz; other rates (16 kHz for G.722) scale them by rate / 8000. */
const PITCH_MIN = 40;
const PITCH_MAX = 120;
const CORR_LEN = 160;
/** 10 ms at 8 kHz: the step of period growth, attenuation, and recovery overlap. */
const TEN_MS = 80;
const RECOVERY_STEP = 32;

/** The constants for one sample rate. */
interface Scale {
  pitchMin: number;
  pitchMax: number;
  corrLen: number;
  /** History: three of the longest periods plus a quarter of one (48.75 ms). */
  history: number;
  /** Appendix I output delay: a quarter of the longest period (3.75 ms). */
  delay: number;
  tenMs: number;
  recoveryStep: number;
}

function scaleFor(sampleRate: number): Scale {
  const k = sampleRate / 8000;
  const pitchMax = Math.round(PITCH_MAX * k);
  return {
    pitchMin: Math.round(PITCH_MIN * k),
    pitchMax,
    corrLen: Math.round(CORR_LEN * k),
    history: 3 * pitchMax + (pitchMax >> 2),
    delay: pitchMax >> 2,
    tenMs: Math.round(TEN_MS * k),
    recoveryStep: Math.round(RECOVERY_STEP * k),
  };
}

const ATTENUATION_PER_10MS = 0.2;

/** Counters of a `PlcG711`. */
export interface PlcStats {
  goodFrames: number;
  lostFrames: number;
  /** Loss events (runs of consecutive lost frames). */
  erasures: number;
  /** Pitch period (samples) estimated at the last erasure. */
  lastPitch: number;
}

/**
 * G.711 Appendix I concealment: call `good(frame)` with every decoded frame and `lost(samples)` for every
 * missing one; both return the samples to play (same count as given or asked).
 */
export class PlcG711 {
  #delay: number;
  /** The most recent history + delay samples of the signal stream (real or synthetic), newest last. */
  #history: Float32Array;
  // Erasure state.
  #erased = 0;
  #pitch = 0;
  #overlap = 0;
  #real: Float32Array = new Float32Array(0);
  #periods = 0;
  #buffer: Float32Array = new Float32Array(0);
  /**
   * Storage reused across erasures (allocating typed arrays on every loss start was most of its cost): the
   * real signal kept, two buffers for the repeated span (the old one is still read while a growth
   * cross-fades into the new one), and scratch for a frame being mixed or synthesised.
   */
  #realStore: Float32Array | undefined;
  #spanStores: [Float32Array, Float32Array] | undefined;
  #scratch = new Float32Array(0);
  #pos = 0;
  /** Cross-fade from the previous buffer while the repeated span grows. */
  #fade: { old: Float32Array; pos: number; left: number } | undefined;
  #stats: PlcStats = { goodFrames: 0, lostFrames: 0, erasures: 0, lastPitch: 0 };

  #k: Scale;

  /** `sampleRate` defaults to 8000 (G.711); 16000 serves G.722 with the same method. */
  constructor(options: { delay?: boolean; sampleRate?: number } = {}) {
    this.#k = scaleFor(options.sampleRate ?? 8000);
    this.#delay = (options.delay ?? true) ? this.#k.delay : 0;
    this.#history = new Float32Array(this.#k.history + this.#delay);
  }

  /** Scratch of exactly `n` samples (reallocated only when a frame size changes). */
  #scratchOf(n: number): Float32Array {
    if (this.#scratch.length !== n) this.#scratch = new Float32Array(n);
    return this.#scratch;
  }

  /** Output delay in samples (3.75 ms with Appendix I's delay, else 0). */
  get delaySamples(): number {
    return this.#delay;
  }

  /** A frame that was received: returns what to play. */
  good(frame: Int16Array): Int16Array {
    this.#stats.goodFrames++;
    if (this.#erased === 0 && this.#delay === 0) {
      this.#append(frame);
      return frame;
    }
    let input: Int16Array | Float32Array = frame;
    if (this.#erased > 0) {
      // Cross-fade from the synthetic continuation into the real signal.
      const { tenMs, recoveryStep } = this.#k;
      const extra = Math.floor((this.#erased - 1) / tenMs);
      const len = Math.min(frame.length, recoveryStep * (1 + extra), tenMs);
      const mixed = this.#scratchOf(frame.length);
      mixed.set(frame);
      for (let i = 0; i < len; i++) {
        const w = (i + 1) / (len + 1);
        mixed[i] = w * frame[i]! + (1 - w) * this.#synthesize();
      }
      input = mixed;
      this.#erased = 0;
    }
    this.#append(input);
    return this.#read(frame.length);
  }

  /** A frame that is missing: returns `samples` of concealment. */
  lost(samples: number): Int16Array {
    this.#stats.lostFrames++;
    if (this.#erased === 0) this.#startErasure();
    const synth = this.#scratchOf(samples);
    for (let i = 0; i < samples; i++) synth[i] = this.#synthesize();
    this.#append(synth);
    return this.#read(samples);
  }

  stats(): PlcStats {
    return { ...this.#stats };
  }

  #append(x: Int16Array | Float32Array): void {
    const h = this.#history;
    const n = x.length;
    if (n >= h.length) {
      for (let i = 0; i < h.length; i++) h[i] = x[n - h.length + i]!;
      return;
    }
    h.copyWithin(0, n);
    const base = h.length - n;
    for (let i = 0; i < n; i++) h[base + i] = x[i]!;
  }

  /** The `n` samples ending `delay` samples before the newest. */
  #read(n: number): Int16Array {
    const out = new Int16Array(n);
    const h = this.#history;
    const end = h.length - this.#delay;
    for (let i = 0; i < n; i++) {
      const j = end - n + i;
      const v = j >= 0 ? Math.round(h[j]!) : 0;
      out[i] = Math.min(32767, Math.max(-32768, v));
    }
    return out;
  }

  #startErasure(): void {
    this.#stats.erasures++;
    this.#fade = undefined;
    const h = this.#history;
    const end = h.length; // all of it is real signal: the erasure starts now
    this.#pitch = findPitch(h, end, this.#k);
    this.#stats.lastPitch = this.#pitch;
    this.#overlap = this.#pitch >> 2;
    // Keep the real signal the substitution draws on: three periods plus the overlap.
    const keep = 3 * this.#pitch + this.#overlap;
    // Allocated at the first loss: a stream that never loses a packet does not carry them.
    this.#realStore ??= new Float32Array(this.#k.history);
    this.#spanStores ??= [new Float32Array(3 * this.#k.pitchMax), new Float32Array(3 * this.#k.pitchMax)];
    this.#realStore.set(h.subarray(end - keep, end));
    this.#real = this.#realStore.subarray(0, keep);
    this.#setPeriods(1, 0);
    // Overlap-add at the joint: the last quarter period (not yet played, thanks to the delay) becomes the
    // buffer's smoothed tail, so the repetition that follows starts in phase.
    if (this.#delay >= this.#overlap) {
      const ov = this.#overlap;
      const P = this.#pitch;
      for (let i = 0; i < ov; i++) h[end - ov + i] = this.#buffer[P - ov + i]!;
    }
  }

  /** Repeat the last `n` periods; the buffer's tail is cross-faded into the signal before its start. */
  #setPeriods(n: number, pos: number): void {
    const P = this.#pitch;
    const ov = this.#overlap;
    const real = this.#real;
    const R = real.length;
    const len = n * P;
    // Into whichever span store the current buffer is not in (it may still be read by the cross-fade).
    const [a, b] = this.#spanStores!;
    const store = this.#buffer.buffer === a.buffer ? b : a;
    store.set(real.subarray(R - len, R));
    const buf = store.subarray(0, len);
    for (let i = 0; i < ov; i++) {
      const w = (i + 1) / (ov + 1);
      buf[len - ov + i] = (1 - w) * real[R - ov + i]! + w * real[R - len - ov + i]!;
    }
    this.#periods = n;
    this.#buffer = buf;
    this.#pos = pos % len;
  }

  /** The next synthetic sample, with period growth and attenuation by erasure time. */
  #synthesize(): number {
    const t = this.#erased++;
    const tenMs = this.#k.tenMs;
    if (t >= 6 * tenMs) return 0;
    if ((t === tenMs || t === 2 * tenMs) && this.#periods < 3) {
      // Grow the repeated span, keeping the phase; cross-fade a quarter period from old to new.
      const old = this.#buffer;
      const oldPos = this.#pos;
      this.#setPeriods(this.#periods + 1, this.#pos);
      this.#fade = { old, pos: oldPos, left: this.#overlap };
    }
    let v = this.#buffer[this.#pos]!;
    this.#pos = (this.#pos + 1) % this.#buffer.length;
    if (this.#fade && this.#fade.left > 0) {
      const f = this.#fade;
      const w = f.left / (this.#overlap + 1);
      v = w * f.old[f.pos]! + (1 - w) * v;
      f.pos = (f.pos + 1) % f.old.length;
      f.left--;
    }
    const gain = t < tenMs ? 1 : Math.max(0, 1 - (ATTENUATION_PER_10MS * (t - tenMs)) / tenMs);
    return v * gain;
  }
}

/**
 * Pitch period by normalised cross-correlation of the last 20 ms with the signal `tap` samples earlier:
 * a coarse search on every other sample, then a fine one around the best (Appendix I).
 */
function findPitch(h: Float32Array, end: number, k: Scale): number {
  const { pitchMin, pitchMax, corrLen } = k;
  const start = end - corrLen;
  const score = (tap: number, step: number): number => {
    let xy = 0;
    let yy = 0;
    for (let i = 0; i < corrLen; i += step) {
      const y = h[start + i - tap]!;
      xy += h[start + i]! * y;
      yy += y * y;
    }
    return yy > 0 ? xy / Math.sqrt(yy) : 0;
  };
  let best = pitchMin;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let tap = pitchMin; tap <= pitchMax; tap += 2) {
    const s = score(tap, 2);
    if (s > bestScore) {
      bestScore = s;
      best = tap;
    }
  }
  const coarse = best;
  bestScore = Number.NEGATIVE_INFINITY;
  for (let tap = Math.max(pitchMin, coarse - 1); tap <= Math.min(pitchMax, coarse + 1); tap++) {
    const s = score(tap, 1);
    if (s > bestScore) {
      bestScore = s;
      best = tap;
    }
  }
  return best;
}
