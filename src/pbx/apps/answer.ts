import type { CallContext } from './call-context.ts';

/** Answers the call. False when the caller hung up first (then there is nothing more to do). */
export async function answer(ctx: CallContext): Promise<boolean> {
  if (ctx.ended) return false;
  try {
    await ctx.answer();
  } catch {
    // The call ended while being answered (CANCEL, transport failure): the call reports it, not the flow.
    return false;
  }
  return !ctx.ended;
}
