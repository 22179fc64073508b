/**
 * What an offer/answer exchange settled for the one audio stream Parley handles, and the pieces shared
 * by the answerer (`offer-answer.ts`), the offerer (`create-offer.ts`) and the answer reader
 * (`read-answer.ts`).
 */
import { type AudioCodec, TELEPHONE_EVENT_FMTP } from './audio-codecs.ts';
import type { Direction } from './rtp-formats.ts';
import type { SdpAttribute, SdpConnection, SdpMedia } from './sdp.ts';

/** The audio stream as negotiated: everything the media engine needs to send and receive. */
export interface NegotiatedAudio {
  /** Index of the stream's `m=` line. */
  mediaIndex: number;
  /** The transport protocol of the stream (`RTP/AVP`, `UDP/TLS/RTP/SAVPF` …). */
  protocol: string;
  /**
   * Where to send RTP. An address of 0.0.0.0 means: send nothing (RFC 2543 hold), or, on an ICE stream,
   * that the address comes from ICE candidates instead.
   */
  remote: { address: string; port: number };
  /** Where to send RTCP when not multiplexed (RFC 3605 `a=rtcp`, else port + 1). */
  remoteRtcp?: { address: string; port: number };
  codec: {
    encoding: string;
    clockRate: number;
    channels: number;
    /** Payload type to write in packets Parley sends (the number the peer announced for itself). */
    sendPayloadType: number;
    /** Payload type the peer will use towards Parley (the number Parley announced). */
    receivePayloadType: number;
    /** The peer's `a=fmtp` for the codec: how it wants to receive. */
    remoteFmtp?: string;
  };
  /** RFC 4733 events at the codec's clock rate; absent: the peer sends no telephone-event (listen in band). */
  telephoneEvent?: { clockRate: number; sendPayloadType: number; receivePayloadType: number };
  /** Packet duration the peer wants to receive, in ms (its `a=ptime`, else 20). */
  ptime: number;
  /** Parley's direction: `sendonly`/`inactive` = the peer put the call on hold (do not expect audio). */
  direction: Direction;
  /** RTP and RTCP share one port (RFC 5761). */
  rtcpMux: boolean;
  /** The peer's media-level attributes (ICE, DTLS fingerprint, setup, ssrc …) for a WebRTC adapter. */
  remoteAttributes: SdpAttribute[];
}

/** Why no audio could be agreed. */
export interface OfferAnswerError {
  /**
   * `no-audio`: no usable audio stream; `no-common-codec`: none of Parley's codecs offered (answer SIP
   * 488, RFC 3261 §21.4.26); `rejected`: the answer refused the stream (port 0); `bad-answer`: the answer
   * does not fit the offer (RFC 3264 §6: same number of `m=` lines, a format that was offered).
   */
  error: 'no-audio' | 'no-common-codec' | 'rejected' | 'bad-answer';
  message: string;
}

/** Packetisation Parley sends and asks for (the media clock ticks every 20 ms). */
export const DEFAULT_PTIME = 20;

export function connectionFor(address: string): SdpConnection {
  return { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
}

/** The `a=rtpmap` value of a format (RFC 4566 §6). */
export function rtpmapValue(pt: number, encoding: string, clockRate: number, channels: number): string {
  return `${pt} ${encoding}/${clockRate}${channels > 1 ? `/${channels}` : ''}`;
}

/** One format as Parley writes it: rtpmap, and fmtp when it has one. */
export function formatAttributes(pt: number, codec: AudioCodec): SdpAttribute[] {
  const attrs: SdpAttribute[] = [
    { name: 'rtpmap', value: rtpmapValue(pt, codec.encoding, codec.clockRate, codec.channels) },
  ];
  if (codec.fmtp) attrs.push({ name: 'fmtp', value: `${pt} ${codec.fmtp}` });
  return attrs;
}

export function telephoneEventAttributes(pt: number, clockRate: number): SdpAttribute[] {
  return [
    { name: 'rtpmap', value: `${pt} telephone-event/${clockRate}` },
    { name: 'fmtp', value: `${pt} ${TELEPHONE_EVENT_FMTP}` },
  ];
}

/** A rejected stream in an answer (RFC 3264 §6): port 0, same media type and protocol, offered formats. */
export function rejectedMedia(offered: SdpMedia): SdpMedia {
  const mid = offered.attributes.find((a) => a.name === 'mid');
  return {
    type: offered.type,
    port: 0,
    protocol: offered.protocol,
    formats: offered.formats.length > 0 ? [...offered.formats] : ['0'],
    connections: [],
    bandwidths: [],
    attributes: mid ? [mid] : [],
  };
}
