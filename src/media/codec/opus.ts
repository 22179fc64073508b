import { Decoder, Encoder } from '@evan/opus';
import type { Codec, CodecFactory } from './codec.ts';

/**
 * Opus (RFC 6716, RTP payload RFC 7587) through `@evan/opus` (libopus, native with a WASM fallback):
 * mono, 20 ms frames, RTP clock 48000, dynamic payload type.
 *
 * The PCM rate is 16 kHz by default, not 48: libopus encodes and decodes directly at 8, 12, 16, 24 or
 * 48 kHz whatever the RTP clock, which stays 48000 (RFC 7587 §4.1: timestamps advance 960 per 20 ms).
 * 16 kHz is the conference mixer's wideband rate, so an Opus member needs no resampling in a wideband
 * room, and decoding and encoding at 16 kHz cost about two thirds of what they cost at 48.
 *
 * Loss concealment is Opus's own: a packet holding only a TOC byte is a zero-length frame, which libopus
 * decodes as a lost frame (RFC 6716 §3.2.1) and so runs its PLC for exactly that frame's duration. The
 * binding does not expose `decode_fec`, so in-band FEC is produced for peers but not consumed here.
 */

/** RTP clock rate of Opus, whatever the PCM rate (RFC 7587 §4.1). */
const CLOCK_RATE = 48000;
/** Frame durations libopus accepts, in tenths of a millisecond (2.5 to 60 ms). */
const FRAME_TENTHS_MS = [25, 50, 100, 200, 400, 600];

/** PCM rates libopus encodes and decodes at. */
export type OpusSampleRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** Encoder settings; the defaults suit speech at a conference bridge. */
export interface OpusOptions {
  /** Target bitrate in bit/s (default 32000). */
  bitrate?: number;
  /** 0–10; lower is cheaper (default 5, plenty for speech). */
  complexity?: 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10;
  /** Emit in-band FEC for peers (default true, tuned for 5 % loss). */
  fec?: boolean;
  /** PCM rate of what the codec takes and gives (default 16000); the RTP clock stays 48000. */
  sampleRate?: OpusSampleRate;
}

class OpusCodec implements Codec {
  readonly name = 'opus';
  readonly sampleRate: OpusSampleRate;
  readonly clockRate = CLOCK_RATE;
  readonly payloadType = undefined;
  #encoder: Encoder | undefined;
  #decoder: Decoder | undefined;
  #lastToc = -1;
  #options: OpusOptions;
  /** Frame sizes in samples at `sampleRate`, and one 20 ms frame. */
  #frameSizes: number[];
  #frame20: number;

  constructor(options: OpusOptions) {
    this.#options = options;
    this.sampleRate = options.sampleRate ?? 16000;
    this.#frameSizes = FRAME_TENTHS_MS.map((t) => (this.sampleRate * t) / 10000);
    this.#frame20 = this.sampleRate / 50;
  }

  // Encoder and decoder are made on first use: a receive-only stream never pays for an encoder.
  #enc(): Encoder {
    if (!this.#encoder) {
      const e = new Encoder({ channels: 1, sample_rate: this.sampleRate, application: 'voip' });
      e.bitrate = this.#options.bitrate ?? 32000;
      e.complexity = this.#options.complexity ?? 5;
      if (this.#options.fec ?? true) {
        e.inband_fec = true;
        e.packet_loss = 5;
      }
      this.#encoder = e;
    }
    return this.#encoder;
  }

  #dec(): Decoder {
    this.#decoder ??= new Decoder({ channels: 1, sample_rate: this.sampleRate });
    return this.#decoder;
  }

  /** Any length: padded with silence to the next Opus frame size; more than 60 ms is cut to 60 ms. */
  encode(pcm: Int16Array): Uint8Array {
    let frame = pcm;
    const sizes = this.#frameSizes;
    const size = sizes.find((s) => s >= pcm.length) ?? sizes[sizes.length - 1]!;
    if (size !== pcm.length) {
      frame = new Int16Array(size);
      frame.set(pcm.length > size ? pcm.subarray(0, size) : pcm);
    }
    return this.#enc().encode(frame);
  }

  /** A payload libopus rejects is concealed (20 ms) rather than thrown. */
  decode(payload: Uint8Array): Int16Array {
    if (payload.length === 0) return this.conceal(this.#frame20);
    try {
      const bytes = this.#dec().decode(payload);
      this.#lastToc = payload[0]! & 0xfc; // keep config and stereo bits, code 0 = one frame
      // The binding returns a fresh copy; view it in place when aligned rather than copying again.
      const pcm =
        bytes.byteOffset % 2 === 0
          ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1)
          : new Int16Array(bytes.slice().buffer, 0, bytes.byteLength >> 1);
      return pcm;
    } catch {
      return this.conceal(this.#frame20);
    }
  }

  conceal(samples: number): Int16Array {
    const out = new Int16Array(samples);
    if (this.#lastToc < 0) return out; // nothing heard yet: silence
    const toc = new Uint8Array([this.#lastToc]);
    let filled = 0;
    try {
      while (filled < samples) {
        const bytes = this.#dec().decode(toc);
        const n = bytes.byteLength >> 1;
        if (n === 0) break;
        const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, n);
        const take = Math.min(n, samples - filled);
        out.set(pcm.subarray(0, take), filled);
        filled += take;
      }
    } catch {
      // leave the rest silent
    }
    return out;
  }

  close(): void {
    this.#encoder = undefined;
    this.#decoder = undefined;
  }
}

/** An Opus factory with the given encoder settings. */
export function createOpusFactory(options: OpusOptions = {}): CodecFactory {
  return {
    name: 'opus',
    sampleRate: options.sampleRate ?? 16000,
    clockRate: CLOCK_RATE,
    create: () => new OpusCodec(options),
  };
}

/** Opus with the default settings (PCM at 16 kHz, 32 kbit/s, complexity 5, FEC on). */
export const opus: CodecFactory = createOpusFactory();
