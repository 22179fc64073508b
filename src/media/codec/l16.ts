import type { Codec, CodecFactory } from './codec.ts';
import { allocBytes, allocPcm } from './frame-pool.ts';

/**
 * L16: uncompressed 16-bit linear PCM in network byte order (RFC 3551 §4.5.11). Static payload type 11 is
 * 44.1 kHz stereo, so the mono rates used here are dynamic types negotiated in SDP.
 */
export function l16(sampleRate: number): CodecFactory {
  const codec: Codec = {
    name: 'L16',
    sampleRate,
    clockRate: sampleRate,
    encode(pcm) {
      const out = allocBytes(pcm.length * 2);
      for (let i = 0, j = 0; i < pcm.length; i++, j += 2) {
        const v = pcm[i]!;
        out[j] = (v >> 8) & 0xff;
        out[j + 1] = v & 0xff;
      }
      return out;
    },
    decode(payload) {
      // A trailing odd byte is half a sample: dropped.
      const n = payload.length >> 1;
      const out = allocPcm(n);
      for (let i = 0, j = 0; i < n; i++, j += 2) out[i] = (payload[j]! << 8) | payload[j + 1]!;
      return out;
    },
    conceal: (samples) => new Int16Array(samples),
  };
  return { name: 'L16', sampleRate, clockRate: sampleRate, create: () => codec };
}
