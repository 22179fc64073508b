import type { CodecFactory } from './codec.ts';
import { pcma, pcmu } from './g711.ts';
import { g722 } from './g722.ts';
import { l16 } from './l16.ts';
import { opus } from './opus.ts';

export type { Codec, CodecFactory } from './codec.ts';

/** Every codec the media engine can encode and decode, in a sensible order of preference for offers. */
export const supportedCodecs: readonly CodecFactory[] = [
  opus,
  g722,
  pcmu,
  pcma,
  l16(16000),
  l16(8000),
  l16(48000),
];

/**
 * The factory for an SDP rtpmap encoding name and clock rate (name case-insensitive, RFC 4566 §6),
 * or undefined when the engine does not speak it.
 */
export function getCodecFactory(name: string, clockRate: number): CodecFactory | undefined {
  const wanted = name.toLowerCase();
  return supportedCodecs.find((f) => f.name.toLowerCase() === wanted && f.clockRate === clockRate);
}
