/**
 * Invite: "Please enter the phone number of the person you want to invite", a green Invite button, then
 * the call's progress as the server reports it (`call.*` and `participant.joined` events).
 */
import { type FormEvent, useRef, useState } from 'react';
import { api } from '../api.ts';
import type { LiveEvent } from '../events.ts';
import { advanceInvite, INVITE_STEPS, type InviteProgress } from '../invite-progress.ts';
import { useLiveEvents } from '../live-events.tsx';
import { Dialog } from './dialog.tsx';
import { TextField } from './text-field.tsx';

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
  const [progress, setProgress] = useState<InviteProgress>({ state: 'idle' });

  // Events that arrive while the invite request is still out: the phone may answer before its reply.
  const early = useRef<LiveEvent[]>([]);
  useLiveEvents((e: LiveEvent) => {
    if (progress.state === 'sending') early.current.push(e);
    else setProgress((p) => advanceInvite(p, e, conferenceId, destination.trim()));
  });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const to = destination.trim();
    if (!to) {
      setProgress({ state: 'refused', message: 'Enter an extension or a phone number.' });
      return;
    }
    early.current = [];
    setProgress({ state: 'sending' });
    try {
      const { callId } = await api.invite(conferenceId, to);
      const start: InviteProgress = { state: 'calling', callId };
      setProgress(
        early.current.reduce<InviteProgress>((p, ev) => advanceInvite(p, ev, conferenceId, to), start),
      );
      early.current = [];
    } catch (err) {
      setProgress({ state: 'refused', message: err instanceof Error ? err.message : String(err) });
    }
  };

  const busy = progress.state === 'sending' || progress.state === 'calling';
  return (
    <Dialog title={`Invite to ${conferenceName}`} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField
          label="Please enter the phone number of the person you want to invite"
          error={progress.state === 'refused' ? progress.message : undefined}
          hint="An extension (102) or a full number (+3221234567). They join without the access code."
          type="tel"
          autoComplete="off"
          value={destination}
          onChange={setDestination}
        />
        {'callId' in progress && (
          <div className={progress.state === 'failed' ? 'alert alert-error' : 'call-progress'} role="status">
            {progress.state === 'failed' ? (
              <p>
                The call to {destination} failed: {progress.reason}.
              </p>
            ) : (
              <ol className="steps">
                {INVITE_STEPS.map((s, i, all) => {
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
