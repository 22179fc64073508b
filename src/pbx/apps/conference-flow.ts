/**
 * A call to a conference, from answer to hang-up: answer, the access code (unless invited), then the
 * room. Composed of the steps in this folder; the B2BUA runs it for a call routed to a conference.
 */
import type { RoutingConference } from '../routing/routing-config.ts';
import { type AccessCodeOptions, accessCode } from './access-code.ts';
import { answer } from './answer.ts';
import type { CallContext } from './call-context.ts';
import { type ConferenceResult, type ConferenceRooms, conference, type ErrorReporter } from './conference.ts';

export interface ConferenceFlowOptions {
  /** Invited by Parley (`POST /api/conferences/{id}/invite`): the answerer joins without the code. */
  skipAccessCode?: boolean;
  /** The call is already answered (an invite's outbound leg). */
  answered?: boolean;
  accessCode?: AccessCodeOptions;
  /** Failures that cannot reach the flow's caller (a hang-up asked for by the room). */
  onError?: ErrorReporter;
}

/** How the flow ended: `denied` after three wrong codes, `hangup` when the caller left before the room. */
export type ConferenceFlowResult = ConferenceResult | 'denied';

export async function conferenceFlow(
  ctx: CallContext,
  target: RoutingConference,
  rooms: ConferenceRooms,
  options: ConferenceFlowOptions = {},
): Promise<ConferenceFlowResult> {
  if (!options.answered && !(await answer(ctx))) return 'hangup';
  if (!options.skipAccessCode) {
    const code = await accessCode(ctx, target.accessCode, options.accessCode);
    if (code !== 'granted') return code;
  }
  return conference(ctx, target, rooms, options.onError);
}
