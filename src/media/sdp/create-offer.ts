/**
 * The offerer of RFC 3264 §5: Parley's own offer, for outbound calls, invites, late-offer INVITEs (the
 * offer goes in the 200 OK) and re-INVITEs (hold, resume, a new address). Pure.
 */
import {
  type AudioCodec,
  DEFAULT_AUDIO_CODECS,
  DEFAULT_TELEPHONE_EVENT_RATES,
  TELEPHONE_EVENT_PAYLOAD_TYPES,
} from './audio-codecs.ts';
import {
  connectionFor,
  DEFAULT_PTIME,
  formatAttributes,
  telephoneEventAttributes,
} from './negotiated-audio.ts';
import type { Direction } from './rtp-formats.ts';
import type { Sdp, SdpAttribute } from './sdp.ts';
import type { SdpSessionVersion } from './session-version.ts';

export interface OfferOptions {
  /** Parley's media address for `c=` and `o=`. */
  address: string;
  /** Parley's RTP port. */
  port: number;
  /** The `o=` state of this SIP session (the same object for every offer/answer of one dialog). */
  session: SdpSessionVersion;
  /** Codecs in preference order (default `DEFAULT_AUDIO_CODECS`). */
  codecs?: readonly AudioCodec[];
  /** Telephone-event rates; one is offered per rate that an offered codec uses (default 8000, 48000). */
  telephoneEventRates?: readonly number[];
  /** `sendonly` to put the peer on hold, `sendrecv` to resume (RFC 3264 §8.4). Default sendrecv. */
  direction?: Direction;
  /** Offer RFC 5761 rtcp-mux (default true). */
  rtcpMux?: boolean;
  /** Default `RTP/AVP`. */
  protocol?: string;
  /** Attributes added to the stream (ICE, DTLS …) for a WebRTC adapter. */
  mediaAttributes?: readonly SdpAttribute[];
  ptime?: number;
}

/** Builds Parley's offer: one audio stream listing every codec, then telephone-event per clock rate. */
export function createOffer(options: OfferOptions): Sdp {
  const codecs = options.codecs ?? DEFAULT_AUDIO_CODECS;
  const rates = options.telephoneEventRates ?? DEFAULT_TELEPHONE_EVENT_RATES;
  const formats: string[] = [];
  const attributes: SdpAttribute[] = [];
  const used = new Set<number>();
  for (const codec of codecs) {
    if (used.has(codec.payloadType)) continue;
    used.add(codec.payloadType);
    formats.push(String(codec.payloadType));
    attributes.push(...formatAttributes(codec.payloadType, codec));
  }
  const clockRates = [...new Set(codecs.map((c) => c.clockRate))].filter((r) => rates.includes(r));
  for (const rate of clockRates) {
    let pt = TELEPHONE_EVENT_PAYLOAD_TYPES.get(rate) ?? 96;
    while (used.has(pt) && pt < 127) pt++;
    used.add(pt);
    formats.push(String(pt));
    attributes.push(...telephoneEventAttributes(pt, rate));
  }
  attributes.push({ name: 'ptime', value: String(options.ptime ?? DEFAULT_PTIME) });
  if (options.rtcpMux ?? true) attributes.push({ name: 'rtcp-mux' });
  attributes.push(...(options.mediaAttributes ?? []));
  attributes.push({ name: options.direction ?? 'sendrecv' });
  return options.session.stamp({
    version: 0,
    origin: {
      username: '-',
      sessionId: '0',
      sessionVersion: '0',
      netType: 'IN',
      addrType: 'IP4',
      address: '',
    },
    sessionName: '-',
    emails: [],
    phones: [],
    connection: connectionFor(options.address),
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [
      {
        type: 'audio',
        port: options.port,
        protocol: options.protocol ?? 'RTP/AVP',
        formats,
        connections: [],
        bandwidths: [],
        attributes,
      },
    ],
  });
}
