import type { CallContext, HangupReason } from './call-context.ts';
import { playback } from './playback.ts';

/** Ends the call, after a goodbye when asked. */
export async function hangup(
  ctx: CallContext,
  reason: HangupReason,
  options: { goodbye?: boolean } = {},
): Promise<void> {
  if (ctx.ended) return;
  if (options.goodbye) await playback(ctx, ['goodbye']);
  await ctx.hangup(reason);
}
