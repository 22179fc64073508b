/**
 * Clipping-safe conversion of a 32-bit mix sum to 16-bit samples. Below the knee (−2.5 dBFS) samples pass
 * unchanged; above it they are compressed smoothly towards full scale instead of being cut flat, which
 * would add harsh odd harmonics when several loud talkers add up. Always within int16.
 */
/** Samples up to this magnitude pass unchanged (callers inline the test and call `softLimit` beyond it). */
export const SOFT_LIMIT_KNEE = 24576;
const KNEE = SOFT_LIMIT_KNEE;
const HEADROOM = 32767 - KNEE;

/** Limits one summed sample (any integer) into [−32767, 32767]. */
export function softLimit(v: number): number {
  if (v <= KNEE && v >= -KNEE) return v;
  const over = (v > 0 ? v : -v) - KNEE;
  // over / (over + H) → 0..1: the excess is squeezed into the headroom, never reaching it.
  const y = KNEE + Math.floor((HEADROOM * over) / (over + HEADROOM));
  return v > 0 ? y : -y;
}

/** Writes `sum[i] - minus[i]` (or just `sum[i]` when `minus` is omitted), limited, into `out`. */
export function limitInto(sum: Int32Array, out: Int16Array, minus?: Int16Array): Int16Array {
  const n = out.length;
  if (minus) {
    for (let i = 0; i < n; i++) {
      const v = sum[i]! - minus[i]!;
      out[i] = v <= KNEE && v >= -KNEE ? v : softLimit(v);
    }
  } else {
    for (let i = 0; i < n; i++) {
      const v = sum[i]!;
      out[i] = v <= KNEE && v >= -KNEE ? v : softLimit(v);
    }
  }
  return out;
}
