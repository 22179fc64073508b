/**
 * RTP fixed header: pure parse and serialize (RFC 3550 §5.1), no I/O.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |      defined by profile       |           length              |   (if X, §5.3.1)
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                        header extension                       |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * ```
 */
export interface RtpPacket {
  /** Always 2 for packets this module accepts. */
  version: number;
  /** Whether the sender padded the packet; the padding itself is stripped from `payload`. */
  padding: boolean;
  marker: boolean;
  payloadType: number;
  /** 16-bit, wraps. */
  sequenceNumber: number;
  /** 32-bit unsigned, wraps. */
  timestamp: number;
  /** 32-bit unsigned. */
  ssrc: number;
  csrc: number[];
  /** Header extension (§5.3.1): profile-defined 16 bits and the extension words. */
  extension?: { profile: number; data: Uint8Array };
  /** The payload, a view into the parsed buffer (padding removed). */
  payload: Uint8Array;
}

/** Why a buffer is not an RTP packet. */
export interface RtpParseError {
  error: 'too-short' | 'bad-version' | 'bad-csrc' | 'bad-extension' | 'bad-padding' | 'is-rtcp';
  message: string;
}

/** Size of the fixed header without CSRCs. */
export const RTP_HEADER_SIZE = 12;

/** Type guard: did `parseRtp` fail? */
export function isRtpParseError(r: RtpPacket | RtpParseError): r is RtpParseError {
  return (r as RtpParseError).error !== undefined;
}

function fail(error: RtpParseError['error'], message: string): RtpParseError {
  return { error, message };
}

/**
 * RFC 5761 §4: on a multiplexed port, an RTCP packet's second octet is its packet type 192–223, which
 * reads as an RTP marker bit plus payload type 64–95; RTP payload types never use that range.
 */
export function isRtcp(buf: Uint8Array): boolean {
  if (buf.length < 2 || buf[0]! >> 6 !== 2) return false;
  const pt = buf[1]! & 0x7f;
  return pt >= 64 && pt <= 95;
}

/** The CSRC list of packets without contributing sources (nearly all): shared, so never mutated. */
const NO_CSRC: number[] = Object.freeze([]) as unknown as number[];

/**
 * Parses one RTP packet (RFC 3550 §5.1). Never throws: a malformed buffer gives an `RtpParseError`.
 * The payload and extension data are views into `buf` (no copy): copy them if `buf` is reused.
 */
export function parseRtp(buf: Uint8Array): RtpPacket | RtpParseError {
  if (buf.length < RTP_HEADER_SIZE) return fail('too-short', `${buf.length} bytes, the header needs 12`);
  const b0 = buf[0]!;
  const version = b0 >> 6;
  if (version !== 2) return fail('bad-version', `version ${version}`);
  if (isRtcp(buf)) return fail('is-rtcp', 'payload type 64-95 is RTCP on a multiplexed port (RFC 5761 §4)');
  const padding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;
  const b1 = buf[1]!;
  let offset = RTP_HEADER_SIZE;
  if (buf.length < offset + 4 * cc) return fail('bad-csrc', `${cc} CSRCs do not fit in ${buf.length} bytes`);
  // Byte reads rather than a DataView: this runs for every packet received. Most packets have no CSRC and
  // share one empty (frozen) list.
  let csrc = NO_CSRC;
  if (cc > 0) {
    csrc = [];
    for (let i = 0; i < cc; i++) {
      csrc.push(readU32(buf, offset));
      offset += 4;
    }
  }
  let extension: RtpPacket['extension'];
  if (hasExtension) {
    if (buf.length < offset + 4) return fail('bad-extension', 'extension header truncated');
    const profile = (buf[offset]! << 8) | buf[offset + 1]!;
    const words = (buf[offset + 2]! << 8) | buf[offset + 3]!;
    offset += 4;
    if (buf.length < offset + 4 * words)
      return fail('bad-extension', `extension of ${words} words truncated`);
    extension = { profile, data: buf.subarray(offset, offset + 4 * words) };
    offset += 4 * words;
  }
  let end = buf.length;
  if (padding) {
    // §5.1: the last octet counts the padding octets, itself included.
    const count = buf[buf.length - 1]!;
    if (count === 0 || end - count < offset) return fail('bad-padding', `padding count ${count} is invalid`);
    end -= count;
  }
  const packet: RtpPacket = {
    version,
    padding,
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: (buf[2]! << 8) | buf[3]!,
    timestamp: readU32(buf, 4),
    ssrc: readU32(buf, 8),
    csrc,
    payload: buf.subarray(offset, end),
  };
  if (extension) packet.extension = extension;
  return packet;
}

/**
 * Serializes an RTP packet. `padding: true` pads the packet to a multiple of 4 octets (always at least one
 * octet, as §5.1 requires when P is set). Extension data is padded to whole 32-bit words.
 */
export function serializeRtp(p: RtpPacket): Uint8Array {
  const cc = Math.min(p.csrc.length, 15);
  const extWords = p.extension ? Math.ceil(p.extension.data.length / 4) : 0;
  const headerLen = RTP_HEADER_SIZE + 4 * cc + (p.extension ? 4 + 4 * extWords : 0);
  let padLen = 0;
  if (p.padding) {
    padLen = 4 - ((headerLen + p.payload.length) % 4);
  }
  const out = new Uint8Array(headerLen + p.payload.length + padLen);
  // Byte writes rather than a DataView: this runs for every packet sent.
  out[0] = (2 << 6) | (padLen > 0 ? 0x20 : 0) | (p.extension ? 0x10 : 0) | cc;
  out[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  out[2] = (p.sequenceNumber >> 8) & 0xff;
  out[3] = p.sequenceNumber & 0xff;
  writeU32(out, 4, p.timestamp);
  writeU32(out, 8, p.ssrc);
  let offset = RTP_HEADER_SIZE;
  for (let i = 0; i < cc; i++) {
    writeU32(out, offset, p.csrc[i]!);
    offset += 4;
  }
  if (p.extension) {
    out[offset] = (p.extension.profile >> 8) & 0xff;
    out[offset + 1] = p.extension.profile & 0xff;
    out[offset + 2] = extWords >> 8;
    out[offset + 3] = extWords & 0xff;
    out.set(p.extension.data, offset + 4);
    offset += 4 + 4 * extWords;
  }
  out.set(p.payload, offset);
  if (padLen > 0) out[out.length - 1] = padLen;
  return out;
}

/** The big-endian 32-bit unsigned value at `at` (network order, as RTP writes it). */
export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

/** Writes `v` as a big-endian 32-bit value at `at`. */
export function writeU32(out: Uint8Array, at: number, v: number): void {
  out[at] = (v >>> 24) & 0xff;
  out[at + 1] = (v >>> 16) & 0xff;
  out[at + 2] = (v >>> 8) & 0xff;
  out[at + 3] = v & 0xff;
}
