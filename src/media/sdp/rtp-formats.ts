/**
 * Reading RTP media descriptions: payload formats (`a=rtpmap`, `a=fmtp`, RFC 4566 §6 and the static
 * types of RFC 3551 §6), direction attributes (RFC 3264 §5.1, §6.1), connection and RTCP addresses.
 */
import type { Sdp, SdpAttribute, SdpConnection, SdpMedia } from './sdp.ts';

/** One RTP payload format as a media description declares it. */
export interface RtpFormat {
  payloadType: number;
  /** Encoding name as written (`PCMU`, `opus`, `telephone-event` …); compare case-insensitively. */
  encoding: string;
  /** The RTP clock rate (8000 for G.722, RFC 3551 §4.5.2, although it samples at 16 kHz). */
  clockRate: number;
  channels: number;
  /** The `a=fmtp` parameters, as written. */
  fmtp?: string;
}

/** RFC 3551 §6 Table 4: static audio payload types (used when no `a=rtpmap` names them). */
export const STATIC_AUDIO_FORMATS: ReadonlyMap<number, Omit<RtpFormat, 'payloadType'>> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { encoding: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { encoding: 'G723', clockRate: 8000, channels: 1 }],
  [8, { encoding: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { encoding: 'G722', clockRate: 8000, channels: 1 }],
  [13, { encoding: 'CN', clockRate: 8000, channels: 1 }],
  [18, { encoding: 'G729', clockRate: 8000, channels: 1 }],
]);

/** Media direction (RFC 3264 §5.1). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];

/** The first value of attribute `name`, `''` for a flag attribute, undefined when absent. */
export function attributeValue(attributes: readonly SdpAttribute[], name: string): string | undefined {
  const a = attributes.find((x) => x.name === name);
  return a ? (a.value ?? '') : undefined;
}

/** Every value of attribute `name`. */
export function attributeValues(attributes: readonly SdpAttribute[], name: string): string[] {
  return attributes.filter((x) => x.name === name).map((x) => x.value ?? '');
}

/**
 * The RTP formats of a media description in its `m=` order (the sender's preference). Static payload
 * types without `a=rtpmap` get RFC 3551's meaning; a dynamic type without `a=rtpmap` is unusable and left
 * out, as are malformed maps.
 */
export function rtpFormats(media: SdpMedia): RtpFormat[] {
  const maps = new Map<number, Omit<RtpFormat, 'payloadType'>>();
  const fmtps = new Map<number, string>();
  for (const a of media.attributes) {
    if (a.value === undefined) continue;
    if (a.name === 'rtpmap') {
      // a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
      const m = /^(\d{1,3}) +([^/\s]+)\/(\d+)(?:\/(\d+))?/.exec(a.value);
      if (m && !maps.has(Number(m[1]))) {
        maps.set(Number(m[1]), {
          encoding: m[2]!,
          clockRate: Number(m[3]),
          channels: m[4] ? Number(m[4]) : 1,
        });
      }
    } else if (a.name === 'fmtp') {
      const m = /^(\d{1,3}) +(.*)$/.exec(a.value);
      if (m && !fmtps.has(Number(m[1]))) fmtps.set(Number(m[1]), m[2]!.trim());
    }
  }
  const out: RtpFormat[] = [];
  for (const f of media.formats) {
    if (!/^\d{1,3}$/.test(f)) continue;
    const pt = Number(f);
    if (pt > 127) continue;
    const known = maps.get(pt) ?? STATIC_AUDIO_FORMATS.get(pt);
    if (!known) continue;
    const fmtp = fmtps.get(pt);
    out.push(fmtp === undefined ? { payloadType: pt, ...known } : { payloadType: pt, ...known, fmtp });
  }
  return out;
}

/** The direction attribute of a media description, else of the session, else sendrecv (RFC 3264 §5.1). */
export function mediaDirection(media: SdpMedia, sdp: Sdp): Direction {
  const own = media.attributes.find((a) => DIRECTIONS.includes(a.name));
  if (own) return own.name as Direction;
  const session = sdp.attributes.find((a) => DIRECTIONS.includes(a.name));
  return session ? (session.name as Direction) : 'sendrecv';
}

/** The direction an answerer may take for an offered direction, as RFC 3264 §6.1 allows. */
export function reverseDirection(d: Direction): Direction {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** Intersection of two directions: sends only if both allow sending, receives only if both allow it. */
export function intersectDirection(a: Direction, b: Direction): Direction {
  const send = canSend(a) && canSend(b);
  const recv = canReceive(a) && canReceive(b);
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

export function canSend(d: Direction): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

export function canReceive(d: Direction): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

/** The connection of a media description: its own `c=`, else the session's (RFC 4566 §5.7). */
export function mediaConnection(media: SdpMedia, sdp: Sdp): SdpConnection | undefined {
  return media.connections[0] ?? sdp.connection;
}

/**
 * RFC 2543 hold (still sent by some phones, and accepted by RFC 3264 §8.4 for compatibility): a
 * connection address of 0.0.0.0 means "do not send to me".
 */
export function isNullAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/**
 * Does the stream use ICE? Then `c=` carries no meaning: an agent without candidates yet (trickle ICE,
 * as Chromium's every offer and answer) writes `c=IN IP4 0.0.0.0` (RFC 8839 §4.2.4, §5.1), which is not
 * a hold.
 */
export function usesIce(media: SdpMedia, sdp: Sdp): boolean {
  return (
    attributeValue(media.attributes, 'ice-ufrag') !== undefined ||
    attributeValue(sdp.attributes, 'ice-ufrag') !== undefined
  );
}

/** The old-style hold of RFC 2543: a null connection address on a stream without ICE. */
export function isNullAddressHold(media: SdpMedia, sdp: Sdp, address: string): boolean {
  return isNullAddress(address) && !usesIce(media, sdp);
}

/** Where RTCP goes: the `a=rtcp` port (and address) of RFC 3605 when given, else RTP's port + 1. */
export function rtcpTarget(
  media: SdpMedia,
  rtpAddress: string,
): { port: number; address: string } | undefined {
  const v = attributeValue(media.attributes, 'rtcp');
  if (v !== undefined) {
    const m = /^(\d{1,5})(?: +IN +IP[46] +(\S+))?/.exec(v);
    if (m && Number(m[1]) <= 65535) return { port: Number(m[1]), address: m[2] ?? rtpAddress };
  }
  return media.port > 0 && media.port < 65535 ? { port: media.port + 1, address: rtpAddress } : undefined;
}
