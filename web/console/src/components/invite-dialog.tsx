/**
 * Invite: "Please enter the phone number of the person you want to invite", a green Invite button, then
 * the call's progress as the server reports it (`call.*` and `participant.joined` events).
 */
import { type FormEvent, useState } from 'react';
import { api } from '../api.ts';
import type { LiveEvent } from '../events.ts';
import { useLiveEvents } from '../live-events.tsx';
import { Dialog } from './dialog.tsx';
import { Field } from './field.tsx';

type Progress =
  | { state: 'idle' }
  | { state: 'sending' }
  | { state: 'refused'; message: string }
  | { state: 'calling' | 'answered' | 'joined'; callId: string }
  | { state: 'failed'; callId: string; reason: string };

const STEPS: Record<'calling' | 'answered' | 'joined', string> = {
  calling: 'Calling',
  answered: 'Answered: connecting to the conference',
  joined: 'Joined the conference',
};

export interface InviteDialogProps {
  conferenceId: string;
  conferenceName: string;
  onClose: () => void;
}

export function InviteDialog({ conferenceId, conferenceName, onClose }: InviteDialogProps) {
  const [destination, setDestination] = useState('');
  const [progress, setProgress] = useState<Progress>({ state: 'idle' });

  useLiveEvents((e: LiveEvent) => {
    if (!('callId' in progress)) return;
    const d = e.data;
    // Call events carry our callId; a join names the room and who answered (no callId).
    const joinedHere =
      e.type === 'participant.joined' &&
      d.conferenceId === conferenceId &&
      (d.callId === progress.callId ||
        d.extension === destination.trim() ||
        String(d.callerId ?? '').includes(destination.trim()));
    const ours = joinedHere || d.callId === progress.callId;
    if (!ours) return;
    if (e.type === 'participant.joined') setProgress({ state: 'joined', callId: progress.callId });
    else if (e.type === 'call.answered') {
      if (progress.state !== 'joined') setProgress({ state: 'answered', callId: progress.callId });
    } else if (e.type === 'call.failed' || (e.type === 'call.ended' && progress.state !== 'joined')) {
      const reason = String(d.reason ?? d.cause ?? d.status ?? 'the call ended before it was answered');
      setProgress({ state: 'failed', callId: progress.callId, reason });
    }
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const to = destination.trim();
    if (!to) {
      setProgress({ state: 'refused', message: 'Enter an extension or a phone number.' });
      return;
    }
    setProgress({ state: 'sending' });
    try {
      const { callId } = await api.invite(conferenceId, to);
      setProgress({ state: 'calling', callId });
    } catch (err) {
      setProgress({ state: 'refused', message: err instanceof Error ? err.message : String(err) });
    }
  };

  const busy = progress.state === 'sending' || progress.state === 'calling';
  return (
    <Dialog title={`Invite to ${conferenceName}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <Field
          label="Please enter the phone number of the person you want to invite"
          error={progress.state === 'refused' ? progress.message : undefined}
          hint="An extension (102) or a full number (+3221234567). They join without the access code."
        >
          {(p) => (
            <input
              {...p}
              type="tel"
              autoComplete="off"
              value={destination}
              onChange={(e) => setDestination(e.target.value)}
            />
          )}
        </Field>
        {'callId' in progress && (
          <div className={progress.state === 'failed' ? 'alert alert-error' : 'call-progress'} role="status">
            {progress.state === 'failed' ? (
              <p>
                The call to {destination} failed: {progress.reason}.
              </p>
            ) : (
              <ol className="steps">
                {(['calling', 'answered', 'joined'] as const).map((s, i, all) => {
                  const at = all.indexOf(progress.state as (typeof all)[number]);
                  const cls = i < at ? 'step step-done' : i === at ? 'step step-current' : 'step';
                  return (
                    <li key={s} className={cls} aria-current={i === at ? 'step' : undefined}>
                      {STEPS[s]}
                      {s === 'calling' ? ` ${destination}` : ''}
                      {i === at && s !== 'joined' ? '…' : ''}
                    </li>
                  );
                })}
              </ol>
            )}
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy}>
            {progress.state === 'sending' ? 'Inviting…' : 'Invite'}
          </button>
          <button type="button" className="button" onClick={onClose}>
            {'callId' in progress ? 'Close' : 'Cancel'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
