/**
 * The browser phone as a React component: sign-in (extension, SIP password, server), dial pad, call and
 * hang-up, DTMF keys during a call, mute, hold, incoming calls with answer/decline, a call timer, and
 * problems in plain words. Used alone on /phone and inside the console (the phone icon of its top bar).
 * All telephony lives in phone-client.ts; this file only renders its view.
 */
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import { PhoneClient, type PhoneSettings, type PhoneView } from './phone-client.ts';
import './softphone.css';

const STORAGE_KEY = 'parley.phone';
const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

/** The page's own server: `wss://host/ws` under https, `ws://host/ws` otherwise. */
export function defaultServer(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
}

function remembered(): Partial<PhoneSettings> {
  try {
    return JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}') as Partial<PhoneSettings>;
  } catch {
    return {};
  }
}

/** `m:ss` (or `h:mm:ss`) since `from`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

export interface SoftphoneProps {
  /** A phone client to render (one is made when absent; the console keeps its own across openings). */
  client?: PhoneClient;
  /** Pre-filled sign-in values (the console passes the SIP domain from /api/me). */
  defaults?: Partial<PhoneSettings>;
  /** Shown as a close button in the header when given (the console's pop-over). */
  onClose?: () => void;
}

function usePhone(client: PhoneClient): PhoneView {
  const [view, setView] = useState(client.view);
  useEffect(() => {
    setView(client.view);
    return client.subscribe(setView);
  }, [client]);
  return view;
}

function useNow(active: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    // A display refresh for the call timer, not a media clock.
    const t = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function SignIn({ client, defaults }: { client: PhoneClient; defaults: Partial<PhoneSettings> }) {
  const saved = remembered();
  const [extension, setExtension] = useState(defaults.extension ?? saved.extension ?? '');
  const [password, setPassword] = useState('');
  const [server, setServer] = useState(defaults.server ?? saved.server ?? defaultServer());
  const [domain, setDomain] = useState(defaults.domain ?? saved.domain ?? location.hostname);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const settings = { extension: extension.trim(), password, server: server.trim(), domain: domain.trim() };
    localStorage.setItem(STORAGE_KEY, JSON.stringify({ ...settings, password: undefined }));
    await client.signIn(settings);
    setBusy(false);
  };
  return (
    <form className="pp-signin" onSubmit={submit}>
      <label>
        Extension
        <input
          name="extension"
          autoComplete="username"
          inputMode="numeric"
          required
          value={extension}
          onChange={(e) => setExtension(e.target.value)}
        />
      </label>
      <label>
        SIP password
        <input
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <details>
        <summary>Server</summary>
        <label>
          WebSocket URL
          <input name="server" value={server} onChange={(e) => setServer(e.target.value)} />
        </label>
        <label>
          SIP domain
          <input name="domain" value={domain} onChange={(e) => setDomain(e.target.value)} />
        </label>
      </details>
      <button type="submit" className="pp-primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function Keypad({ onKey }: { onKey: (key: string) => void }) {
  return (
    <div className="pp-keypad">
      {KEYS.map((k) => (
        <button key={k} type="button" data-key={k} onClick={() => onKey(k)}>
          {k}
        </button>
      ))}
    </div>
  );
}

function Dialer({ client, view }: { client: PhoneClient; view: PhoneView }) {
  const [number, setNumber] = useState('');
  const call = view.call;
  const now = useNow(call?.state === 'connected');
  const onKey = (k: string) => {
    if (call?.state === 'connected') client.dtmf(k);
    else setNumber((n) => n + k);
  };
  const dial = (e: FormEvent) => {
    e.preventDefault();
    void client.call(number);
  };
  if (call?.state === 'ringing' && call.direction === 'incoming') {
    return (
      <div className="pp-incoming" role="alertdialog" aria-label="Incoming call">
        <p className="pp-peer">Call from {call.peer}</p>
        <div className="pp-row">
          <button type="button" className="pp-answer" onClick={() => void client.answer()}>
            Answer
          </button>
          <button type="button" className="pp-hangup" onClick={() => void client.decline()}>
            Decline
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="pp-dialer">
      {call ? (
        <div className="pp-call" aria-live="polite">
          <p className="pp-peer">{call.peer}</p>
          <p className="pp-state" data-state={call.state}>
            {call.state === 'connected'
              ? `${call.held ? 'On hold · ' : ''}${formatDuration(now - (call.answeredAt ?? now))}`
              : 'Calling…'}
          </p>
        </div>
      ) : (
        <form onSubmit={dial}>
          <input
            className="pp-number"
            name="number"
            aria-label="Number"
            inputMode="tel"
            placeholder="Number"
            value={number}
            onChange={(e) => setNumber(e.target.value)}
          />
        </form>
      )}
      <Keypad onKey={onKey} />
      {call ? (
        <div className="pp-row">
          <button
            type="button"
            aria-pressed={call.muted}
            disabled={call.state !== 'connected'}
            onClick={() => client.setMuted(!call.muted)}
          >
            {call.muted ? 'Unmute' : 'Mute'}
          </button>
          <button
            type="button"
            aria-pressed={call.held}
            disabled={call.state !== 'connected'}
            onClick={() => void client.setHeld(!call.held)}
          >
            {call.held ? 'Resume' : 'Hold'}
          </button>
          <button type="button" className="pp-hangup" onClick={() => void client.hangup()}>
            Hang up
          </button>
        </div>
      ) : (
        <div className="pp-row">
          <button
            type="button"
            className="pp-answer"
            disabled={!number.trim()}
            onClick={() => void client.call(number)}
          >
            Call
          </button>
          <button type="button" disabled={!number} onClick={() => setNumber((n) => n.slice(0, -1))}>
            ⌫
          </button>
        </div>
      )}
    </div>
  );
}

/** The phone (see file comment). */
export function Softphone({ client: given, defaults = {}, onClose }: SoftphoneProps) {
  const client = useMemo(() => given ?? new PhoneClient(), [given]);
  const view = usePhone(client);
  const signedIn = view.status === 'registered' || (view.status === 'failed' && view.call !== undefined);
  return (
    <section className="pp-phone" aria-label="Phone" data-status={view.status}>
      <header className="pp-head">
        <span className="pp-title">
          {view.status === 'registered' ? `Phone · ${view.extension}` : 'Phone'}
        </span>
        {view.status === 'registered' ? (
          <button type="button" className="pp-link" onClick={() => void client.signOut()}>
            Sign out
          </button>
        ) : null}
        {onClose ? (
          <button type="button" className="pp-link" aria-label="Close the phone" onClick={onClose}>
            ✕
          </button>
        ) : null}
      </header>
      {view.error ? (
        <p className="pp-error" role="alert">
          {view.error}
        </p>
      ) : null}
      {view.status === 'connecting' ? <p className="pp-note">Connecting…</p> : null}
      {signedIn ? <Dialer client={client} view={view} /> : null}
      {view.status === 'signed-out' || view.status === 'failed' ? (
        <SignIn client={client} defaults={defaults} />
      ) : null}
    </section>
  );
}
