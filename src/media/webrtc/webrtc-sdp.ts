/**
 * The SDP side of a WebRTC stream: recognising a WebRTC offer (RFC 8827's `UDP/TLS/RTP/SAVPF` audio),
 * answering it (RFC 3264 via `answerOffer`) and making Parley's own offer to a browser (`createOffer`),
 * with the ICE/DTLS attributes of the transport that will carry it (local-parameters.ts), rtcp-mux (RFC
 * 8829 §5.3.3 makes it mandatory for WebRTC) and a BUNDLE group of the one stream (RFC 8843). Pure.
 */
import { type AudioCodec, OPUS, PCMA, PCMU } from '../sdp/audio-codecs.ts';
import { createOffer } from '../sdp/create-offer.ts';
import type { OfferAnswerError } from '../sdp/negotiated-audio.ts';
import { type Answer, type AnswerOptions, answerOffer } from '../sdp/offer-answer.ts';
import type { Sdp } from '../sdp/sdp.ts';
import type { SdpSessionVersion } from '../sdp/session-version.ts';
import type { WebRtcLocalParameters } from './local-parameters.ts';

/** The DTLS-SRTP RTP profiles (RFC 5764 §8): WebRTC offers SAVPF; SAVP is accepted the same way. */
export const WEBRTC_PROTOCOLS: readonly string[] = ['UDP/TLS/RTP/SAVPF', 'UDP/TLS/RTP/SAVP'];

/** What a WebRTC leg runs: Opus first (what browsers prefer), then G.711. */
export const WEBRTC_CODECS: readonly AudioCodec[] = [OPUS, PCMU, PCMA];

/** Does the offer's first live audio stream use DTLS-SRTP (a browser, Odoo's widget)? */
export function isWebRtcSdp(offer: Sdp): boolean {
  const audio = offer.media.find((m) => m.type === 'audio' && m.port !== 0);
  return audio !== undefined && WEBRTC_PROTOCOLS.includes(audio.protocol);
}

/** `answerOffer`'s options minus what WebRTC fixes (protocols, attributes, rtcp-mux). */
export type WebRtcAnswerOptions = Omit<AnswerOptions, 'protocols' | 'mediaAttributes' | 'rtcpMux'>;

/**
 * Answers a WebRTC offer with the transport's parameters: `local` absent makes the dry run that settles
 * the codec before the transport exists.
 */
export function answerWebRtcOffer(
  offer: Sdp,
  options: WebRtcAnswerOptions,
  local?: WebRtcLocalParameters,
): Answer | OfferAnswerError {
  const answer = answerOffer(offer, {
    codecs: WEBRTC_CODECS,
    ...options,
    protocols: WEBRTC_PROTOCOLS,
    rtcpMux: true,
    ...(local ? { mediaAttributes: local.mediaAttributes } : {}),
  });
  if ('error' in answer || !local) return answer;
  // ICE-lite is a session-level attribute (RFC 8839 §5.3).
  const sdp: Sdp = { ...answer.sdp, attributes: [...local.sessionAttributes, ...answer.sdp.attributes] };
  return { sdp, audio: answer.audio };
}

/** The `mid` of the one stream Parley offers (RFC 8843 §7.2 needs one to BUNDLE it). */
export const WEBRTC_MID = '0';

/**
 * Parley's offer to a browser: one DTLS-SRTP audio stream with the session's codec (the engine runs one)
 * and telephone-event at its rate, rtcp-mux, `a=mid` in a BUNDLE group, and the transport's ICE-lite and
 * DTLS values (`a=setup:actpass`).
 */
export function createWebRtcOffer(options: {
  address: string;
  port: number;
  session: SdpSessionVersion;
  codec: AudioCodec;
  local: WebRtcLocalParameters;
}): Sdp {
  const offer = createOffer({
    address: options.address,
    port: options.port,
    session: options.session,
    codecs: [options.codec],
    telephoneEventRates: [options.codec.clockRate],
    protocol: WEBRTC_PROTOCOLS[0]!,
    rtcpMux: true,
    mediaAttributes: [{ name: 'mid', value: WEBRTC_MID }, ...options.local.mediaAttributes],
  });
  return {
    ...offer,
    attributes: [
      ...options.local.sessionAttributes,
      { name: 'group', value: `BUNDLE ${WEBRTC_MID}` },
      ...offer.attributes,
    ],
  };
}
