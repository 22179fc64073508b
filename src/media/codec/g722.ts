import { PlcG711 } from '../processor/plc-g711.ts';
import type { Codec, CodecFactory } from './codec.ts';
import { allocBytes, allocPcm } from './frame-pool.ts';

/**
 * ITU-T G.722 at 64 kbit/s (mode 1): sub-band ADPCM of 16 kHz audio. A quadrature mirror filter splits the
 * signal into a 0–4 kHz and a 4–8 kHz band at 8 kHz each; the lower band is coded with 6 bits per sample,
 * the higher with 2, so one octet carries two input samples (high band bits 7–6, low band bits 5–0).
 * RTP (RFC 3551 §4.5.2): payload type 9, and a clock rate of 8000 in SDP although audio is sampled at 16000.
 *
 * Written from the recommendation's block descriptions (§3 encoder, §4 decoder); the function names below
 * follow the recommendation's blocks (QUANTL, INVQAL, LOGSCL, SCALEL, UPPOL1/2, UPZERO, FILTEP/Z, …).
 * The arithmetic is 16-bit fixed point as specified, so the output is bit-exact with other conforming coders.
 */

/** Transmit and receive QMF coefficients (§3.1, Table 2/G.722), symmetric, sum 2^13. */
const QMF = [
  3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32, -156, 12, 53,
  -11, -11, 3,
];

/** QUANTL decision levels, 6-bit quantizer magnitudes 1..30 (Table 6/G.722, ×det/4096). */
const Q6 = [
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219,
  1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0,
];
/** QUANTL output codes for negative and positive differences, by magnitude interval. */
const ILN = [
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7,
  6, 5, 4, 0,
];
const ILP = [
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36,
  35, 34, 33, 32, 0,
];
/** INVQAL 4-bit inverse quantizer (the predictor is always driven by the 4-bit code, for the embedded modes). */
const QM4 = [
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
];
/** INVQBL 6-bit inverse quantizer used for the decoder's 64 kbit/s output. */
const QM6 = [
  -136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192, -10232, -9360,
  -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032, -1688,
  -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192,
  6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432,
  -136,
];
/** LOGSCL: 4-bit code → magnitude class, and the log scale-factor increments per class. */
const RL42 = [0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0];
const WL = [-60, -30, 58, 172, 334, 538, 1198, 3042];
/** SCALEL: antilog table (2^(i/32) × 2048). */
const ILB = [
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834, 2896, 2960,
  3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
];
/** Higher band: QUANTH codes, INVQAH levels, LOGSCH classes and increments. */
const IHN = [0, 1, 0];
const IHP = [0, 3, 2];
const QM2 = [-7408, -1616, 7408, 1616];
const RH2 = [2, 1, 2, 1];
const WH = [0, -214, 798];

const sat = (x: number): number => Math.min(32767, Math.max(-32768, x));

/** The adaptive predictor and scale factor of one sub-band (the state of §3.3–3.6 for that band). */
class Band {
  /** Predicted signal s = sp + sz, its pole part sp and zero part sz. */
  s = 0;
  sp = 0;
  sz = 0;
  /** Reconstructed signal r(n), r(n−1), r(n−2) and partial reconstruction p. */
  r = new Int32Array(3);
  p = new Int32Array(3);
  /** Pole coefficients a1, a2 (index 1, 2) and zero coefficients b1..b6; quantized differences d(n−i). */
  a = new Int32Array(3);
  b = new Int32Array(7);
  d = new Int32Array(7);
  /** Log scale factor and scale factor. */
  nb = 0;
  det: number;

  constructor(det: number) {
    this.det = det;
  }

  /** LOGSCL/LOGSCH then SCALEL/SCALEH: adapt the scale factor (`limit` 18432 low, 22528 high; `shift` 8/10). */
  adaptScale(increment: number, limit: number, shift: number): void {
    let nb = ((this.nb * 127) >> 7) + increment;
    nb = Math.min(limit, Math.max(0, nb));
    this.nb = nb;
    const wd1 = (nb >> 6) & 31;
    const wd2 = shift - (nb >> 11);
    const wd3 = wd2 < 0 ? ILB[wd1]! << -wd2 : ILB[wd1]! >> wd2;
    this.det = wd3 << 2;
  }

  /** Block 4: reconstruct, adapt the pole and zero predictor to the quantized difference `dx`, predict. */
  update(dx: number): void {
    const r0 = sat(this.s + dx); // RECONS
    const p0 = sat(this.sz + dx); // PARREC
    const sg0 = p0 < 0;
    const sg1 = this.p[0]! < 0;
    const sg2 = this.p[1]! < 0;
    // UPPOL2: a2 leaks towards 0 and moves with the sign agreement of p over 1 and 2 samples.
    const wd1 = sat(this.a[1]! * 4);
    let wd2 = sg0 === sg1 ? -wd1 : wd1;
    if (wd2 > 32767) wd2 = 32767;
    let a2 = (wd2 >> 7) + (sg0 === sg2 ? 128 : -128) + ((this.a[2]! * 32512) >> 15);
    a2 = Math.min(12288, Math.max(-12288, a2));
    // UPPOL1, limited so the pole pair stays stable: |a1| ≤ 15360 − a2.
    let a1 = sat((sg0 === sg1 ? 192 : -192) + ((this.a[1]! * 32640) >> 15));
    const lim = sat(15360 - a2);
    a1 = Math.min(lim, Math.max(-lim, a1));
    // UPZERO: sign-sign update of b1..b6 with leakage.
    const step = dx === 0 ? 0 : 128;
    const sgd = dx < 0;
    for (let i = 1; i < 7; i++) {
      const agree = this.d[i]! < 0 === sgd;
      this.b[i] = sat((agree ? step : -step) + ((this.b[i]! * 32640) >> 15));
    }
    // DELAYA
    for (let i = 6; i > 1; i--) this.d[i] = this.d[i - 1]!;
    this.d[1] = dx;
    this.r[2] = this.r[1]!;
    this.r[1] = r0;
    this.p[1] = this.p[0]!;
    this.p[0] = p0;
    this.a[1] = a1;
    this.a[2] = a2;
    // FILTEP: two-pole section on the reconstructed signal.
    const sp = sat(((this.a[1]! * sat(this.r[1]! * 2)) >> 15) + ((this.a[2]! * sat(this.r[2]! * 2)) >> 15));
    // FILTEZ: six-zero section on the quantized differences.
    let sz = 0;
    for (let i = 6; i > 0; i--) sz += (this.b[i]! * sat(this.d[i]! * 2)) >> 15;
    this.sp = sp;
    this.sz = sat(sz);
    this.s = sat(sp + this.sz); // PREDIC
  }
}

/** A G.722 64 kbit/s encoder: 16-bit PCM at 16 kHz in, one octet per two samples out. */
export class G722Encoder {
  #x = new Int32Array(24);
  #low = new Band(32);
  #high = new Band(8);

  /** Encodes `pcm`; an odd trailing sample is paired with a copy of itself. */
  encode(pcm: Int16Array): Uint8Array {
    const out = allocBytes((pcm.length + 1) >> 1);
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    for (let j = 0, o = 0; j < pcm.length; j += 2, o++) {
      // Transmit QMF (§3.1): newest sample pairs with the odd-indexed taps, the older with the even ones.
      for (let i = 0; i < 22; i++) x[i] = x[i + 2]!;
      x[22] = pcm[j]!;
      x[23] = j + 1 < pcm.length ? pcm[j + 1]! : pcm[j]!;
      let xa = 0;
      let xb = 0;
      for (let i = 0; i < 24; i += 2) {
        xb += x[i]! * QMF[i]!;
        xa += x[i + 1]! * QMF[i + 1]!;
      }
      const xl = (xa + xb) >> 14;
      const xh = (xa - xb) >> 14;

      // Lower band: SUBTRA, QUANTL (6 bits), INVQAL on the 4-bit code, LOGSCL/SCALEL, block 4.
      const el = sat(xl - low.s);
      const wl = el >= 0 ? el : -(el + 1);
      // First interval m in 1..29 whose decision level exceeds |el|, else 30 (levels rise: binary search).
      let m = 1;
      let hi = 30;
      while (m < hi) {
        const mid = (m + hi) >> 1;
        if (wl < (Q6[mid]! * low.det) >> 12) hi = mid;
        else m = mid + 1;
      }
      const il = el < 0 ? ILN[m]! : ILP[m]!;
      const il4 = il >> 2;
      const dl = (low.det * QM4[il4]!) >> 15;
      low.adaptScale(WL[RL42[il4]!]!, 18432, 8);
      low.update(dl);

      // Higher band: SUBTRA, QUANTH (2 bits), INVQAH, LOGSCH/SCALEH, block 4.
      const eh = sat(xh - high.s);
      const wh = eh >= 0 ? eh : -(eh + 1);
      const mh = wh >= (564 * high.det) >> 12 ? 2 : 1;
      const ih = eh < 0 ? IHN[mh]! : IHP[mh]!;
      const dh = (high.det * QM2[ih]!) >> 15;
      high.adaptScale(WH[RH2[ih]!]!, 22528, 10);
      high.update(dh);

      out[o] = (ih << 6) | il;
    }
    return out;
  }
}

/** A G.722 64 kbit/s decoder: one octet in, two 16 kHz samples out. */
export class G722Decoder {
  #x = new Int32Array(24);
  #low = new Band(32);
  #high = new Band(8);

  decode(payload: Uint8Array): Int16Array {
    const out = allocPcm(payload.length * 2);
    const x = this.#x;
    const low = this.#low;
    const high = this.#high;
    for (let k = 0, o = 0; k < payload.length; k++) {
      const code = payload[k]!;
      const il = code & 0x3f;
      const ih = code >> 6;

      // Lower band: INVQBL (6-bit output), INVQAL (4-bit, for adaptation), RECONS, LIMIT.
      const il4 = il >> 2;
      let rl = low.s + ((low.det * QM6[il]!) >> 15);
      rl = Math.min(16383, Math.max(-16384, rl));
      const dl = (low.det * QM4[il4]!) >> 15;
      low.adaptScale(WL[RL42[il4]!]!, 18432, 8);
      low.update(dl);

      // Higher band: INVQAH, RECONS, LIMIT.
      const dh = (high.det * QM2[ih]!) >> 15;
      let rh = high.s + dh;
      rh = Math.min(16383, Math.max(-16384, rh));
      high.adaptScale(WH[RH2[ih]!]!, 22528, 10);
      high.update(dh);

      // Receive QMF (§4.4): the sum signal feeds the odd taps, the difference the even ones.
      for (let i = 0; i < 22; i++) x[i] = x[i + 2]!;
      x[22] = rl + rh;
      x[23] = rl - rh;
      let xo1 = 0;
      let xo2 = 0;
      for (let i = 0; i < 24; i += 2) {
        xo1 += x[i]! * QMF[i]!;
        xo2 += x[i + 1]! * QMF[i + 1]!;
      }
      // The odd-tap (sum) branch gives the earlier of the two output samples.
      out[o++] = sat(xo2 >> 11);
      out[o++] = sat(xo1 >> 11);
    }
    return out;
  }
}

class G722Codec implements Codec {
  readonly name = 'G722';
  readonly sampleRate = 16000;
  readonly clockRate = 8000;
  readonly payloadType = 9;
  #encoder = new G722Encoder();
  #decoder = new G722Decoder();
  // G.722's own PLC (Appendices III/IV) works inside the sub-band decoder; the G.711 Appendix I waveform
  // substitution, scaled to 16 kHz, is simpler and conceals a lost packet well enough.
  #plc = new PlcG711({ delay: false, sampleRate: 16000 });

  encode(pcm: Int16Array): Uint8Array {
    return this.#encoder.encode(pcm);
  }

  decode(payload: Uint8Array): Int16Array {
    return this.#plc.good(this.#decoder.decode(payload));
  }

  conceal(samples: number): Int16Array {
    return this.#plc.lost(samples);
  }
}

/** G.722, static payload type 9, 16 kHz audio on an 8000 RTP clock. */
export const g722: CodecFactory = {
  name: 'G722',
  sampleRate: 16000,
  clockRate: 8000,
  payloadType: 9,
  create: () => new G722Codec(),
};
