/**
 * The media half of a `CallContext` over Parley's media engine: playing sounds to the call's session and
 * hearing its digits. The B2BUA adds the SIP half (answer, hang-up, who is calling).
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { MediaEngine } from '../../media/engine.ts';
import type { CallContext } from './call-context.ts';

export type CallMedia = Pick<CallContext, 'mediaId' | 'play' | 'onDigit'>;

export function engineCallMedia(
  engine: Pick<MediaEngine, 'play' | 'onDigit'>,
  sessionId: string,
  /** The file of a sound, in the call's language (`soundPath(lang, name)`). */
  soundFile: (name: SoundName) => string,
): CallMedia {
  return {
    mediaId: sessionId,
    play: (sounds, options = {}) => engine.play(sessionId, sounds.map(soundFile), options),
    onDigit: (listener) => engine.onDigit(sessionId, (e) => listener(e.digit)),
  };
}
