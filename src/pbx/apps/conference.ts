/**
 * Entering a conference room: "You are now entering the conference", then a seat in the room (the room
 * decides the role and whether to wait for the administrator), until the call ends. A locked or full
 * room is said so, then the call is hung up.
 */
import type { MemberCall } from '../conference/conference-member.ts';
import type { JoinRefusal, JoinResult } from '../conference/conference-room.ts';
import type { RoutingConference } from '../routing/routing-config.ts';
import type { CallContext } from './call-context.ts';
import { hangup } from './hangup.ts';
import { playback } from './playback.ts';

/** The rooms, as this step needs them (`ConferenceManager` is one). */
export interface ConferenceRooms {
  join(conference: RoutingConference, call: MemberCall): JoinResult;
}

/** `left`: was in the room until the call ended; otherwise why it never got in. */
export type ConferenceResult = 'left' | 'hangup' | JoinRefusal;

const REFUSAL_PROMPT = {
  locked: 'conference-locked',
  full: 'conference-full',
  closed: 'not-available',
} as const;

/** Where failures of a hang-up asked for by the room go (default: a process warning). */
export type ErrorReporter = (err: unknown) => void;

const warn: ErrorReporter = (err) => process.emitWarning(err instanceof Error ? err : new Error(String(err)));

export async function conference(
  ctx: CallContext,
  target: RoutingConference,
  rooms: ConferenceRooms,
  onError: ErrorReporter = warn,
): Promise<ConferenceResult> {
  if ((await playback(ctx, ['entering'])) === 'stopped') return 'hangup';
  const call: MemberCall = {
    mediaId: ctx.mediaId,
    callerId: ctx.callerId,
    // The room kicks or closes: end the call, reporting a failure (the room never waits for it).
    hangup: (reason) => {
      Promise.resolve()
        .then(() => ctx.hangup(reason))
        .catch(onError);
    },
  };
  if (ctx.authenticatedExtension !== undefined) call.extension = ctx.authenticatedExtension;
  const seat = rooms.join(target, call);
  if (!seat.ok) {
    await playback(ctx, [REFUSAL_PROMPT[seat.reason]]);
    await hangup(ctx, `conference-${seat.reason}`);
    return seat.reason;
  }
  // In the room until the call ends (the caller hangs up, or the room kicks or closes it).
  await new Promise<void>((resolve) => {
    ctx.onHangup(resolve);
  });
  seat.member.close();
  return 'left';
}
