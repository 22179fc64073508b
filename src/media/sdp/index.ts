/** SDP (RFC 4566) and the offer/answer model (RFC 3264) for Parley's audio streams. */
export * from './audio-codecs.ts';
export * from './create-offer.ts';
export * from './negotiated-audio.ts';
export * from './offer-answer.ts';
export * from './parse-sdp.ts';
export * from './read-answer.ts';
export * from './rtp-formats.ts';
export * from './sdp.ts';
export * from './serialize-sdp.ts';
export * from './session-version.ts';
