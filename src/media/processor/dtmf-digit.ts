/** A DTMF digit as it reaches the caller of the media API, whatever carried it. */
export interface DtmfDigit {
  /** One of 0-9, *, #, A-D. */
  digit: string;
  /** How long the key was held, in ms (as signalled, or as measured for in-band tones). */
  durationMs: number;
  /**
   * When the digit started: the event's RTP timestamp for RFC 4733, the sample index since the detector
   * started for in-band tones, and the caller's clock for SIP INFO.
   */
  timestamp: number;
  source: 'rfc4733' | 'inband' | 'info';
}

/** RFC 4733 §3.2 event codes 0–15 in order: the digit each stands for. */
export const DTMF_EVENTS = '0123456789*#ABCD';
