/**
 * A codec turns 20 ms (or `ptime`) of 16-bit linear PCM at its own `sampleRate` into a payload and back.
 * One file per codec in this folder; every codec passes the shared contract suite (codec.case.test.ts).
 * Stateful codecs (G.722, Opus) are created per stream with `create()`.
 */
export interface Codec {
  /** Encoding name as in SDP rtpmap (e.g. "PCMU", "G722", "opus"). */
  readonly name: string;
  /** Sample rate of the PCM this codec takes and gives (8000 for G.711, 16000 for G.722 and, by default, Opus). */
  readonly sampleRate: number;
  /** The RTP clock rate written in SDP (8000 for G.722, per RFC 3551). */
  readonly clockRate: number;
  /** Static payload type, if the codec has one. */
  readonly payloadType?: number;
  encode(pcm: Int16Array): Uint8Array;
  decode(payload: Uint8Array): Int16Array;
  /** Packet-loss concealment: `samples` of audio to stand in for a lost frame. */
  conceal?(samples: number): Int16Array;
  close?(): void;
}

export interface CodecFactory {
  readonly name: string;
  readonly sampleRate: number;
  readonly clockRate: number;
  readonly payloadType?: number;
  create(): Codec;
}
