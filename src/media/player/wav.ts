/**
 * WAV (RIFF WAVE) reading and writing for prompts and recordings: 16-bit PCM, mono (stereo files are
 * mixed down on reading), any sample rate (8, 16 and 48 kHz are the ones the engine plays). Parsing is pure
 * and never throws: a file it cannot use gives a `WavError` value.
 *
 * ```
 * "RIFF" size "WAVE"  then chunks: id(4) size(4, little-endian) data (padded to even length)
 *   "fmt " format(2)=1 PCM or 0xFFFE extensible, channels(2), rate(4), byteRate(4), align(2), bits(2) …
 *   "data" little-endian samples
 * ```
 */

/** Decoded audio: mono 16-bit samples at `sampleRate`. */
export interface WavAudio {
  sampleRate: number;
  samples: Int16Array;
}

/** Why a buffer is not a usable WAV file. */
export interface WavError {
  error: 'not-wav' | 'no-format' | 'unsupported-format' | 'no-data';
  message: string;
}

/** Type guard for `parseWav` results. */
export function isWavError(r: WavAudio | WavError): r is WavError {
  return (r as WavError).error !== undefined;
}

const FORMAT_PCM = 1;
const FORMAT_EXTENSIBLE = 0xfffe;
/** Size of the canonical header `encodeWav` writes (RIFF + fmt of 16 bytes + data header). */
export const WAV_HEADER_SIZE = 44;

function ascii(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
}

/** Parses a WAV file (see file comment). */
export function parseWav(buf: Uint8Array): WavAudio | WavError {
  if (buf.length < 12 || ascii(buf, 0) !== 'RIFF' || ascii(buf, 8) !== 'WAVE') {
    return { error: 'not-wav', message: 'no RIFF/WAVE header' };
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let fmt: { channels: number; rate: number; bits: number; format: number } | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = ascii(buf, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) return { error: 'no-format', message: 'fmt chunk truncated' };
      let format = view.getUint16(body, true);
      if (format === FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.length) {
        // The sub-format GUID starts with the plain format code.
        format = view.getUint16(body + 24, true);
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) return { error: 'no-format', message: 'data chunk before fmt chunk' };
      if (fmt.format !== FORMAT_PCM || fmt.bits !== 16 || fmt.channels < 1 || fmt.channels > 2) {
        return {
          error: 'unsupported-format',
          message: `format ${fmt.format}, ${fmt.bits} bits, ${fmt.channels} channels: only 16-bit PCM mono/stereo`,
        };
      }
      if (fmt.rate < 1000 || fmt.rate > 192000) {
        return { error: 'unsupported-format', message: `sample rate ${fmt.rate}` };
      }
      // A size larger than the file (streams written without a final size) means "up to the end".
      const end = Math.min(buf.length, body + size);
      const frames = Math.floor((end - body) / (2 * fmt.channels));
      const samples = new Int16Array(frames);
      for (let i = 0; i < frames; i++) {
        const at = body + i * 2 * fmt.channels;
        samples[i] =
          fmt.channels === 1
            ? view.getInt16(at, true)
            : (view.getInt16(at, true) + view.getInt16(at + 2, true)) >> 1;
      }
      return { sampleRate: fmt.rate, samples };
    }
    offset = body + size + (size & 1);
  }
  return fmt
    ? { error: 'no-data', message: 'no data chunk' }
    : { error: 'no-format', message: 'no fmt chunk' };
}

/** The 44-byte canonical header for `dataBytes` bytes of mono 16-bit PCM. */
export function wavHeader(sampleRate: number, dataBytes: number): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE);
  const view = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, FORMAT_PCM, true);
  view.setUint16(22, 1, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  put(36, 'data');
  view.setUint32(40, dataBytes, true);
  return out;
}

/** Samples as little-endian bytes (the WAV data layout), whatever the machine's byte order. */
export function pcmToLittleEndian(samples: Int16Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) view.setInt16(i * 2, samples[i]!, true);
  return out;
}

/** A complete mono 16-bit WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(WAV_HEADER_SIZE + samples.length * 2);
  out.set(wavHeader(sampleRate, samples.length * 2), 0);
  out.set(pcmToLittleEndian(samples), WAV_HEADER_SIZE);
  return out;
}
