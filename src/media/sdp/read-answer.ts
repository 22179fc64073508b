/**
 * Reading the answer to an offer Parley made (RFC 3264 §5, §6, §7): which codec, where to send, in which
 * direction. Pure.
 */
import { isTelephoneEvent } from './audio-codecs.ts';
import { DEFAULT_PTIME, type NegotiatedAudio, type OfferAnswerError } from './negotiated-audio.ts';
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
import type { Sdp } from './sdp.ts';

function sameFormat(a: RtpFormat, b: RtpFormat): boolean {
  return (
    a.encoding.toLowerCase() === b.encoding.toLowerCase() &&
    a.clockRate === b.clockRate &&
    (a.channels === b.channels || a.encoding.toLowerCase() === 'opus')
  );
}

/**
 * The audio stream settled by `answer` to Parley's `offer`. The codec is the answer's first format that
 * the offer listed (§6.1: the answerer lists in its preference; payload type numbers SHOULD match, so a
 * differing number is matched by its rtpmap and used for sending).
 */
export function readAnswer(offer: Sdp, answer: Sdp): NegotiatedAudio | OfferAnswerError {
  if (answer.media.length !== offer.media.length) {
    return {
      error: 'bad-answer',
      message: `the answer has ${answer.media.length} m= lines, the offer ${offer.media.length} (RFC 3264 §6)`,
    };
  }
  const index = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  if (index < 0) return { error: 'no-audio', message: 'the offer had no audio stream' };
  const ours = offer.media[index]!;
  const theirs = answer.media[index]!;
  if (theirs.type !== 'audio') return { error: 'bad-answer', message: `m= line ${index} changed media type` };
  if (theirs.port === 0)
    return { error: 'rejected', message: 'the answer rejected the audio stream (port 0)' };

  const offered = rtpFormats(ours);
  const answered = rtpFormats(theirs);
  let codec: { sent: RtpFormat; offered: RtpFormat } | undefined;
  for (const f of answered) {
    if (isTelephoneEvent(f) || f.encoding.toUpperCase() === 'CN') continue;
    const o =
      offered.find((x) => x.payloadType === f.payloadType && sameFormat(x, f)) ??
      offered.find((x) => sameFormat(x, f));
    if (o) {
      codec = { sent: f, offered: o };
      break;
    }
  }
  if (!codec) return { error: 'bad-answer', message: 'the answer lists no codec that was offered' };

  const connection = mediaConnection(theirs, answer);
  if (!connection) return { error: 'bad-answer', message: 'the answer has no c= line for its audio' };
  const address = connection.address;
  let answeredDirection = mediaDirection(theirs, answer);
  if (isNullAddressHold(theirs, answer, address))
    answeredDirection = intersectDirection(answeredDirection, 'sendonly');
  const direction: Direction = intersectDirection(
    reverseDirection(answeredDirection),
    mediaDirection(ours, offer),
  );
  const rtcpMux =
    attributeValue(ours.attributes, 'rtcp-mux') !== undefined &&
    attributeValue(theirs.attributes, 'rtcp-mux') !== undefined;
  const ptime = Number(attributeValue(theirs.attributes, 'ptime'));

  const audio: NegotiatedAudio = {
    mediaIndex: index,
    protocol: theirs.protocol,
    remote: { address, port: theirs.port },
    codec: {
      encoding: codec.offered.encoding,
      clockRate: codec.offered.clockRate,
      channels: codec.offered.channels,
      sendPayloadType: codec.sent.payloadType,
      receivePayloadType: codec.offered.payloadType,
      ...(codec.sent.fmtp === undefined ? {} : { remoteFmtp: codec.sent.fmtp }),
    },
    ptime: Number.isInteger(ptime) && ptime > 0 ? ptime : DEFAULT_PTIME,
    direction,
    rtcpMux,
    remoteAttributes: theirs.attributes,
  };
  const rate = codec.offered.clockRate;
  const teSent = answered.find((f) => isTelephoneEvent(f) && f.clockRate === rate);
  const teOffered = offered.find((f) => isTelephoneEvent(f) && f.clockRate === rate);
  if (teSent && teOffered) {
    audio.telephoneEvent = {
      clockRate: rate,
      sendPayloadType: teSent.payloadType,
      receivePayloadType: teOffered.payloadType,
    };
  }
  if (!rtcpMux) {
    const rtcp = rtcpTarget(theirs, address);
    if (rtcp) audio.remoteRtcp = rtcp;
  }
  return audio;
}
