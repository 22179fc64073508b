import { PlcG711 } from '../processor/plc-g711.ts';
import type { Codec, CodecFactory } from './codec.ts';
import { allocBytes, allocPcm } from './frame-pool.ts';

/**
 * G.711 µ-law (PCMU, PT 0) and A-law (PCMA, PT 8), ITU-T G.711 / RFC 3551 §4.5.14.
 *
 * Table-driven because these run for every talking member of every room: encoding indexes a 64 KiB table
 * by the 16-bit sample, decoding a 256-entry table. The tables are computed once at load from the segment
 * rules of G.711 (µ-law: 14-bit magnitude, bias 33 per step; A-law: 13-bit magnitude, even bits inverted).
 * The mixer may use the exported tables directly; `create()` gives a per-stream codec with concealment.
 */

const MULAW_BIAS = 0x84;
const MULAW_CLIP = 32635;

function mulawEncodeSample(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > MULAW_CLIP) s = MULAW_CLIP;
  s += MULAW_BIAS;
  // Segment = position of the highest set bit above bit 7 (s is in [132, 32767]).
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function mulawDecodeSample(code: number): number {
  const u = ~code & 0xff;
  const t = (((u & 0x0f) << 3) + MULAW_BIAS) << ((u & 0x70) >> 4);
  return u & 0x80 ? MULAW_BIAS - t : t - MULAW_BIAS;
}

function alawEncodeSample(sample: number): number {
  let sign = 0x80; // A-law: sign bit set means positive
  let m = sample;
  if (m < 0) {
    sign = 0;
    m = ~m; // one's complement, so -1..-8 fall in the first step like 0..7
  }
  m >>= 3; // 13-bit magnitude, 0..4095
  let code: number;
  if (m < 32) {
    code = m >> 1;
  } else {
    let e = 1;
    while (m >= 32 << e) e++;
    code = (e << 4) | ((m >> e) & 0x0f);
  }
  return (sign | code) ^ 0x55;
}

function alawDecodeSample(code: number): number {
  const a = code ^ 0x55;
  const e = (a >> 4) & 0x07;
  const mant = a & 0x0f;
  const t = e === 0 ? (mant << 4) + 8 : ((mant << 4) + 0x108) << (e - 1);
  return a & 0x80 ? t : -t;
}

/** The two G.711 laws: µ-law (PCMU) and A-law (PCMA). */
export type G711Law = 'mulaw' | 'alaw';

/**
 * µ-law encoding of one sample in [−32768, 32767] by arithmetic: the segment is the position of the biased
 * magnitude's highest bit (`Math.clz32`). Equal to `MULAW_ENCODE[sample & 0xffff]` (tested for every
 * sample). The session's encode loops and the mixer's JS kernel use it rather than the 64 KiB table: on a
 * media thread whose cache the kernel's packet work keeps evicting, a table read is often a miss, and this
 * costs none.
 */
export function mulawEncode(sample: number): number {
  const sign = (sample >> 24) & 0x80;
  let m = sample < 0 ? -sample : sample;
  if (m > MULAW_CLIP) m = MULAW_CLIP;
  m += MULAW_BIAS;
  const exponent = 24 - Math.clz32(m);
  return ~(sign | (exponent << 4) | ((m >> (exponent + 3)) & 0x0f)) & 0xff;
}

/** A-law encoding of one sample in [−32768, 32767] by arithmetic; equal to `ALAW_ENCODE[sample & 0xffff]`. */
export function alawEncode(sample: number): number {
  const sign = sample < 0 ? 0 : 0x80;
  const m = (sample < 0 ? ~sample : sample) >> 3;
  if (m < 32) return (sign | (m >> 1)) ^ 0x55;
  // Segment e holds 32 << (e − 1) ≤ m < 32 << e: e is the highest bit's position minus 4.
  const e = 27 - Math.clz32(m);
  return (sign | (e << 4) | ((m >> e) & 0x0f)) ^ 0x55;
}

function buildTables(enc: (s: number) => number, dec: (c: number) => number) {
  const encode = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) encode[i] = enc((i << 16) >> 16);
  const decode = new Int16Array(256);
  for (let c = 0; c < 256; c++) decode[c] = dec(c);
  return { encode, decode };
}

const MULAW = buildTables(mulawEncodeSample, mulawDecodeSample);
const ALAW = buildTables(alawEncodeSample, alawDecodeSample);

/** µ-law encode table: `MULAW_ENCODE[sample & 0xffff]` is the code byte (exported for the mixer's loops). */
export const MULAW_ENCODE: Uint8Array = MULAW.encode;
/** µ-law decode table: code byte → 16-bit sample. */
export const MULAW_DECODE: Int16Array = MULAW.decode;
/** A-law encode table: `ALAW_ENCODE[sample & 0xffff]` is the code byte. */
export const ALAW_ENCODE: Uint8Array = ALAW.encode;
/** A-law decode table: code byte → 16-bit sample. */
export const ALAW_DECODE: Int16Array = ALAW.decode;

/** Encodes `pcm` into `out` (same length) through an encode table; returns `out`. */
export function g711EncodeInto(table: Uint8Array, pcm: Int16Array, out: Uint8Array): Uint8Array {
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! & 0xffff]!;
  return out;
}

/** Decodes `payload` into `out` (same length) through a decode table; returns `out`. */
export function g711DecodeInto(table: Int16Array, payload: Uint8Array, out: Int16Array): Int16Array {
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}

/** Squares of the decoded values, so a frame's energy needs no decode (talker detection of every member). */
const MULAW_SQUARE = Float64Array.from(MULAW.decode, (v) => v * v);
const ALAW_SQUARE = Float64Array.from(ALAW.decode, (v) => v * v);

/**
 * Mean-square energy (16-bit units) of a G.711 payload without decoding it, for `Vad.processEnergy`:
 * one table lookup per byte. `law` is the codec name, 'PCMU' or 'PCMA'.
 */
export function g711MeanSquare(law: 'PCMU' | 'PCMA', payload: Uint8Array): number {
  if (payload.length === 0) return 0;
  const sq = law === 'PCMU' ? MULAW_SQUARE : ALAW_SQUARE;
  let e = 0;
  for (let i = 0; i < payload.length; i++) e += sq[payload[i]!]!;
  return e / payload.length;
}

/** The byte that encodes digital silence (0), for filling comfort frames without a table lookup. */
export const MULAW_SILENCE = MULAW_ENCODE[0]!;
/** A-law's silence byte. */
export const ALAW_SILENCE = ALAW_ENCODE[0]!;

/**
 * One G.711 stream: table lookups, plus G.711 Appendix I concealment (without its 3.75 ms delay, so good
 * frames pass through untouched) fed by every decoded frame.
 */
class G711Codec implements Codec {
  readonly name: 'PCMU' | 'PCMA';
  readonly sampleRate = 8000;
  readonly clockRate = 8000;
  readonly payloadType: number;
  #encode: Uint8Array;
  #decode: Int16Array;
  #plc = new PlcG711({ delay: false });

  constructor(
    name: 'PCMU' | 'PCMA',
    payloadType: number,
    tables: { encode: Uint8Array; decode: Int16Array },
  ) {
    this.name = name;
    this.payloadType = payloadType;
    this.#encode = tables.encode;
    this.#decode = tables.decode;
  }

  encode(pcm: Int16Array): Uint8Array {
    return g711EncodeInto(this.#encode, pcm, allocBytes(pcm.length));
  }

  decode(payload: Uint8Array): Int16Array {
    return this.#plc.good(g711DecodeInto(this.#decode, payload, allocPcm(payload.length)));
  }

  conceal(samples: number): Int16Array {
    return this.#plc.lost(samples);
  }
}

function g711Factory(
  name: 'PCMU' | 'PCMA',
  payloadType: number,
  tables: { encode: Uint8Array; decode: Int16Array },
): CodecFactory {
  return {
    name,
    sampleRate: 8000,
    clockRate: 8000,
    payloadType,
    create: () => new G711Codec(name, payloadType, tables),
  };
}

/** G.711 µ-law, static payload type 0. */
export const pcmu: CodecFactory = g711Factory('PCMU', 0, MULAW);
/** G.711 A-law, static payload type 8. */
export const pcma: CodecFactory = g711Factory('PCMA', 8, ALAW);
