/**
 * The media engine as the calls layer sees it: the one narrow interface to RTP sessions, prompts, digits,
 * conference rooms and recordings, whatever thread they run on. It owns the RTP port range (ports are
 * reserved here and bound in the worker that runs the session) and one media worker per core by default;
 * a room and all its members live on one worker (a session joining a room on another worker moves there,
 * keeping its port, SSRC and sequence). Everything is asynchronous; errors reject with a `MediaError`
 * carrying a stable `code`. Events: `digit`, `talking`, `silent`, `rtp-timeout`, `session-closed`.
 */
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { PortAllocator } from './session/port-allocator.ts';
import type { WebRtcLocalParameters } from './webrtc/local-parameters.ts';
import { MediaError } from './worker/media-runtime.ts';
import type {
  CodecSpec,
  Endpoint,
  MediaEvent,
  MemberSettings,
  PlaybackResult,
  RecordingSummary,
  RecordTarget,
  TelephoneEventSpec,
  WebRtcSessionSpec,
  WorkerStats,
} from './worker/messages.ts';
import type { ThreadPriority } from './worker/thread-priority.ts';
import { InlineWorkerLink, ThreadWorkerLink, type WorkerLink } from './worker/worker-link.ts';

export interface MediaEngineOptions {
  /** UDP port range for RTP, "A-B" or {min, max}; default 10000-20000. */
  rtpPorts?: string | { min: number; max: number };
  /** Media worker threads; default one per core. 0 runs the media on the calling thread. */
  workers?: number;
  /** Default RTP timeout for sessions (ms, 0 disables); default 30 s. */
  rtpTimeoutMs?: number;
  /**
   * Scheduling priority of the media worker threads (worker/thread-priority.ts): `realtime` (default) when
   * the system permits, else `high`, else `normal`. The in-thread mode (`workers: 0`) never changes it.
   */
  priority?: ThreadPriority;
  /** Where listener errors go (never thrown into the engine); default: ignored. */
  onListenerError?: (err: unknown) => void;
}

/** What `createSession` needs: the local address, the negotiated codec and what else SDP said. */
export interface CreateSessionOptions {
  /** Address to bind and to write in SDP. */
  localAddress: string;
  codec: CodecSpec;
  telephoneEvent?: TelephoneEventSpec;
  /** The peer's RTP address from SDP; without it the session learns it from the first packets. */
  remote?: Endpoint;
  /** Also detect in-band DTMF tones (trunks). */
  inbandDtmf?: boolean;
  /** RTCP on the RTP port (RFC 5761); otherwise it uses port + 1. */
  rtcpMux?: boolean;
  rtpTimeoutMs?: number;
  /** Open the session on this room's worker (it is going to join it), saving a move later. */
  room?: string;
  /**
   * Sessions and rooms given the same key open on one worker, chosen when the key is first used and kept
   * while any of them lives: every call into one conference (`conference:<id>`), both legs and the room of
   * a bridged call. For a WebRTC session whose room does not exist yet this is what keeps it beside the
   * room; without a key, WebRTC sessions share one worker.
   */
  affinity?: string;
  /**
   * Carry the session over WebRTC (ICE-lite, DTLS-SRTP): the result's `webrtc` holds what the SDP answer
   * must say. A WebRTC session cannot move between workers: give `room` or `affinity` when it is going to
   * join one.
   */
  webrtc?: WebRtcSessionSpec;
}

/** What `createSession` returns: the session, its port for the SDP, and for WebRTC its ICE/DTLS values. */
export interface CreatedSession {
  id: string;
  localPort: number;
  webrtc?: WebRtcLocalParameters;
}

/** What `play` plays: files in order, or one file, possibly looped (music on hold). */
export type PlaySource = string[] | { file: string; loop?: boolean };

/** Engine-wide figures. */
export interface MediaEngineStats {
  sessions: number;
  rooms: number;
  portsInUse: number;
  workers: WorkerStats[];
}

type Listener<T extends MediaEvent['type']> = (event: Extract<MediaEvent, { type: T }>) => void;

interface SessionRecord {
  worker: number;
  port: number;
  roomId: string | undefined;
  /** A move to another worker in progress: requests wait for it. */
  moving: Promise<void> | undefined;
  /** WebRTC sessions stay on the worker that opened them. */
  pinned?: boolean;
  affinity?: string;
}

interface RoomRecord {
  worker: number;
  members: Set<string>;
  /** Each member's settings as last set, to seat them again if the room has to follow a WebRTC member. */
  settings: Map<string, MemberSettings>;
  affinity?: string;
}

function parseRange(r: MediaEngineOptions['rtpPorts']): { min: number; max: number } {
  if (!r) return { min: 10000, max: 20000 };
  if (typeof r !== 'string') return r;
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(r);
  if (!m) throw new RangeError(`RTP port range "${r}" is not A-B`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

/** The media engine (see file comment). */
export class MediaEngine {
  readonly ports: PortAllocator;
  #links: WorkerLink[] = [];
  #sessions = new Map<string, SessionRecord>();
  /** Sessions per worker, kept as they come and go (choosing a worker must not walk every session). */
  #load: number[] = [];
  #rooms = new Map<string, RoomRecord>();
  #recordings = new Map<string, number>();
  /** Rooms not created yet that a pinned (WebRTC) session is waiting for: create them on its worker. */
  #roomWorkerHints = new Map<string, number>();
  /**
   * The worker every WebRTC session opens on (chosen at the first one): WebRTC sessions cannot move, so
   * keeping them together lets any two of them share a room; a room follows them there.
   */
  #webrtcWorker: number | undefined;
  /** The worker of each affinity key in use, with how many sessions and rooms hold it. */
  #affinities = new Map<string, { worker: number; holders: number }>();
  #listeners = new Map<string, Set<(e: MediaEvent) => void>>();
  #options: MediaEngineOptions;
  #closed = false;

  constructor(options: MediaEngineOptions = {}) {
    this.#options = options;
    const range = parseRange(options.rtpPorts);
    this.ports = new PortAllocator(range.min, range.max);
    const count = options.workers ?? availableParallelism();
    this.#load = new Array<number>(Math.max(1, count)).fill(0);
    if (count <= 0) this.#links.push(this.#wire(new InlineWorkerLink(0)));
    else for (let i = 0; i < count; i++) this.#links.push(this.#wire(this.#thread(i)));
  }

  /** How many media workers run (1 for the in-thread mode). */
  get workerCount(): number {
    return this.#links.length;
  }

  #wire(link: WorkerLink): WorkerLink {
    link.onEvent = (e) => this.#onEvent(e);
    link.onFailure = (reason) => this.#onWorkerFailure(link.workerId, reason);
    return link;
  }

  #onWorkerFailure(index: number, reason: string): void {
    if (this.#closed) return;
    // Its rooms and sessions are gone: tell the calls layer, free the ports, start a fresh worker.
    for (const [id, r] of this.#rooms) {
      if (r.worker !== index) continue;
      this.#rooms.delete(id);
      this.#releaseAffinity(r.affinity);
    }
    for (const [id, s] of this.#sessions) {
      if (s.worker === index) this.#onEvent({ type: 'session-closed', sessionId: id, reason });
    }
    for (const [id, w] of this.#recordings) if (w === index) this.#recordings.delete(id);
    this.#links[index] = this.#wire(this.#thread(index));
  }

  #thread(index: number): ThreadWorkerLink {
    return new ThreadWorkerLink(index, { priority: this.#options.priority ?? 'realtime' });
  }

  #onEvent(e: MediaEvent): void {
    if (e.type === 'session-closed') {
      const s = this.#sessions.get(e.sessionId);
      if (!s) return;
      this.#sessions.delete(e.sessionId);
      this.#load[s.worker]!--;
      this.ports.release(s.port);
      this.#releaseAffinity(s.affinity);
      const room = s.roomId ? this.#rooms.get(s.roomId) : undefined;
      room?.members.delete(e.sessionId);
      room?.settings.delete(e.sessionId);
    }
    for (const key of [e.type, '*', `${e.type}:${'sessionId' in e ? e.sessionId : ''}`]) {
      const set = this.#listeners.get(key);
      if (!set) continue;
      for (const l of set) {
        try {
          l(e);
        } catch (err) {
          this.#options.onListenerError?.(err);
        }
      }
    }
  }

  #listen(key: string, l: (e: MediaEvent) => void): () => void {
    let set = this.#listeners.get(key);
    if (!set) {
      set = new Set();
      this.#listeners.set(key, set);
    }
    set.add(l);
    return () => {
      set.delete(l);
      // Per-session keys (a session's digits) would otherwise stay, one empty set per call ever made.
      if (set.size === 0 && this.#listeners.get(key) === set) this.#listeners.delete(key);
    };
  }

  /** Subscribes to one kind of event (or '*' for all); returns the unsubscribe function. */
  on<T extends MediaEvent['type']>(type: T, listener: Listener<T>): () => void;
  on(type: '*', listener: (e: MediaEvent) => void): () => void;
  on(type: string, listener: (e: never) => void): () => void {
    return this.#listen(type, listener as (e: MediaEvent) => void);
  }

  /** Digits received on one session (RFC 4733 or in-band), with their timestamps. */
  onDigit(sessionId: string, listener: Listener<'digit'>): () => void {
    return this.#listen(`digit:${sessionId}`, listener as (e: MediaEvent) => void);
  }

  #leastLoaded(): number {
    const load = this.#load;
    let best = 0;
    for (let i = 1; i < load.length; i++) if (load[i]! < load[best]!) best = i;
    return best;
  }

  /** The worker of an affinity key, taken by one more holder; a new key goes to `choose()`. */
  #holdAffinity(key: string, choose: () => number): number {
    let a = this.#affinities.get(key);
    if (!a) {
      a = { worker: choose(), holders: 0 };
      this.#affinities.set(key, a);
    }
    a.holders++;
    return a.worker;
  }

  #releaseAffinity(key: string | undefined): void {
    if (key === undefined) return;
    const a = this.#affinities.get(key);
    if (a && --a.holders <= 0) this.#affinities.delete(key);
  }

  #check(): void {
    if (this.#closed) throw new MediaError('closed', 'the media engine is closed');
  }

  async #session(id: string): Promise<SessionRecord> {
    const s = this.#sessions.get(id);
    if (!s) throw new MediaError('no-such-session', `no session ${id}`);
    if (s.moving) await s.moving;
    return s;
  }

  #room(id: string): RoomRecord {
    const r = this.#rooms.get(id);
    if (!r) throw new MediaError('no-such-room', `no room ${id}`);
    return r;
  }

  /** Opens an RTP session on a port of the range; `localPort` goes into the SDP. */
  async createSession(options: CreateSessionOptions): Promise<CreatedSession> {
    this.#check();
    const id = randomUUID();
    const hinted = options.room ? this.#roomWorkerHints.get(options.room) : undefined;
    const room = options.room ? this.#rooms.get(options.room) : undefined;
    const { affinity } = options;
    // Where it goes, most specific first: its room's worker, its affinity's, a hint left by a WebRTC
    // session for its room; then WebRTC sessions without a key share one worker, the rest balance.
    const unplaced = (): number => {
      if (hinted !== undefined) return hinted;
      if (affinity || !options.webrtc) return this.#leastLoaded();
      this.#webrtcWorker ??= this.#leastLoaded();
      return this.#webrtcWorker;
    };
    const worker =
      room?.worker ?? (affinity ? this.#affinities.get(affinity)?.worker : undefined) ?? unplaced();
    // Off its room's worker the session holds its key (each attempt below, released if it fails).
    const held = room === undefined && affinity !== undefined;
    if (options.webrtc && options.room && !this.#rooms.has(options.room)) {
      this.#roomWorkerHints.set(options.room, worker);
    }
    // Ports taken by other programs fail to bind: try further along the range.
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = this.ports.allocate();
      if (port === null) throw new MediaError('no-ports', 'every RTP port of the range is in use');
      const record: SessionRecord = { worker, port, roomId: undefined, moving: undefined };
      if (options.webrtc) record.pinned = true;
      if (held) {
        record.affinity = affinity;
        this.#holdAffinity(affinity, () => worker);
      }
      this.#sessions.set(id, record);
      this.#load[worker]!++;
      try {
        const r = await this.#links[worker]!.request({
          op: 'open-session',
          spec: {
            sessionId: id,
            localAddress: options.localAddress,
            port,
            rtcpMux: options.rtcpMux ?? false,
            codec: options.codec,
            rtpTimeoutMs: options.rtpTimeoutMs ?? this.#options.rtpTimeoutMs ?? 30_000,
            ...(options.telephoneEvent ? { telephoneEvent: options.telephoneEvent } : {}),
            ...(options.remote ? { remote: options.remote } : {}),
            ...(options.inbandDtmf ? { inbandDtmf: true } : {}),
            ...(options.webrtc ? { webrtc: options.webrtc } : {}),
          },
        });
        return r.webrtc ? { id, localPort: r.localPort, webrtc: r.webrtc } : { id, localPort: r.localPort };
      } catch (err) {
        this.#sessions.delete(id);
        this.#load[worker]!--;
        this.ports.release(port);
        if (held) this.#releaseAffinity(affinity);
        if (
          !(err instanceof MediaError && err.code === 'bind-failed' && /EADDRINUSE|EACCES/.test(err.message))
        ) {
          throw err;
        }
      }
    }
    throw new MediaError('bind-failed', 'no bindable RTP port found after 20 attempts');
  }

  /** The peer moved (re-INVITE): send there and learn its source again. `null` forgets it. */
  async setRemote(sessionId: string, remote: Endpoint | null): Promise<void> {
    const s = await this.#session(sessionId);
    await this.#links[s.worker]!.request({ op: 'set-remote', sessionId, remote });
  }

  /**
   * The answer to Parley's offer chose another codec than the session was opened with (RFC 3264 §6.1):
   * re-opens the session on the same worker and port with that codec, back in its room if it was in one.
   * A playback or recording of the session ends. Not for WebRTC sessions (their codec is werift's).
   * `remote`: the peer's new address when the same offer also moved it; the re-opened session sends
   * there from its first packet, so nothing in the new codec reaches the old address.
   */
  async setCodec(
    sessionId: string,
    codec: CodecSpec,
    telephoneEvent?: TelephoneEventSpec,
    remote?: Endpoint,
  ): Promise<void> {
    const s = await this.#session(sessionId);
    if (s.pinned) throw new MediaError('bad-request', `session ${sessionId} is WebRTC`);
    const link = this.#links[s.worker]!;
    s.moving = (async () => {
      const {
        telephoneEvent: _old,
        outgoing,
        ...spec
      } = await link.request({ op: 'detach-session', sessionId });
      // Another clock rate restarts the stream's timestamps: a new SSRC says so (RFC 3550 §8).
      const sameClock = spec.codec.clockRate === codec.clockRate;
      try {
        await link.request({
          op: 'open-session',
          spec: {
            ...spec,
            codec,
            ...(telephoneEvent ? { telephoneEvent } : {}),
            ...(sameClock && outgoing ? { outgoing } : {}),
            ...(remote ? { remote } : {}),
          },
        });
      } catch (err) {
        this.#onEvent({
          type: 'session-closed',
          sessionId,
          reason: `codec change failed: ${(err as Error).message}`,
        });
        throw err;
      }
      const room = s.roomId ? this.#rooms.get(s.roomId) : undefined;
      if (room && s.roomId) {
        await link.request({
          op: 'join',
          roomId: s.roomId,
          sessionId,
          member: room.settings.get(sessionId) ?? {},
        });
      }
    })();
    try {
      await s.moving;
    } finally {
      s.moving = undefined;
    }
  }

  /**
   * Loads the WebRTC stack and makes its DTLS certificate in every worker now, so the first browser call
   * does not wait for them (about half a second). For servers; tests that never use WebRTC skip it.
   */
  async warmUpWebRtc(): Promise<void> {
    this.#check();
    await Promise.all(this.#links.map((l) => l.request({ op: 'warm-webrtc' })));
  }

  /** The browser's answer to a WebRTC session Parley offered (`createSession({ webrtc: {} })`). */
  async acceptWebRtcAnswer(sessionId: string, sdp: string): Promise<void> {
    const s = await this.#session(sessionId);
    await this.#links[s.worker]!.request({ op: 'webrtc-answer', sessionId, sdp });
  }

  /**
   * Plays prompts (WAV files, converted and cached) to a session, instead of whatever it heard; resolves
   * 'done' at the end, or 'interrupted' (a digit with `interruptOnDigit`, `stopPlayback`, a newer `play`,
   * the session closing). A loop only ends by interruption.
   */
  async play(
    sessionId: string,
    source: PlaySource,
    options: { interruptOnDigit?: boolean } = {},
  ): Promise<PlaybackResult> {
    const s = await this.#session(sessionId);
    const files = Array.isArray(source) ? source : [source.file];
    const loop = !Array.isArray(source) && (source.loop ?? false);
    try {
      return await this.#links[s.worker]!.request({
        op: 'play',
        sessionId,
        files,
        loop,
        interruptOnDigit: options.interruptOnDigit ?? false,
      });
    } catch (err) {
      // The session closed or moved while playing: the playback was cut short.
      if (err instanceof MediaError && (err.code === 'worker-failed' || err.code === 'no-such-session')) {
        return 'interrupted';
      }
      throw err;
    }
  }

  /**
   * Plays prompts into a room: mixed once into the room's sound, so every member that hears the room hears
   * them (join and leave tones); members hearing a prompt or music of their own, and deaf members, do not.
   * Resolves 'done' at the end, or 'interrupted' when the room closes first.
   */
  async playToRoom(roomId: string, files: string[]): Promise<PlaybackResult> {
    const room = this.#room(roomId);
    try {
      return await this.#links[room.worker]!.request({ op: 'play-room', roomId, files });
    } catch (err) {
      if (err instanceof MediaError && (err.code === 'worker-failed' || err.code === 'no-such-room')) {
        return 'interrupted';
      }
      throw err;
    }
  }

  async stopPlayback(sessionId: string): Promise<void> {
    const s = await this.#session(sessionId);
    await this.#links[s.worker]!.request({ op: 'stop-playback', sessionId });
  }

  /** Sends digits as RFC 4733 events (needs a negotiated telephone-event format). */
  async sendDigits(sessionId: string, digits: string, durationMs?: number): Promise<void> {
    const s = await this.#session(sessionId);
    await this.#links[s.worker]!.request({
      op: 'send-digits',
      sessionId,
      digits,
      ...(durationMs !== undefined ? { durationMs } : {}),
    });
  }

  /**
   * Creates a conference room: where a WebRTC session waiting for it opened, else on its affinity key's
   * worker (see `CreateSessionOptions.affinity`), else on the least loaded worker.
   */
  async createRoom(roomId: string, options: { affinity?: string } = {}): Promise<void> {
    this.#check();
    if (this.#rooms.has(roomId)) throw new MediaError('room-exists', `room ${roomId} exists`);
    const key = options.affinity;
    const keyed = key === undefined ? undefined : this.#affinities.get(key)?.worker;
    const worker = this.#roomWorkerHints.get(roomId) ?? keyed ?? this.#leastLoaded();
    this.#roomWorkerHints.delete(roomId);
    const room: RoomRecord = { worker, members: new Set(), settings: new Map() };
    if (key !== undefined && (keyed === undefined || keyed === worker)) {
      room.affinity = key;
      this.#holdAffinity(key, () => worker);
    }
    this.#rooms.set(roomId, room);
    try {
      await this.#links[worker]!.request({ op: 'create-room', roomId });
    } catch (err) {
      this.#rooms.delete(roomId);
      this.#releaseAffinity(room.affinity);
      throw err;
    }
  }

  /**
   * Puts a session in a room: it hears the others and they hear it (unless muted/deaf); with `hold` it hears
   * that file looped instead of the room (music while waiting) until `setMember(…, { hold: null })`.
   */
  async join(roomId: string, sessionId: string, settings: MemberSettings = {}): Promise<void> {
    const room = this.#room(roomId);
    const s = await this.#session(sessionId);
    if (s.roomId && s.roomId !== roomId) await this.leave(s.roomId, sessionId);
    if (s.worker !== room.worker && s.pinned) await this.#relocateRoom(roomId, room, s.worker);
    if (s.worker !== room.worker) await this.#move(sessionId, s, room.worker);
    await this.#links[room.worker]!.request({ op: 'join', roomId, sessionId, member: settings });
    s.roomId = roomId;
    room.members.add(sessionId);
    room.settings.set(sessionId, { ...settings });
  }

  /**
   * A WebRTC session joins a room on another worker: the room follows it there, its members moving along
   * and seated again with their settings (its mix starts afresh; a recording of the room's mix ends).
   */
  async #relocateRoom(roomId: string, room: RoomRecord, to: number): Promise<void> {
    const members = [...room.members];
    for (const id of members) {
      if (this.#sessions.get(id)?.pinned) {
        throw new MediaError('bad-request', `room ${roomId} has a WebRTC member on another worker`);
      }
    }
    await this.#links[room.worker]!.request({ op: 'close-room', roomId });
    room.worker = to;
    // It left its key's worker: new sessions of that key go on choosing the key's worker, not this one.
    this.#releaseAffinity(room.affinity);
    room.affinity = undefined;
    await this.#links[to]!.request({ op: 'create-room', roomId });
    for (const id of members) {
      const s = this.#sessions.get(id);
      if (!s) continue;
      if (s.worker !== to) await this.#move(id, s, to);
      await this.#links[to]!.request({
        op: 'join',
        roomId,
        sessionId: id,
        member: room.settings.get(id) ?? {},
      });
    }
  }

  async #move(sessionId: string, s: SessionRecord, to: number): Promise<void> {
    const from = s.worker;
    s.moving = (async () => {
      const spec = await this.#links[from]!.request({ op: 'detach-session', sessionId });
      s.worker = to;
      this.#load[from]!--;
      this.#load[to]!++;
      try {
        await this.#links[to]!.request({ op: 'open-session', spec });
      } catch (err) {
        this.#onEvent({
          type: 'session-closed',
          sessionId,
          reason: `move failed: ${(err as Error).message}`,
        });
        throw err;
      }
    })();
    try {
      await s.moving;
    } finally {
      s.moving = undefined;
    }
  }

  async leave(roomId: string, sessionId: string): Promise<void> {
    const room = this.#room(roomId);
    const s = await this.#session(sessionId);
    await this.#links[room.worker]!.request({ op: 'leave', roomId, sessionId });
    s.roomId = undefined;
    room.members.delete(sessionId);
    room.settings.delete(sessionId);
  }

  /** Changes a member's mute, deaf, gain or hold music. */
  async setMember(roomId: string, sessionId: string, settings: MemberSettings): Promise<void> {
    const room = this.#room(roomId);
    await this.#session(sessionId);
    await this.#links[room.worker]!.request({ op: 'set-member', roomId, sessionId, member: settings });
    room.settings.set(sessionId, { ...room.settings.get(sessionId), ...settings });
  }

  /**
   * Starts recording a session's audio (what it says) or a room's mix to a WAV file; returns the
   * recording's id. A session's recording ends if the session moves to another worker by joining a room
   * there: start it after `join`, or open the session with `room`.
   */
  async record(target: RecordTarget, file: string): Promise<string> {
    const worker =
      'sessionId' in target
        ? (await this.#session(target.sessionId)).worker
        : this.#room(target.roomId).worker;
    const recordingId = randomUUID();
    await this.#links[worker]!.request({ op: 'record', recordingId, file, target });
    this.#recordings.set(recordingId, worker);
    return recordingId;
  }

  /** Ends a recording (also ended by its session or room closing): the file is complete. */
  async stopRecording(recordingId: string): Promise<RecordingSummary> {
    const worker = this.#recordings.get(recordingId);
    if (worker === undefined) throw new MediaError('no-such-recording', `no recording ${recordingId}`);
    this.#recordings.delete(recordingId);
    return this.#links[worker]!.request({ op: 'stop-recording', recordingId });
  }

  /** Closes a session (its room goes on without it). Idempotent: unknown ids are ignored. */
  async closeSession(sessionId: string): Promise<void> {
    const s = this.#sessions.get(sessionId);
    if (!s) return;
    if (s.moving) await s.moving.catch(() => {});
    await this.#links[s.worker]!.request({ op: 'close-session', sessionId });
  }

  /** Closes a room; its members' sessions stay open (outside any room). Idempotent. */
  async closeRoom(roomId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    if (!room) return;
    this.#rooms.delete(roomId);
    this.#releaseAffinity(room.affinity);
    for (const id of room.members) {
      const s = this.#sessions.get(id);
      if (s) s.roomId = undefined;
    }
    await this.#links[room.worker]!.request({ op: 'close-room', roomId });
  }

  /** Figures of every worker; load figures cover the time since the previous call. */
  async stats(
    options: { perSession?: boolean; resetClock?: boolean; collectGarbage?: boolean } = {},
  ): Promise<MediaEngineStats> {
    const workers = await Promise.all(
      this.#links.map((l) =>
        l.request({
          op: 'stats',
          perSession: options.perSession ?? false,
          resetClock: options.resetClock ?? false,
          collectGarbage: options.collectGarbage ?? false,
        }),
      ),
    );
    return { sessions: this.#sessions.size, rooms: this.#rooms.size, portsInUse: this.ports.used, workers };
  }

  /** Closes every session and room and ends the workers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all(
      this.#links.map(async (l) => {
        await l.request({ op: 'shutdown' }).catch(() => {});
        await l.terminate();
      }),
    );
    for (const s of this.#sessions.values()) this.ports.release(s.port);
    this.#sessions.clear();
    this.#load.fill(0);
    this.#rooms.clear();
    this.#listeners.clear();
  }
}
