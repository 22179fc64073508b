/**
 * The audio formats Parley can carry, in the terms SDP negotiates them (RFC 3551 §4.5, RFC 7587 for Opus,
 * RFC 4733 for telephone-event), and how an offered format is matched to one of them.
 */
import type { RtpFormat } from './rtp-formats.ts';

/** One codec Parley can send and receive. */
export interface AudioCodec {
  /** Encoding name as SDP writes it. */
  encoding: string;
  /** RTP clock rate: 8000 for G.722 (RFC 3551 §4.5.2), 48000 for Opus (RFC 7587 §4.1). */
  clockRate: number;
  channels: number;
  /** The payload type used when Parley writes the offer (static ones are fixed by RFC 3551). */
  payloadType: number;
  /** `a=fmtp` Parley writes for it: what Parley wants to receive. */
  fmtp?: string;
}

export const PCMU: AudioCodec = { encoding: 'PCMU', clockRate: 8000, channels: 1, payloadType: 0 };
export const PCMA: AudioCodec = { encoding: 'PCMA', clockRate: 8000, channels: 1, payloadType: 8 };
export const G722: AudioCodec = { encoding: 'G722', clockRate: 8000, channels: 1, payloadType: 9 };
/**
 * RFC 7587 §7: Opus is always signalled as opus/48000/2, whatever it carries; mono is asked for with
 * `stereo=0` (the default). In-band FEC helps the jitter buffer conceal losses.
 */
export const OPUS: AudioCodec = {
  encoding: 'opus',
  clockRate: 48000,
  channels: 2,
  payloadType: 111,
  fmtp: 'minptime=10;useinbandfec=1',
};

/** Parley's default preference: wideband first (a room sounds better), then G.711. */
export const DEFAULT_AUDIO_CODECS: readonly AudioCodec[] = [OPUS, G722, PCMU, PCMA];

/** RFC 4733 telephone-event clock rates Parley offers and accepts (one per codec clock rate). */
export const DEFAULT_TELEPHONE_EVENT_RATES: readonly number[] = [8000, 48000];

/** Dynamic payload types Parley writes for telephone-event at each rate (the numbers Chromium uses too). */
export const TELEPHONE_EVENT_PAYLOAD_TYPES: ReadonlyMap<number, number> = new Map([
  [8000, 101],
  [16000, 102],
  [48000, 110],
]);

/** `a=fmtp` for telephone-event: the sixteen DTMF events and flash (RFC 4733 §3.2). */
export const TELEPHONE_EVENT_FMTP = '0-16';

/** Does an offered/answered format denote this codec? Name case-insensitive, same clock rate and channels. */
export function sameCodec(format: RtpFormat, codec: AudioCodec): boolean {
  return (
    format.encoding.toLowerCase() === codec.encoding.toLowerCase() &&
    format.clockRate === codec.clockRate &&
    // RFC 3551 §6: channels default to 1; Opus must say 2 (RFC 7587 §7), a peer saying 1 still means Opus.
    (format.channels === codec.channels || codec.encoding.toLowerCase() === 'opus')
  );
}

export function isTelephoneEvent(format: RtpFormat): boolean {
  return format.encoding.toLowerCase() === 'telephone-event';
}
