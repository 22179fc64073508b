/**
 * RTCP (RFC 3550 §6): pure parse and serialize of compound packets with SR, RR, SDES and BYE; any other
 * packet type (APP, feedback…) is kept as raw bytes. No I/O.
 *
 * Common header (§6.4.1), then a type-specific body; `length` counts 32-bit words minus one:
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |   PT=SR=200   |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         SSRC of sender                        |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |              NTP timestamp, most significant word             |  sender info (SR only)
 * |             NTP timestamp, least significant word             |
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                 SSRC_1 (SSRC of first source)                 |  report block (×RC)
 * | fraction lost |       cumulative number of packets lost       |
 * |           extended highest sequence number received           |
 * |                      interarrival jitter                      |
 * |                         last SR (LSR)                         |
 * |                   delay since last SR (DLSR)                  |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * ```
 */

/** A reception report block (§6.4.1). */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, as a fixed-point number /256 (0–255). */
  fractionLost: number;
  /** Cumulative packets lost (signed 24 bits: duplicates can make it negative). */
  cumulativeLost: number;
  /** Extended highest sequence number received (cycles << 16 | seq). */
  highestSequence: number;
  /** Interarrival jitter in RTP timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 if none). */
  lastSr: number;
  /** Delay since that SR, in units of 1/65536 s. */
  delaySinceLastSr: number;
}

/** Sender report (PT 200). */
export interface SenderReport {
  type: 'sr';
  ssrc: number;
  /** NTP timestamp: seconds since 1900 and fraction (units of 2^-32 s). */
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

/** Receiver report (PT 201). */
export interface ReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

/** SDES item types (§6.5). */
export const SDES_CNAME = 1;

/** Source description (PT 202): per source, its items (CNAME = 1, NAME = 2 …). */
export interface SourceDescription {
  type: 'sdes';
  chunks: { ssrc: number; items: { type: number; text: string }[] }[];
}

/** Goodbye (PT 203). */
export interface Goodbye {
  type: 'bye';
  ssrcs: number[];
  reason?: string;
}

/** Any other packet type, kept whole so it can be passed on or counted. */
export interface OtherRtcp {
  type: 'other';
  packetType: number;
  /** The 5-bit count/format field. */
  count: number;
  /** Body after the 4-byte header (padding removed). */
  body: Uint8Array;
}

/** One part of a compound RTCP packet. */
export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

/** Why a buffer is not a valid compound RTCP packet. */
export interface RtcpParseError {
  error: 'too-short' | 'bad-version' | 'bad-length' | 'bad-padding' | 'bad-body';
  message: string;
}

/** RTCP packet types (§12.1). */
export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** Type guard: did `parseRtcp` (or anything returning its error type) fail? */
export function isRtcpParseError<T>(r: T | RtcpParseError): r is RtcpParseError {
  return (
    typeof r === 'object' &&
    r !== null &&
    !Array.isArray(r) &&
    typeof (r as RtcpParseError).error === 'string'
  );
}

const fail = (error: RtcpParseError['error'], message: string): RtcpParseError => ({ error, message });
const decoder = new TextDecoder();
const encoder = new TextEncoder();

function parseReportBlocks(view: DataView, offset: number, count: number): ReportBlock[] {
  const out: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += 24) {
    out.push({
      ssrc: view.getUint32(offset),
      fractionLost: view.getUint8(offset + 4),
      // Signed 24-bit: shift the 24 bits to the top of an int32 and back.
      cumulativeLost: ((view.getUint32(offset + 4) & 0xffffff) << 8) >> 8,
      highestSequence: view.getUint32(offset + 8),
      jitter: view.getUint32(offset + 12),
      lastSr: view.getUint32(offset + 16),
      delaySinceLastSr: view.getUint32(offset + 20),
    });
  }
  return out;
}

/**
 * Parses a compound RTCP packet (§6.1) into its parts. Each part's length must fit exactly; only the last
 * part may be padded (§6.4.1, A.2). Never throws.
 */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] | RtcpParseError {
  if (buf.length < 4) return fail('too-short', `${buf.length} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) return fail('bad-length', `${buf.length - offset} trailing bytes`);
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return fail('bad-version', `version ${b0 >> 6} at byte ${offset}`);
    const count = b0 & 0x1f;
    const pt = buf[offset + 1]!;
    const size = (view.getUint16(offset + 2) + 1) * 4;
    if (offset + size > buf.length) return fail('bad-length', `part of ${size} bytes overruns the packet`);
    let end = offset + size;
    if (b0 & 0x20) {
      if (end !== buf.length) return fail('bad-padding', 'padding on a part that is not the last');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) return fail('bad-padding', `padding count ${pad}`);
      end -= pad;
    }
    const bodyStart = offset + 4;
    const bodyLen = end - bodyStart;
    switch (pt) {
      case RTCP_SR: {
        if (bodyLen < 24 + 24 * count) return fail('bad-body', `SR with ${count} blocks in ${bodyLen} bytes`);
        out.push({
          type: 'sr',
          ssrc: view.getUint32(bodyStart),
          ntpSeconds: view.getUint32(bodyStart + 4),
          ntpFraction: view.getUint32(bodyStart + 8),
          rtpTimestamp: view.getUint32(bodyStart + 12),
          packetCount: view.getUint32(bodyStart + 16),
          octetCount: view.getUint32(bodyStart + 20),
          reports: parseReportBlocks(view, bodyStart + 24, count),
        });
        break;
      }
      case RTCP_RR: {
        if (bodyLen < 4 + 24 * count) return fail('bad-body', `RR with ${count} blocks in ${bodyLen} bytes`);
        out.push({
          type: 'rr',
          ssrc: view.getUint32(bodyStart),
          reports: parseReportBlocks(view, bodyStart + 4, count),
        });
        break;
      }
      case RTCP_SDES: {
        const chunks: SourceDescription['chunks'] = [];
        let p = bodyStart;
        for (let c = 0; c < count; c++) {
          if (p + 4 > end) return fail('bad-body', 'SDES chunk truncated');
          const ssrc = view.getUint32(p);
          p += 4;
          const items: { type: number; text: string }[] = [];
          for (;;) {
            if (p >= end) return fail('bad-body', 'SDES items not terminated');
            const t = buf[p]!;
            if (t === 0) {
              // The null item ends the list; the chunk then pads to the next 32-bit boundary (§6.5).
              p = bodyStart + Math.ceil((p + 1 - bodyStart) / 4) * 4;
              break;
            }
            if (p + 2 > end || p + 2 + buf[p + 1]! > end) return fail('bad-body', 'SDES item truncated');
            const len = buf[p + 1]!;
            items.push({ type: t, text: decoder.decode(buf.subarray(p + 2, p + 2 + len)) });
            p += 2 + len;
          }
          chunks.push({ ssrc, items });
        }
        out.push({ type: 'sdes', chunks });
        break;
      }
      case RTCP_BYE: {
        if (bodyLen < 4 * count) return fail('bad-body', `BYE with ${count} sources in ${bodyLen} bytes`);
        const ssrcs: number[] = [];
        for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(bodyStart + 4 * i));
        const bye: Goodbye = { type: 'bye', ssrcs };
        const r = bodyStart + 4 * count;
        if (r < end) {
          const len = buf[r]!;
          if (r + 1 + len > end) return fail('bad-body', 'BYE reason truncated');
          bye.reason = decoder.decode(buf.subarray(r + 1, r + 1 + len));
        }
        out.push(bye);
        break;
      }
      default:
        out.push({ type: 'other', packetType: pt, count, body: buf.slice(bodyStart, end) });
    }
    offset += size;
  }
  return out;
}

function writeReportBlocks(view: DataView, offset: number, blocks: ReportBlock[]): void {
  for (const b of blocks) {
    view.setUint32(offset, b.ssrc >>> 0);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, b.cumulativeLost)) & 0xffffff;
    view.setUint32(offset + 4, ((b.fractionLost & 0xff) << 24) | lost);
    view.setUint32(offset + 8, b.highestSequence >>> 0);
    view.setUint32(offset + 12, b.jitter >>> 0);
    view.setUint32(offset + 16, b.lastSr >>> 0);
    view.setUint32(offset + 20, b.delaySinceLastSr >>> 0);
    offset += 24;
  }
}

function serializeOne(p: RtcpPacket): Uint8Array {
  let count: number;
  let pt: number;
  let body: Uint8Array;
  switch (p.type) {
    case 'sr': {
      const blocks = p.reports.slice(0, 31);
      body = new Uint8Array(24 + 24 * blocks.length);
      const v = new DataView(body.buffer);
      v.setUint32(0, p.ssrc >>> 0);
      v.setUint32(4, p.ntpSeconds >>> 0);
      v.setUint32(8, p.ntpFraction >>> 0);
      v.setUint32(12, p.rtpTimestamp >>> 0);
      v.setUint32(16, p.packetCount >>> 0);
      v.setUint32(20, p.octetCount >>> 0);
      writeReportBlocks(v, 24, blocks);
      count = blocks.length;
      pt = RTCP_SR;
      break;
    }
    case 'rr': {
      const blocks = p.reports.slice(0, 31);
      body = new Uint8Array(4 + 24 * blocks.length);
      const v = new DataView(body.buffer);
      v.setUint32(0, p.ssrc >>> 0);
      writeReportBlocks(v, 4, blocks);
      count = blocks.length;
      pt = RTCP_RR;
      break;
    }
    case 'sdes': {
      const parts: number[] = [];
      const chunks = p.chunks.slice(0, 31);
      for (const c of chunks) {
        const start = parts.length;
        parts.push(c.ssrc >>> 24, (c.ssrc >>> 16) & 0xff, (c.ssrc >>> 8) & 0xff, c.ssrc & 0xff);
        for (const item of c.items) {
          const text = encoder.encode(item.text).subarray(0, 255);
          parts.push(item.type & 0xff, text.length, ...text);
        }
        // Null item, then pad the chunk to 32 bits (at least one zero octet ends the list).
        do parts.push(0);
        while ((parts.length - start) % 4 !== 0);
      }
      body = Uint8Array.from(parts);
      count = chunks.length;
      pt = RTCP_SDES;
      break;
    }
    case 'bye': {
      const ssrcs = p.ssrcs.slice(0, 31);
      const reason = p.reason === undefined ? undefined : encoder.encode(p.reason).subarray(0, 255);
      const len = 4 * ssrcs.length + (reason ? 1 + reason.length : 0);
      body = new Uint8Array(Math.ceil(len / 4) * 4);
      const v = new DataView(body.buffer);
      for (let i = 0; i < ssrcs.length; i++) v.setUint32(4 * i, ssrcs[i]! >>> 0);
      if (reason) {
        body[4 * ssrcs.length] = reason.length;
        body.set(reason, 4 * ssrcs.length + 1);
      }
      count = ssrcs.length;
      pt = RTCP_BYE;
      break;
    }
    default: {
      const padded = new Uint8Array(Math.ceil(p.body.length / 4) * 4);
      padded.set(p.body);
      body = padded;
      count = p.count & 0x1f;
      pt = p.packetType & 0xff;
    }
  }
  const out = new Uint8Array(4 + body.length);
  out[0] = 0x80 | count;
  out[1] = pt;
  const words = out.length / 4 - 1;
  out[2] = words >> 8;
  out[3] = words & 0xff;
  out.set(body, 4);
  return out;
}

/** Serializes packets into one compound RTCP packet (callers put an SR or RR first, §6.1). */
export function serializeRtcp(packets: RtcpPacket[]): Uint8Array {
  const parts = packets.map(serializeOne);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The CNAME of `ssrc` in the SDES parts of a parsed compound packet, if present. */
export function findCname(packets: RtcpPacket[], ssrc: number): string | undefined {
  for (const p of packets) {
    if (p.type !== 'sdes') continue;
    for (const c of p.chunks) if (c.ssrc === ssrc) return c.items.find((i) => i.type === SDES_CNAME)?.text;
  }
  return undefined;
}
