/**
 * Everything one media worker runs: its sessions, the rooms whose members they are, players, recorders,
 * and the 20 ms clock that drives them all. Requests arrive as `WorkerRequest` values (media-worker.ts
 * passes them from the channel; tests and `workers: 0` call `handle` directly) and events leave through
 * `onEvent`. Ownership: a room owns its mixer; a session owns its transport, its players and its
 * recorders; closing cascades and is idempotent.
 *
 * Each tick: every session pulls its next frame (jitter buffer, decode, DTMF), every room mixes and sends,
 * then sessions whose output is taken over (a prompt, music on hold) send their player's frame, and
 * recorders take their frames.
 */
import { performance } from 'node:perf_hooks';
import { getCodecFactory } from '../codec/index.ts';
import { ConferenceMixer } from '../mixer/conference-mixer.ts';
import { Player } from '../player/player.ts';
import { isPromptError, PromptCache } from '../player/prompt-cache.ts';
import { resample } from '../processor/resampler.ts';
import { WavRecorder } from '../recorder/wav-recorder.ts';
import {
  drainNativeDatagrams,
  flushNativeDatagrams,
  nativeSendMs,
  receiveNativeOnTick,
} from '../session/native-udp.ts';
import { RtpSession } from '../session/rtp-session.ts';
import { UdpTransport } from '../session/udp-transport.ts';
import type { WebRtcTransport } from '../webrtc/webrtc-transport.ts';
import { MediaClock } from './clock.ts';
import { collectGarbage, LoadMeter } from './load-meter.ts';
import type {
  MediaErrorCode,
  MediaEvent,
  MemberSettings,
  PlaybackResult,
  RecordTarget,
  SessionFigures,
  SessionSpec,
  WorkerRequest,
  WorkerResults,
  WorkerStats,
} from './messages.ts';
import type { ThreadPriority } from './thread-priority.ts';

/**
 * Opens a WebRTC transport; werift is loaded on the first WebRTC session only, so workers that never carry
 * one do not pay for it.
 */
async function openWebRtc(
  localAddress: string,
  port: number,
  webrtc: NonNullable<SessionSpec['webrtc']>,
): ReturnType<typeof WebRtcTransport.open> {
  const { WebRtcTransport } = await import('../webrtc/webrtc-transport.ts');
  return WebRtcTransport.open({
    localAddress,
    port,
    ...(webrtc.remoteSdp !== undefined ? { remoteSdp: webrtc.remoteSdp } : {}),
    ...(webrtc.iceServers ? { iceServers: webrtc.iceServers } : {}),
    ...(webrtc.advertisedAddress ? { advertisedAddress: webrtc.advertisedAddress } : {}),
  });
}

/** An error with a stable code, thrown by handlers and turned into an error response. */
export class MediaError extends Error {
  readonly code: MediaErrorCode;
  constructor(code: MediaErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

interface Playback {
  player: Player;
  resolve(result: PlaybackResult): void;
}

interface SessionEntry {
  session: RtpSession;
  transport: UdpTransport | WebRtcTransport;
  roomId: string | undefined;
  /** A prompt playing to this session (takes over its output). */
  prompt: Playback | undefined;
  /** A request to play that is still loading its files; a stop or a newer play cancels it. */
  loading: { cancelled: boolean; resolve(result: PlaybackResult): void } | undefined;
  /** Music on hold while in a room (takes over the room's output, below a prompt). */
  hold: Player | undefined;
  holdFile: string | undefined;
  recorders: Set<string>;
}

interface RoomEntry {
  mixer: ConferenceMixer;
  recorders: Set<string>;
}

interface RecordingEntry {
  recorder: WavRecorder;
  target: RecordTarget;
}

export interface MediaRuntimeOptions {
  workerId?: number;
  /** Tick period, default 20 ms. */
  frameMs?: number;
  /** The scheduling priority this runtime's thread runs at (thread-priority.ts), for its stats. */
  priority?: ThreadPriority;
}

/** One worker's media runtime (see file comment). */
export class MediaRuntime {
  readonly workerId: number;
  readonly priority: ThreadPriority;
  onEvent: (event: MediaEvent) => void = () => {};
  #sessions = new Map<string, SessionEntry>();
  #rooms = new Map<string, RoomEntry>();
  #recordings = new Map<string, RecordingEntry>();
  #prompts = new PromptCache();
  #clock: MediaClock;
  #frameMs: number;
  #load = new LoadMeter();
  #packets = 0;
  /** Every 16th packet checks whether a tick is due (see MediaClock.poll). */
  #onPacket = (): void => {
    if ((++this.#packets & 15) === 0) this.#clock.poll();
  };
  #closed = false;
  /** Undoes `receiveNativeOnTick` (the runtime reads its native sockets at each tick, see #tick). */
  #stopTickReading: () => void;

  constructor(options: MediaRuntimeOptions = {}) {
    this.workerId = options.workerId ?? 0;
    this.priority = options.priority ?? 'normal';
    this.#frameMs = options.frameMs ?? 20;
    this.#clock = new MediaClock(() => this.#tick(), { periodMs: this.#frameMs });
    this.#stopTickReading = receiveNativeOnTick();
  }

  /** Runs one request; rejects with a `MediaError` for the caller's mistakes. */
  async handle<R extends WorkerRequest>(req: R): Promise<WorkerResults[R['op']]> {
    if (this.#closed && req.op !== 'shutdown')
      throw new MediaError('closed', 'the media worker is shut down');
    return (await this.#dispatch(req)) as WorkerResults[R['op']];
  }

  async #dispatch(req: WorkerRequest): Promise<unknown> {
    switch (req.op) {
      case 'open-session':
        return this.#openSession(req.spec);
      case 'set-remote': {
        const e = this.#session(req.sessionId);
        // WebRTC finds its peer through ICE: there is no remote to set.
        if (e.transport instanceof UdpTransport) e.transport.setRemote(req.remote ?? undefined);
        return undefined;
      }
      case 'webrtc-answer': {
        const t = this.#session(req.sessionId).transport;
        if (t instanceof UdpTransport)
          throw new MediaError('bad-request', `session ${req.sessionId} is not WebRTC`);
        const failed = await t.acceptAnswer(req.sdp);
        if (failed) throw new MediaError('bad-request', `${failed.code}: ${failed.message}`);
        return undefined;
      }
      case 'warm-webrtc': {
        const { WebRtcTransport } = await import('../webrtc/webrtc-transport.ts');
        await WebRtcTransport.warmUp();
        return undefined;
      }
      case 'play':
        return this.#play(req.sessionId, req.files, req.loop, req.interruptOnDigit);
      case 'stop-playback':
        this.#stopPlayback(this.#session(req.sessionId));
        return undefined;
      case 'play-room':
        return this.#playToRoom(req.roomId, req.files);
      case 'send-digits': {
        const e = this.#session(req.sessionId);
        if (!e.session.sendDigits(req.digits, req.durationMs)) {
          throw new MediaError('no-telephone-event', 'no telephone-event format was negotiated');
        }
        return undefined;
      }
      case 'create-room':
        if (this.#rooms.has(req.roomId)) throw new MediaError('room-exists', `room ${req.roomId} exists`);
        this.#createRoom(req.roomId);
        return undefined;
      case 'join':
        await this.#join(req.roomId, req.sessionId, req.member);
        return undefined;
      case 'leave':
        this.#leave(req.roomId, req.sessionId);
        return undefined;
      case 'set-member':
        await this.#setMember(req.roomId, req.sessionId, req.member);
        return undefined;
      case 'record':
        await this.#record(req.recordingId, req.file, req.target);
        return undefined;
      case 'stop-recording':
        return this.#stopRecording(req.recordingId);
      case 'close-session':
        this.#sessions.get(req.sessionId)?.session.close('closed by request');
        return undefined;
      case 'detach-session':
        return this.#detach(req.sessionId);
      case 'close-room':
        await this.#closeRoom(req.roomId);
        return undefined;
      case 'stats': {
        if (req.collectGarbage) collectGarbage();
        const stats = this.stats(req.perSession ?? false);
        if (req.resetClock) this.#clock.resetStats();
        return stats;
      }
      case 'shutdown':
        await this.close();
        return undefined;
      default:
        throw new MediaError('bad-request', `unknown request ${(req as { op: string }).op}`);
    }
  }

  #session(id: string): SessionEntry {
    const e = this.#sessions.get(id);
    if (!e) throw new MediaError('no-such-session', `no session ${id}`);
    return e;
  }

  #room(id: string): RoomEntry {
    const r = this.#rooms.get(id);
    if (!r) throw new MediaError('no-such-room', `no room ${id}`);
    return r;
  }

  #emit(event: MediaEvent): void {
    try {
      this.onEvent(event);
    } catch {
      // The channel's failure is not the media path's.
    }
  }

  async #openSession(
    spec: Extract<WorkerRequest, { op: 'open-session' }>['spec'],
  ): Promise<WorkerResults['open-session']> {
    if (this.#sessions.has(spec.sessionId))
      throw new MediaError('bad-request', `session ${spec.sessionId} exists`);
    const factory = getCodecFactory(spec.codec.name, spec.codec.clockRate);
    if (!factory) {
      throw new MediaError(
        'unsupported-codec',
        `${spec.codec.name}/${spec.codec.clockRate} is not supported`,
      );
    }
    const opened = spec.webrtc
      ? await openWebRtc(spec.localAddress, spec.port, spec.webrtc)
      : await UdpTransport.open({
          localAddress: spec.localAddress,
          port: spec.port,
          rtcpMux: spec.rtcpMux,
          ...(spec.remote ? { remote: spec.remote } : {}),
        });
    if ('error' in opened) {
      throw new MediaError(
        opened.error === 'bad-offer' ? 'bad-request' : 'bind-failed',
        `${opened.code}: ${opened.message}`,
      );
    }
    const id = spec.sessionId;
    const session = new RtpSession(
      {
        id,
        codec: spec.codec,
        ...(spec.telephoneEvent ? { telephoneEvent: spec.telephoneEvent } : {}),
        ...(spec.inbandDtmf ? { inbandDtmf: true } : {}),
        ...(spec.rtpTimeoutMs !== undefined ? { rtpTimeoutMs: spec.rtpTimeoutMs } : {}),
        frameMs: this.#frameMs,
      },
      factory,
      opened,
      {
        digit: (d) => {
          this.#emit({ type: 'digit', sessionId: id, ...d, at: Date.now() });
          const e = this.#sessions.get(id);
          if (e?.prompt?.player.interruptOnDigit) this.#finishPrompt(e, 'interrupted');
        },
        rtpTimeout: () => this.#emit({ type: 'rtp-timeout', sessionId: id }),
        // Native UDP sockets are read at the tick itself (receiveNativeOnTick): polling the clock from their
        // packets would find it running already.
        ...(opened instanceof UdpTransport && opened.path === 'native' ? {} : { packet: this.#onPacket }),
        closed: (reason) => this.#onSessionClosed(id, reason),
      },
      { nowMs: performance.now() },
    );
    if (spec.outgoing) session.restoreOutgoingState(spec.outgoing);
    this.#sessions.set(id, {
      session,
      transport: opened,
      roomId: undefined,
      prompt: undefined,
      loading: undefined,
      hold: undefined,
      holdFile: undefined,
      recorders: new Set(),
    });
    this.#clock.start();
    return opened.kind === 'webrtc'
      ? { localPort: opened.port, webrtc: opened.local }
      : { localPort: opened.port };
  }

  /** A session ended (by request, socket failure or detach): it leaves its room, its players stop. */
  #onSessionClosed(id: string, reason: string, silent = false): void {
    const e = this.#sessions.get(id);
    if (!e) return;
    this.#sessions.delete(id);
    if (e.roomId) this.#rooms.get(e.roomId)?.mixer.remove(id);
    this.#stopPlayback(e);
    e.hold = undefined;
    for (const rid of e.recorders) void this.#stopRecording(rid).catch(() => {});
    if (!silent) this.#emit({ type: 'session-closed', sessionId: id, reason });
  }

  #detach(id: string): Extract<WorkerRequest, { op: 'open-session' }>['spec'] {
    const e = this.#session(id);
    const t = e.transport;
    // ICE and DTLS state live in this thread's objects and its socket: they cannot move.
    if (!(t instanceof UdpTransport)) {
      throw new MediaError('bad-request', `session ${id} is WebRTC and cannot move to another worker`);
    }
    const spec = {
      sessionId: id,
      localAddress: t.localAddress,
      port: t.port,
      rtcpMux: t.rtcpMux,
      codec: e.session.config.codec,
      outgoing: e.session.outgoingState(),
      ...(e.session.config.telephoneEvent ? { telephoneEvent: e.session.config.telephoneEvent } : {}),
      ...(e.session.config.inbandDtmf ? { inbandDtmf: true } : {}),
      ...(e.session.config.rtpTimeoutMs !== undefined ? { rtpTimeoutMs: e.session.config.rtpTimeoutMs } : {}),
    };
    const remote = t.destination();
    // Closing the session reports through `closed`; mark it detached first so no event leaves.
    this.#onSessionClosed(id, 'moved', true);
    e.session.close('moved');
    return remote ? { ...spec, remote } : spec;
  }

  async #play(
    id: string,
    files: string[],
    loop: boolean,
    interruptOnDigit: boolean,
  ): Promise<PlaybackResult> {
    const e = this.#session(id);
    // A new play replaces whatever was playing or loading.
    this.#stopPlayback(e);
    const loading = { cancelled: false, resolve: (_: PlaybackResult) => {} };
    const cancelled = new Promise<PlaybackResult>((resolve) => {
      loading.resolve = resolve;
    });
    e.loading = loading;
    const rate = e.session.sampleRate;
    const loaded = await Promise.race([Promise.all(files.map((f) => this.#prompts.get(f, rate))), cancelled]);
    if (typeof loaded === 'string' || loading.cancelled) return 'interrupted';
    e.loading = undefined;
    const bad = loaded.find(isPromptError);
    if (bad && isPromptError(bad)) throw new MediaError('bad-prompt', `${bad.file}: ${bad.message}`);
    if (!this.#sessions.has(id)) return 'interrupted';
    return new Promise<PlaybackResult>((resolve) => {
      e.prompt = {
        player: new Player(loaded as Int16Array[], e.session.frameSamples, { loop, interruptOnDigit }),
        resolve,
      };
    });
  }

  /** Plays prompts into a room's mix (mixed once, heard by every member that hears the room). */
  async #playToRoom(roomId: string, files: string[]): Promise<PlaybackResult> {
    const room = this.#room(roomId);
    const rate = room.mixer.internalRate;
    const loaded = await Promise.all(files.map((f) => this.#prompts.get(f, rate)));
    const bad = loaded.find(isPromptError);
    if (bad && isPromptError(bad)) throw new MediaError('bad-prompt', `${bad.file}: ${bad.message}`);
    const parts = loaded as Int16Array[];
    const pcm = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      pcm.set(p, at);
      at += p.length;
    }
    // The room may have closed while the files loaded.
    if (this.#rooms.get(roomId) !== room) return 'interrupted';
    return new Promise((resolve) => room.mixer.playToRoom(pcm, rate, resolve));
  }

  #finishPrompt(e: SessionEntry, result: PlaybackResult): void {
    const p = e.prompt;
    if (!p) return;
    e.prompt = undefined;
    p.player.stop();
    p.resolve(result);
  }

  #stopPlayback(e: SessionEntry): void {
    if (e.loading) {
      e.loading.cancelled = true;
      e.loading.resolve('interrupted');
      e.loading = undefined;
    }
    this.#finishPrompt(e, 'interrupted');
  }

  #createRoom(roomId: string): RoomEntry {
    const room: RoomEntry = {
      mixer: new ConferenceMixer(roomId, {
        frameMs: this.#frameMs,
        events: {
          talking: (sessionId, levelDb) => this.#emit({ type: 'talking', roomId, sessionId, levelDb }),
          silent: (sessionId, levelDb) => this.#emit({ type: 'silent', roomId, sessionId, levelDb }),
        },
      }),
      recorders: new Set(),
    };
    this.#rooms.set(roomId, room);
    this.#clock.start();
    return room;
  }

  async #join(roomId: string, sessionId: string, member: MemberSettings): Promise<void> {
    const room = this.#room(roomId);
    const e = this.#session(sessionId);
    if (e.roomId && e.roomId !== roomId) this.#leave(e.roomId, sessionId);
    e.roomId = roomId;
    // A prompt or music on hold takes the member's output over: the room sends it nothing meanwhile.
    room.mixer.add(e.session, {
      ...member,
      overridden: () => e.prompt !== undefined || e.hold !== undefined,
    });
    await this.#setHold(e, member.hold);
  }

  #leave(roomId: string, sessionId: string): void {
    const room = this.#room(roomId);
    const e = this.#session(sessionId);
    if (e.roomId !== roomId)
      throw new MediaError('not-in-room', `session ${sessionId} is not in room ${roomId}`);
    room.mixer.remove(sessionId);
    e.roomId = undefined;
    e.hold = undefined;
    e.holdFile = undefined;
  }

  async #setMember(roomId: string, sessionId: string, member: MemberSettings): Promise<void> {
    const room = this.#room(roomId);
    const e = this.#session(sessionId);
    if (e.roomId !== roomId)
      throw new MediaError('not-in-room', `session ${sessionId} is not in room ${roomId}`);
    room.mixer.set(sessionId, member);
    await this.#setHold(e, member.hold);
  }

  async #setHold(e: SessionEntry, hold: string | null | undefined): Promise<void> {
    if (hold === undefined) return;
    if (hold === null) {
      e.hold = undefined;
      e.holdFile = undefined;
      return;
    }
    if (hold === e.holdFile && e.hold) return;
    const pcm = await this.#prompts.get(hold, e.session.sampleRate);
    if (isPromptError(pcm)) throw new MediaError('bad-prompt', `${pcm.file}: ${pcm.message}`);
    e.hold = new Player([pcm], e.session.frameSamples, { loop: true });
    e.holdFile = hold;
  }

  async #closeRoom(roomId: string): Promise<void> {
    const room = this.#rooms.get(roomId);
    if (!room) return;
    this.#rooms.delete(roomId);
    for (const id of room.mixer.memberIds()) {
      const e = this.#sessions.get(id);
      if (e) {
        e.roomId = undefined;
        e.hold = undefined;
        e.holdFile = undefined;
      }
    }
    room.mixer.close();
    await Promise.all([...room.recorders].map((rid) => this.#stopRecording(rid).catch(() => {})));
  }

  async #record(recordingId: string, file: string, target: RecordTarget): Promise<void> {
    if (this.#recordings.has(recordingId))
      throw new MediaError('bad-request', `recording ${recordingId} exists`);
    const owner = 'sessionId' in target ? this.#session(target.sessionId) : this.#room(target.roomId);
    const rate =
      'sessionId' in target
        ? (owner as SessionEntry).session.sampleRate
        : (owner as RoomEntry).mixer.internalRate;
    let recorder: WavRecorder;
    try {
      recorder = await WavRecorder.open(file, rate);
    } catch (err) {
      throw new MediaError('record-failed', (err as Error).message);
    }
    this.#recordings.set(recordingId, { recorder, target });
    owner.recorders.add(recordingId);
    // A room hands its mix over only while it is being recorded.
    if ('roomId' in target) {
      const room = owner as RoomEntry;
      room.mixer.onMix ??= (pcm, rate) => this.#recordRoom(room, pcm, rate);
    }
  }

  async #stopRecording(recordingId: string): Promise<WorkerResults['stop-recording']> {
    const r = this.#recordings.get(recordingId);
    if (!r) throw new MediaError('no-such-recording', `no recording ${recordingId}`);
    this.#recordings.delete(recordingId);
    if ('sessionId' in r.target) this.#sessions.get(r.target.sessionId)?.recorders.delete(recordingId);
    else {
      const room = this.#rooms.get(r.target.roomId);
      room?.recorders.delete(recordingId);
      if (room?.recorders.size === 0) room.mixer.onMix = undefined;
    }
    return r.recorder.close();
  }

  #recordRoom(room: RoomEntry, pcm: Int16Array, rate: number): void {
    for (const rid of room.recorders) {
      const r = this.#recordings.get(rid);
      if (!r) continue;
      // The room's rate changes when a wideband member joins or the last one leaves.
      r.recorder.write(r.recorder.sampleRate === rate ? pcm : resample(pcm, rate, r.recorder.sampleRate));
    }
  }

  #tick(): void {
    // Everything received since the last tick, read in one go (the native sockets are not polled between
    // ticks: see receiveNativeOnTick); each packet keeps its arrival time.
    drainNativeDatagrams();
    const started = performance.now();
    const sentBefore = nativeSendMs();
    // Room by room: each room pulls its members as it mixes them (their state is then read while still
    // in cache); sessions in no room are pulled below, before their prompts.
    for (const room of this.#rooms.values()) room.mixer.mix(started);
    for (const e of this.#sessions.values()) {
      if (e.session.pulledAt !== started) e.session.pull(started);
      if (e.prompt) {
        const frame = e.prompt.player.read();
        if (frame) e.session.sendPcm(frame);
        else this.#finishPrompt(e, 'done');
      }
      if (!e.prompt && e.hold) {
        const frame = e.hold.read();
        if (frame) e.session.sendPcm(frame);
      }
      if (e.recorders.size) {
        for (const rid of e.recorders) {
          const r = this.#recordings.get(rid)?.recorder;
          if (!r) continue;
          if (e.session.frame) r.write(e.session.frame);
          else r.writeSilence(e.session.frameSamples);
        }
      }
    }
    // This tick's packets leave now, in one batch (native UDP path; dgram sent them one by one already).
    // A full batch may have left during the mix already: the send time is the native path's own count.
    flushNativeDatagrams();
    this.#load.addTick(performance.now() - started, nativeSendMs() - sentBefore);
  }

  /** Figures for the engine's `stats()`; load figures cover the time since the previous call. */
  stats(perSession = false): WorkerStats {
    const load = this.#load.read();
    const totals = {
      packetsReceived: 0,
      packetsSent: 0,
      malformed: 0,
      droppedForeignSource: 0,
      droppedOversized: 0,
      unknownPayloadType: 0,
      framesPlayed: 0,
      framesConcealed: 0,
      framesIdle: 0,
      late: 0,
      digits: 0,
    };
    const list: SessionFigures[] = [];
    for (const [id, e] of this.#sessions) {
      const s = e.session.stats();
      const f: SessionFigures = {
        sessionId: id,
        codec: s.codec,
        localPort: e.transport.port,
        packetsReceived: s.packetsReceived,
        packetsSent: s.packetsSent,
        malformed: s.malformed,
        droppedForeignSource: s.transport.droppedForeignSource,
        droppedOversized: s.transport.droppedOversized,
        unknownPayloadType: s.unknownPayloadType,
        framesPlayed: s.framesPlayed,
        framesConcealed: s.framesConcealed,
        framesIdle: s.framesIdle,
        late: s.jitter.late,
        digits: s.digits,
        latched: e.transport instanceof UdpTransport ? e.transport.latch().latched : e.transport.connected,
      };
      if (e.roomId) f.roomId = e.roomId;
      for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += f[k];
      if (perSession) list.push(f);
    }
    const mem = process.memoryUsage();
    const out: WorkerStats = {
      workerId: this.workerId,
      priority: this.priority,
      sessions: this.#sessions.size,
      rooms: this.#rooms.size,
      clock: this.#clock.stats(),
      ...load,
      memory: { heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers },
      totals,
    };
    if (perSession) out.perSession = list;
    return out;
  }

  /** Resets the clock's lateness figures (benchmarks, between steps). */
  resetClockStats(): void {
    this.#clock.resetStats();
  }

  /** Closes every room and session, stops the clock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#rooms.keys()]) await this.#closeRoom(id);
    for (const e of [...this.#sessions.values()]) e.session.close('shutdown');
    await Promise.all([...this.#recordings.keys()].map((rid) => this.#stopRecording(rid).catch(() => {})));
    this.#clock.stop();
    this.#stopTickReading();
    this.#prompts.clear();
  }
}
