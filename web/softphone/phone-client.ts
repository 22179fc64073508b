/**
 * The browser phone's engine, without any UI: SIP.js 0.21.2 over WebSocket (RFC 7118) registering as
 * `sip:<extension>@<domain>` with the extension and SIP password as digest credentials — exactly the
 * configuration Odoo's VoIP widget uses — and one call at a time: dial, answer, decline, hang up, DTMF as
 * RFC 4733 events through the session description handler (what Odoo does), mute, and hold by re-INVITE.
 * The UI (softphone.tsx) renders `view` and calls the methods; every failure becomes plain words in
 * `view.error` (phone-errors.ts).
 */
import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  type Session,
  SessionState,
  UserAgent,
  Web,
} from 'sip.js';
import { callEndedText, microphoneErrorText, registrationErrorText } from './phone-errors.ts';

/** What the user signs in with. */
export interface PhoneSettings {
  extension: string;
  password: string;
  /** `wss://host/ws` (or `ws://` on a plain HTTP console). */
  server: string;
  /** The SIP domain (the part after @ in `sip:<extension>@<domain>`). */
  domain: string;
}

export type PhoneStatus = 'signed-out' | 'connecting' | 'registered' | 'failed';

/** The call in progress, as the UI shows it. */
export interface CallView {
  direction: 'incoming' | 'outgoing';
  /** The other party: a number or a name. */
  peer: string;
  state: 'ringing' | 'calling' | 'connected' | 'ended';
  /** When it was answered (ms since the epoch), for the call timer. */
  answeredAt?: number;
  muted: boolean;
  held: boolean;
}

export interface PhoneView {
  status: PhoneStatus;
  /** Who is signed in. */
  extension?: string;
  call?: CallView;
  /** The last problem, in plain words, until the next action. */
  error?: string;
}

export interface PhoneClientOptions {
  /** Where the far end's audio plays (a new <audio> when absent). */
  audio?: HTMLAudioElement;
  /** Microphone constraints; default: the browser's voice processing on. */
  microphone?: MediaTrackConstraints | boolean;
  /** STUN/TURN servers; none by default (Parley is ICE-lite on a reachable address). */
  iceServers?: RTCIceServer[];
}

function peerOf(session: Session): string {
  const id = session.remoteIdentity;
  return id.displayName || id.uri.user || id.uri.toString();
}

/** The phone (see file comment). */
export class PhoneClient {
  view: PhoneView = { status: 'signed-out' };
  #listeners = new Set<(view: PhoneView) => void>();
  #ua: UserAgent | undefined;
  #registerer: Registerer | undefined;
  #session: Session | undefined;
  #options: PhoneClientOptions;
  #audio: HTMLAudioElement;
  /** Reconnection attempts since the connection dropped (0: connected). */
  #retries = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PhoneClientOptions = {}) {
    this.#options = options;
    this.#audio = options.audio ?? new Audio();
    this.#audio.autoplay = true;
  }

  /** The far end's audio of the call in progress (for level meters, recordings, tests). */
  get remoteStream(): MediaStream | undefined {
    const sdh = this.#session?.sessionDescriptionHandler;
    return sdh instanceof Web.SessionDescriptionHandler ? sdh.remoteMediaStream : undefined;
  }

  /** Calls `listener` on every change; returns the unsubscribe function. */
  subscribe(listener: (view: PhoneView) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #set(patch: Partial<PhoneView>): void {
    this.view = { ...this.view, ...patch };
    for (const l of this.#listeners) {
      try {
        l(this.view);
      } catch {
        // A listener's failure is the UI's business.
      }
    }
  }

  #setCall(patch: Partial<CallView> | undefined): void {
    if (patch === undefined) {
      const { call: _gone, ...rest } = this.view;
      this.view = rest;
      this.#set({});
      return;
    }
    this.#set({ call: { ...(this.view.call as CallView), ...patch } });
  }

  /** Connects and registers; resolves once registered or failed (see `view`). */
  async signIn(settings: PhoneSettings): Promise<void> {
    await this.signOut();
    this.#set({ status: 'connecting', extension: settings.extension, error: undefined });
    const uri = UserAgent.makeURI(`sip:${settings.extension}@${settings.domain}`);
    if (!uri) {
      this.#set({ status: 'failed', error: 'The extension or the domain is not valid.' });
      return;
    }
    const ua = new UserAgent({
      uri,
      authorizationUsername: settings.extension,
      authorizationPassword: settings.password,
      transportOptions: { server: settings.server, keepAliveInterval: 25 },
      sessionDescriptionHandlerFactoryOptions: {
        peerConnectionConfiguration: { iceServers: this.#options.iceServers ?? [] },
      },
      logBuiltinEnabled: false,
      delegate: {
        onInvite: (invitation) => this.#incoming(invitation),
        onConnect: () => {
          // Back after a drop: register again on the new connection (RFC 5626's flows are per connection).
          if (this.#ua !== ua || !this.#registerer || this.#retries === 0) return;
          this.#retries = 0;
          this.#registerer
            .register({
              requestDelegate: {
                onAccept: () => this.#set({ status: 'registered', error: undefined }),
                onReject: (r) =>
                  this.#set({
                    status: 'failed',
                    error: registrationErrorText({ status: r.message.statusCode ?? 0 }),
                  }),
              },
            })
            .catch(() => {});
        },
        onDisconnect: (error) => {
          if (error && this.#ua === ua) {
            this.#set({
              status: 'connecting',
              error: 'Lost the connection to the phone server. Trying again…',
            });
            this.#reconnect(ua);
          }
        },
      },
    });
    this.#ua = ua;
    try {
      await ua.start();
    } catch {
      this.#set({ status: 'failed', error: registrationErrorText({ transport: settings.server }) });
      return;
    }
    const registerer = new Registerer(ua, { expires: 300 });
    this.#registerer = registerer;
    await new Promise<void>((resolve) => {
      const done = (patch: Partial<PhoneView>) => {
        this.#set(patch);
        resolve();
      };
      registerer.stateChange.addListener((state) => {
        if (state === RegistererState.Registered) done({ status: 'registered', error: undefined });
      });
      registerer
        .register({
          requestDelegate: {
            onReject: (response) => {
              const status = response.message.statusCode ?? 0;
              done({ status: 'failed', error: registrationErrorText({ status }) });
            },
          },
        })
        .catch(() =>
          done({ status: 'failed', error: registrationErrorText({ transport: settings.server }) }),
        );
    });
  }

  /** Tries the WebSocket again after 1, 2, 4 … 30 s, until it is back or the user signs out. */
  #reconnect(ua: UserAgent): void {
    const delay = Math.min(30, 2 ** this.#retries) * 1000;
    this.#retries++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (this.#ua !== ua) return;
      ua.reconnect().catch(() => this.#reconnect(ua));
    }, delay);
  }

  /** Hangs up, unregisters, disconnects. */
  async signOut(): Promise<void> {
    const ua = this.#ua;
    this.#ua = undefined;
    clearTimeout(this.#retryTimer);
    this.#retries = 0;
    if (!ua) return;
    await this.hangup().catch(() => {});
    await this.#registerer?.unregister().catch(() => {});
    this.#registerer = undefined;
    await ua.stop().catch(() => {});
    this.view = { status: 'signed-out' };
    this.#set({});
  }

  #constraints(): { constraints: { audio: MediaTrackConstraints | boolean; video: false } } {
    return { constraints: { audio: this.#options.microphone ?? true, video: false } };
  }

  /** Calls a number or extension on the same domain. */
  async call(target: string): Promise<void> {
    const ua = this.#ua;
    const number = target.trim();
    if (!ua || this.view.status !== 'registered' || this.#session || !number) return;
    const uri = UserAgent.makeURI(`sip:${number}@${ua.configuration.uri.host}`);
    if (!uri) {
      this.#set({ error: 'That number is not valid.' });
      return;
    }
    const inviter = new Inviter(ua, uri, { sessionDescriptionHandlerOptions: this.#constraints() });
    this.#track(inviter, { direction: 'outgoing', peer: number, state: 'calling' });
    try {
      await inviter.invite({
        requestDelegate: {
          onReject: (response) => this.#set({ error: callEndedText(response.message.statusCode ?? 0) }),
        },
      });
    } catch (err) {
      this.#mediaFailed(err);
    }
  }

  #incoming(invitation: Invitation): void {
    if (this.#session) {
      // One call at a time: the other caller hears busy (RFC 3261 §21.4.24).
      void invitation.reject({ statusCode: 486 }).catch(() => {});
      return;
    }
    this.#track(invitation, { direction: 'incoming', peer: peerOf(invitation), state: 'ringing' });
  }

  #track(session: Session, call: Omit<CallView, 'muted' | 'held'>): void {
    this.#session = session;
    this.#set({ call: { ...call, muted: false, held: false }, error: undefined });
    session.stateChange.addListener((state) => {
      if (this.#session !== session) return;
      if (state === SessionState.Established) {
        this.#setCall({ state: 'connected', answeredAt: Date.now() });
        this.#playRemote(session);
      } else if (state === SessionState.Terminated) {
        this.#session = undefined;
        this.#audio.srcObject = null;
        this.#setCall(undefined);
      }
    });
  }

  #playRemote(session: Session): void {
    const sdh = session.sessionDescriptionHandler;
    if (sdh instanceof Web.SessionDescriptionHandler) {
      this.#audio.srcObject = sdh.remoteMediaStream;
      this.#audio.play().catch(() => {});
    }
  }

  #mediaFailed(err: unknown): void {
    const text = microphoneErrorText(err);
    this.#set({ error: text ?? 'The call could not be started.' });
  }

  /** Answers the ringing call. */
  async answer(): Promise<void> {
    const s = this.#session;
    if (!(s instanceof Invitation) || s.state !== SessionState.Initial) return;
    try {
      await s.accept({ sessionDescriptionHandlerOptions: this.#constraints() });
    } catch (err) {
      this.#mediaFailed(err);
      await s.reject().catch(() => {});
    }
  }

  /** Declines the ringing call (the caller hears busy). */
  async decline(): Promise<void> {
    const s = this.#session;
    if (s instanceof Invitation && s.state === SessionState.Initial) await s.reject({ statusCode: 486 });
  }

  /** Ends the call whatever its state: cancel, decline or BYE. */
  async hangup(): Promise<void> {
    const s = this.#session;
    if (!s) return;
    if (s.state === SessionState.Established) await s.bye();
    else if (s instanceof Inviter && s.state === SessionState.Establishing) await s.cancel();
    else if (s instanceof Invitation && s.state === SessionState.Initial) await s.reject({ statusCode: 486 });
  }

  /** Sends one DTMF digit as an RFC 4733 event on the call's audio (as Odoo's widget does). */
  dtmf(digit: string): boolean {
    const s = this.#session;
    if (!s || s.state !== SessionState.Established || !/^[0-9*#A-D]$/.test(digit)) return false;
    const sent = s.sessionDescriptionHandler?.sendDtmf(digit) ?? false;
    if (!sent) this.#set({ error: 'Keys cannot be sent on this call.' });
    return sent;
  }

  /** Stops or resumes sending the microphone. */
  setMuted(muted: boolean): void {
    const sdh = this.#session?.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler) || !this.view.call) return;
    sdh.enableSenderTracks(!muted && !this.view.call.held);
    this.#setCall({ muted });
  }

  /** Puts the call on hold (re-INVITE with sendonly, RFC 3264 §8.4) or takes it off. */
  async setHeld(held: boolean): Promise<void> {
    const s = this.#session;
    const call = this.view.call;
    if (!s || !call || s.state !== SessionState.Established || call.held === held) return;
    // The web handler's options (Web.SessionDescriptionHandlerOptions) take `hold`: its offer says sendonly.
    const options: Web.SessionDescriptionHandlerOptions = {
      ...s.sessionDescriptionHandlerOptionsReInvite,
      hold: held,
    };
    s.sessionDescriptionHandlerOptionsReInvite = options;
    const accepted = await new Promise<boolean>((resolve) => {
      s.invite({ requestDelegate: { onAccept: () => resolve(true), onReject: () => resolve(false) } }).catch(
        () => resolve(false),
      );
    });
    if (this.#session !== s) return;
    if (!accepted) {
      this.#set({ error: held ? 'The call could not be put on hold.' : 'The call could not be resumed.' });
      return;
    }
    const sdh = s.sessionDescriptionHandler;
    if (sdh instanceof Web.SessionDescriptionHandler) {
      sdh.enableReceiverTracks(!held);
      sdh.enableSenderTracks(!held && !call.muted);
    }
    this.#setCall({ held });
  }
}
