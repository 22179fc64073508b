/**
 * The phone icon for a page's top bar (the console's upper-right corner): it opens the phone in a pop-over
 * and closes it again. The phone client outlives the pop-over, so a call goes on while it is closed (the
 * icon then shows that a call is in progress, and that one is ringing).
 */
import { useEffect, useRef, useState } from 'react';
import { PhoneClient, type PhoneSettings, type PhoneView } from './phone-client.ts';
import { Softphone } from './softphone.tsx';

export interface PhoneButtonProps {
  /** Pre-filled sign-in values: the console passes the SIP domain it got from /api/me. */
  defaults?: Partial<PhoneSettings>;
}

/** The icon and its pop-over (see file comment). */
export function PhoneButton({ defaults }: PhoneButtonProps) {
  const client = useRef<PhoneClient | null>(null);
  client.current ??= new PhoneClient();
  const [open, setOpen] = useState(false);
  const [view, setView] = useState<PhoneView>(client.current.view);
  useEffect(() => client.current!.subscribe(setView), []);
  const ringing = view.call?.state === 'ringing' && view.call.direction === 'incoming';
  // An incoming call opens the phone, so it can be answered.
  useEffect(() => {
    if (ringing) setOpen(true);
  }, [ringing]);
  const label = ringing ? 'Phone: incoming call' : view.call ? 'Phone: call in progress' : 'Phone';
  return (
    <>
      <button
        type="button"
        className={`icon-button pp-phone-button${view.call ? ' pp-in-call' : ''}`}
        aria-expanded={open}
        aria-label={label}
        title={label}
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
          <path
            fill="currentColor"
            d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"
          />
        </svg>
      </button>
      <div className="pp-popover" hidden={!open}>
        <Softphone client={client.current} defaults={defaults ?? {}} onClose={() => setOpen(false)} />
      </div>
    </>
  );
}
