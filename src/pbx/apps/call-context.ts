/**
 * The one narrow view of a call that every call-flow step uses. The B2BUA implements it for each call
 * (its media session in the engine, its SIP dialog); tests use `FakeCallContext`.
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { PlaybackResult } from '../conference/room-media.ts';

/**
 * Why Parley ends a call, for the call record and logs: `normal`, `access-denied` (three wrong codes),
 * `kicked`, `conference-removed`, `conference-locked`, `conference-full`, `unavailable`, `shutdown`.
 */
export type HangupReason = string;

export interface CallContext {
  readonly callId: string;
  /** Display name or number of the caller (From), or the trunk's caller id. */
  readonly callerId: string;
  /** The extension the caller authenticated as, when it is a Parley user. */
  readonly authenticatedExtension?: string;
  /** The call's media session in the engine. */
  readonly mediaId: string;
  /** True once the call is over, whoever ended it. */
  readonly ended: boolean;
  /** Answers (200 OK, media flowing). Resolves once answered; rejects if the call ended first. */
  answer(): Promise<void>;
  /**
   * Plays sounds in order. With `interruptOnDigit`, a digit cuts the playback short (the digit is still
   * delivered to `onDigit` listeners). Resolves when done, cut, or stopped by the call's end.
   */
  play(sounds: readonly SoundName[], options?: { interruptOnDigit?: boolean }): Promise<PlaybackResult>;
  /** Every digit the caller types (RFC 4733, SIP INFO or in band), `0-9 * # A-D`. Returns unsubscribe. */
  onDigit(listener: (digit: string) => void): () => void;
  /** Ends the call (BYE). Idempotent. */
  hangup(reason: HangupReason): void | Promise<void>;
  /** Called once when the call ends, whoever ends it (immediately if it already has). Returns unsubscribe. */
  onHangup(listener: () => void): () => void;
}
