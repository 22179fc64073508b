/**
 * The answerer of RFC 3264 §6: given a peer's offer and what Parley can do, the answer and the
 * negotiated audio stream. Pure: no I/O, no clock.
 */
import {
  type AudioCodec,
  DEFAULT_AUDIO_CODECS,
  DEFAULT_TELEPHONE_EVENT_RATES,
  isTelephoneEvent,
  sameCodec,
} from './audio-codecs.ts';
import {
  connectionFor,
  DEFAULT_PTIME,
  formatAttributes,
  type NegotiatedAudio,
  type OfferAnswerError,
  rejectedMedia,
  telephoneEventAttributes,
} from './negotiated-audio.ts';
import {
  attributeValue,
  type Direction,
  intersectDirection,
  isNullAddressHold,
  mediaConnection,
  mediaDirection,
  type RtpFormat,
  reverseDirection,
  rtcpTarget,
  rtpFormats,
} from './rtp-formats.ts';
import type { Sdp, SdpAttribute, SdpMedia } from './sdp.ts';
import type { SdpSessionVersion } from './session-version.ts';

/** What Parley brings to an answer. */
export interface AnswerOptions {
  /** Parley's media address for `c=` and `o=`. */
  address: string;
  /** Parley's RTP port for the stream. */
  port: number;
  /** The `o=` state of this SIP session: the same object for every offer/answer of one dialog. */
  session: SdpSessionVersion;
  /** Codecs in Parley's preference order (default `DEFAULT_AUDIO_CODECS`). */
  codecs?: readonly AudioCodec[];
  /** Telephone-event clock rates Parley accepts (default 8000 and 48000). */
  telephoneEventRates?: readonly number[];
  /** Parley holds the peer: answer at most `sendonly` (RFC 3264 §8.4). */
  hold?: boolean;
  /**
   * On a re-offer, the encoding in use: kept when still offered, so the media need not switch codecs
   * (RFC 3264 §8.3.2 lets either side change, nothing obliges it).
   */
  currentEncoding?: string;
  /** Transport protocols Parley answers (default plain RTP: `RTP/AVP`, `RTP/AVPF`). */
  protocols?: readonly string[];
  /** Attributes added to the accepted stream (ICE credentials, DTLS fingerprint, setup, candidates). */
  mediaAttributes?: readonly SdpAttribute[];
  /** Accept RFC 5761 rtcp-mux when offered (default true). */
  rtcpMux?: boolean;
  /** `a=ptime` Parley asks for (default 20). */
  ptime?: number;
}

/** The answer and what it settled. */
export interface Answer {
  sdp: Sdp;
  audio: NegotiatedAudio;
}

const PLAIN_RTP = ['RTP/AVP', 'RTP/AVPF'];

interface Choice {
  index: number;
  media: SdpMedia;
  codec: AudioCodec;
  format: RtpFormat;
  telephoneEvent?: RtpFormat;
}

/** Parley's preferred codec among those offered in `media`, with the telephone-event of its clock rate. */
function choose(
  media: SdpMedia,
  codecs: readonly AudioCodec[],
  rates: readonly number[],
  current?: string,
): Omit<Choice, 'index' | 'media'> | undefined {
  const offered = rtpFormats(media);
  const withEvents = (codec: AudioCodec, format: RtpFormat) => {
    // RFC 4733 §7.1.1: telephone-event's rate must be the codec's RTP clock rate.
    const telephoneEvent = rates.includes(format.clockRate)
      ? offered.find((f) => isTelephoneEvent(f) && f.clockRate === format.clockRate)
      : undefined;
    return telephoneEvent ? { codec, format, telephoneEvent } : { codec, format };
  };
  // A re-offer that still lists the codec in use keeps it.
  const kept = current ? codecs.find((c) => c.encoding.toLowerCase() === current.toLowerCase()) : undefined;
  const keptFormat = kept ? offered.find((f) => sameCodec(f, kept)) : undefined;
  if (kept && keptFormat) return withEvents(kept, keptFormat);
  // Two passes: a codec whose clock rate has a telephone-event wins over a preferred one without it, since
  // access codes arrive as RFC 4733 events (baresip offers opus but telephone-event only at 8000 Hz).
  for (const needEvents of [true, false]) {
    for (const codec of codecs) {
      const format = offered.find((f) => sameCodec(f, codec));
      if (!format) continue;
      const c = withEvents(codec, format);
      if (c.telephoneEvent || !needEvents) return c;
    }
  }
  return undefined;
}

/**
 * Answers `offer` (RFC 3264 §6): the first audio stream with a common codec on an accepted protocol is
 * accepted with one codec (Parley's preference, the offerer's payload type numbers, §6.1) plus the
 * matching telephone-event; every other stream is rejected with port 0, keeping the `m=` lines' number and
 * order. Returns `no-common-codec` or `no-audio` when nothing can be accepted (answer SIP 488 then).
 */
export function answerOffer(offer: Sdp, options: AnswerOptions): Answer | OfferAnswerError {
  const codecs = options.codecs ?? DEFAULT_AUDIO_CODECS;
  const rates = options.telephoneEventRates ?? DEFAULT_TELEPHONE_EVENT_RATES;
  const protocols = options.protocols ?? PLAIN_RTP;
  let choice: Choice | undefined;
  let sawAudio = false;
  offer.media.forEach((media, index) => {
    if (choice || media.type !== 'audio' || media.port === 0 || !protocols.includes(media.protocol)) return;
    sawAudio = true;
    const c = choose(media, codecs, rates, options.currentEncoding);
    if (c) choice = { index, media, ...c };
  });
  if (!choice) {
    return sawAudio
      ? { error: 'no-common-codec', message: 'none of the offered audio formats is one Parley has' }
      : { error: 'no-audio', message: 'the offer has no audio stream on a protocol Parley answers' };
  }

  const { media, format, codec, telephoneEvent } = choice;
  const connection = mediaConnection(media, offer);
  const remoteAddress = connection?.address ?? '0.0.0.0';
  // RFC 3264 §8.4 compatibility: c=0.0.0.0 is the old way to say "do not send to me" (not with ICE).
  let offered = mediaDirection(media, offer);
  if (isNullAddressHold(media, offer, remoteAddress)) offered = intersectDirection(offered, 'sendonly');
  const direction: Direction = intersectDirection(
    reverseDirection(offered),
    options.hold ? 'sendonly' : 'sendrecv',
  );
  const rtcpMux = (options.rtcpMux ?? true) && attributeValue(media.attributes, 'rtcp-mux') !== undefined;
  const ptime = options.ptime ?? DEFAULT_PTIME;

  const attributes: SdpAttribute[] = [];
  const mid = attributeValue(media.attributes, 'mid');
  if (mid !== undefined) attributes.push({ name: 'mid', value: mid });
  attributes.push(...formatAttributes(format.payloadType, codec));
  const formats = [String(format.payloadType)];
  if (telephoneEvent) {
    formats.push(String(telephoneEvent.payloadType));
    attributes.push(...telephoneEventAttributes(telephoneEvent.payloadType, telephoneEvent.clockRate));
  }
  attributes.push({ name: 'ptime', value: String(ptime) });
  if (rtcpMux) attributes.push({ name: 'rtcp-mux' });
  attributes.push(...(options.mediaAttributes ?? []));
  attributes.push({ name: direction });

  const accepted: SdpMedia = {
    type: 'audio',
    port: options.port,
    protocol: media.protocol,
    formats,
    connections: [],
    bandwidths: [],
    attributes,
  };
  const sessionAttributes: SdpAttribute[] = [];
  // RFC 8843 §7.3: the answer's BUNDLE group names the accepted streams of the offered group.
  const bundle = offer.attributes.find((a) => a.name === 'group' && a.value?.startsWith('BUNDLE'));
  if (bundle && mid !== undefined && bundle.value!.split(' ').slice(1).includes(mid)) {
    sessionAttributes.push({ name: 'group', value: `BUNDLE ${mid}` });
  }

  const draft: Sdp = {
    version: 0,
    origin: offer.origin,
    sessionName: '-',
    emails: [],
    phones: [],
    connection: connectionFor(options.address),
    bandwidths: [],
    timing: [{ start: '0', stop: '0', repeats: [] }],
    attributes: sessionAttributes,
    media: offer.media.map((m, i) => (i === choice!.index ? accepted : rejectedMedia(m))),
  };
  const remotePtime = Number(attributeValue(media.attributes, 'ptime'));
  const audio: NegotiatedAudio = {
    mediaIndex: choice.index,
    protocol: media.protocol,
    remote: { address: remoteAddress, port: media.port },
    codec: {
      encoding: codec.encoding,
      clockRate: codec.clockRate,
      channels: codec.channels,
      sendPayloadType: format.payloadType,
      receivePayloadType: format.payloadType,
      ...(format.fmtp === undefined ? {} : { remoteFmtp: format.fmtp }),
    },
    ptime: Number.isInteger(remotePtime) && remotePtime > 0 ? remotePtime : DEFAULT_PTIME,
    direction,
    rtcpMux,
    remoteAttributes: media.attributes,
  };
  if (telephoneEvent) {
    audio.telephoneEvent = {
      clockRate: telephoneEvent.clockRate,
      sendPayloadType: telephoneEvent.payloadType,
      receivePayloadType: telephoneEvent.payloadType,
    };
  }
  if (!rtcpMux) {
    const rtcp = rtcpTarget(media, remoteAddress);
    if (rtcp) audio.remoteRtcp = rtcp;
  }
  return { sdp: options.session.stamp(draft), audio };
}
