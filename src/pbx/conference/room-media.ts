/**
 * What a conference room needs from the media engine, and nothing more. The composition root adapts the
 * engine to it (one `RoomMedia` per room); tests use a fake. Methods may return promises (the engine
 * works in threads); the room never waits on them except for playback, and reports their failures.
 */
import type { SoundName } from '../../../prompts/index.ts';

/** How a member takes part in the mix. */
export interface MemberMediaState {
  /** Not heard by the others: the mixer leaves this member out of every sum. */
  muted: boolean;
  /**
   * Parked: neither heard by the others nor hearing them; only what is played to this member reaches it.
   * Members waiting for the administrator are held.
   */
  hold: boolean;
}

/** How a playback ended: played out, cut by a digit, or stopped by `stopPlayback`. */
export type PlaybackResult = 'done' | 'interrupted' | 'stopped';

export interface RoomMedia {
  /** Puts the member's media session (by its engine id) in this room. */
  join(mediaId: string, state: MemberMediaState): void | Promise<void>;
  /** Changes how the member takes part. */
  setMember(mediaId: string, state: MemberMediaState): void | Promise<void>;
  /** Takes the member out of the room (its media session lives on; the call owns it). */
  leave(mediaId: string): void | Promise<void>;
  /**
   * Plays sounds, in order, to one member: over the mix when it is in it. Resolves when the sounds are
   * done or stopped. Calls made while a playback runs are queued after it.
   */
  play(mediaId: string, sounds: readonly SoundName[]): Promise<PlaybackResult>;
  /**
   * Plays sounds to the whole room, mixed once (join and leave tones): heard by every member in the mix,
   * not by members hearing a prompt or music of their own. Optional: without it the room plays the sound
   * to each member in the mix.
   */
  playToRoom?(sounds: readonly SoundName[]): Promise<PlaybackResult>;
  /** Stops and forgets whatever is playing or queued for the member; its pending `play` resolves. */
  stopPlayback(mediaId: string): void | Promise<void>;
  /** Frees the room in the engine. Idempotent. */
  close(): void | Promise<void>;
}
