/**
 * An invitation's progress from the server's events: `call.started`, `call.answered`, `call.failed`,
 * `call.ended` carry the call's id; `participant.joined` names the room and who answered. Pure, so the
 * pop-up can replay events that arrived before the invite request itself was answered.
 */
import type { LiveEvent } from './events.ts';

export type InviteProgress =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'refused'; message: string }
  | { state: 'calling' | 'answered' | 'joined'; callId: string }
  | { state: 'failed'; callId: string; reason: string };

/** The steps shown while a call goes on, in order. */
export const INVITE_STEPS = ['calling', 'answered', 'joined'] as const;

/** The server's reasons in plain words (others are shown as they come). */
const REASONS: Record<string, string> = {
  'remote-hangup': 'they hung up',
  busy: 'the line is busy',
  'busy here': 'the line is busy',
  'no-answer': 'nobody answered',
  rejected: 'the call was refused',
  cancelled: 'the call was cancelled',
};

/** Whether `e` is about this invitation: its call, or its callee arriving in its room. */
function concerns(e: LiveEvent, callId: string, conferenceId: string, destination: string): boolean {
  const d = e.data;
  if (d.callId === callId) return true;
  return (
    e.type === 'participant.joined' &&
    d.conferenceId === conferenceId &&
    (d.extension === destination || String(d.callerId ?? '').includes(destination))
  );
}

/** The progress after event `e` (unchanged when the event is about something else). */
export function advanceInvite(
  p: InviteProgress,
  e: LiveEvent,
  conferenceId: string,
  destination: string,
): InviteProgress {
  if (!('callId' in p) || p.state === 'failed' || p.state === 'joined') return p;
  if (!concerns(e, p.callId, conferenceId, destination)) return p;
  switch (e.type) {
    case 'participant.joined':
      return { state: 'joined', callId: p.callId };
    case 'call.answered':
      return { state: 'answered', callId: p.callId };
    case 'call.failed':
    case 'call.ended': {
      const d = e.data;
      const raw = String(d.reason ?? d.cause ?? d.status ?? '');
      const reason = REASONS[raw] ?? (raw || 'the call ended before it was answered');
      return { state: 'failed', callId: p.callId, reason };
    }
    default:
      return p;
  }
}
