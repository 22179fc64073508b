import type { SoundName } from '../../../prompts/index.ts';
import type { PlaybackResult } from '../conference/room-media.ts';
import type { CallContext } from './call-context.ts';

/** Plays sounds to the caller; `stopped` when the call is (or becomes) over. */
export async function playback(
  ctx: CallContext,
  sounds: readonly SoundName[],
  options: { interruptOnDigit?: boolean } = {},
): Promise<PlaybackResult> {
  if (ctx.ended) return 'stopped';
  const result = await ctx.play(sounds, options);
  return ctx.ended ? 'stopped' : result;
}
