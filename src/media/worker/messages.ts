/**
 * The typed channel between the main thread's MediaEngine and its media workers: discriminated unions both
 * ways. The main thread sends `{ kind: 'request', reqId, request }`; the worker answers each with one
 * `{ kind: 'response', reqId, ok, … }` and sends `{ kind: 'event', event }` whenever something happens.
 * Everything here is structured-clone safe (plain objects, strings, numbers).
 */

import type { CodecSpec, TelephoneEventSpec } from '../session/rtp-session.ts';
import type { WebRtcLocalParameters } from '../webrtc/local-parameters.ts';
import type { MediaClockStats } from './clock.ts';
import type { ThreadPriority } from './thread-priority.ts';

/** An address and port pair (the remote's RTP port; RTCP is port + 1 unless muxed). */
export interface Endpoint {
  address: string;
  port: number;
}

/** The negotiated formats, as the session takes them. */
export type { CodecSpec, TelephoneEventSpec } from '../session/rtp-session.ts';

/** The outgoing RTP stream's identity, carried along when a session moves to another worker. */
export interface OutgoingStreamState {
  ssrc: number;
  seq: number;
  tsBase: number;
  tick: number;
}

/** Everything a worker needs to open (or re-open) a session on a port the engine reserved. */
export interface SessionSpec {
  sessionId: string;
  localAddress: string;
  port: number;
  rtcpMux: boolean;
  codec: CodecSpec;
  telephoneEvent?: TelephoneEventSpec;
  remote?: Endpoint;
  inbandDtmf?: boolean;
  rtpTimeoutMs?: number;
  /** Present when the session moves from another worker. */
  outgoing?: OutgoingStreamState;
  /** Carry the session over WebRTC (ICE-lite + DTLS-SRTP, media/webrtc/) instead of plain UDP. */
  webrtc?: WebRtcSessionSpec;
}

/**
 * A WebRTC session: the peer's offer (absent: Parley offers, the answer follows with `webrtc-answer`), and
 * optionally ICE servers (none by default) and a public address.
 */
export interface WebRtcSessionSpec {
  remoteSdp?: string;
  iceServers?: Array<{ urls: string | string[]; username?: string; credential?: string }>;
  /** Address for the host candidate when it differs from `localAddress` (the public address). */
  advertisedAddress?: string;
}

/** A member's settings in a room. `hold`: a file looped to the member instead of the room (null: off). */
export interface MemberSettings {
  muted?: boolean;
  deaf?: boolean;
  gain?: number;
  hold?: string | null;
}

/** Requests from the main thread to a worker. */
export type WorkerRequest =
  | { op: 'open-session'; spec: SessionSpec }
  | { op: 'set-remote'; sessionId: string; remote: Endpoint | null }
  | { op: 'webrtc-answer'; sessionId: string; sdp: string }
  | { op: 'warm-webrtc' }
  | {
      op: 'play';
      sessionId: string;
      files: string[];
      loop: boolean;
      interruptOnDigit: boolean;
    }
  | { op: 'stop-playback'; sessionId: string }
  /** Prompts mixed once into a room, heard by every member that hears the room. */
  | { op: 'play-room'; roomId: string; files: string[] }
  | { op: 'send-digits'; sessionId: string; digits: string; durationMs?: number }
  | { op: 'create-room'; roomId: string }
  | { op: 'join'; roomId: string; sessionId: string; member: MemberSettings }
  | { op: 'leave'; roomId: string; sessionId: string }
  | { op: 'set-member'; roomId: string; sessionId: string; member: MemberSettings }
  | { op: 'record'; recordingId: string; file: string; target: RecordTarget }
  | { op: 'stop-recording'; recordingId: string }
  | { op: 'close-session'; sessionId: string }
  | { op: 'detach-session'; sessionId: string }
  | { op: 'close-room'; roomId: string }
  | {
      op: 'stats';
      perSession?: boolean;
      /** Start the clock's lateness figures afresh after reading them. */
      resetClock?: boolean;
      /** Run a full garbage collection first (memory figures for benchmarks). */
      collectGarbage?: boolean;
    }
  | { op: 'shutdown' };

/** What to record: one member's audio (what it says) or a room's mix. */
export type RecordTarget = { sessionId: string } | { roomId: string };

/** How a playback ended. */
export type PlaybackResult = 'done' | 'interrupted';

/** A recording's outcome. */
export interface RecordingSummary {
  file: string;
  sampleRate: number;
  samples: number;
  durationMs: number;
  error?: string;
}

/** Per-session figures as the worker reports them. */
export interface SessionFigures {
  sessionId: string;
  roomId?: string;
  codec: string;
  localPort: number;
  packetsReceived: number;
  packetsSent: number;
  malformed: number;
  droppedForeignSource: number;
  droppedOversized: number;
  unknownPayloadType: number;
  framesPlayed: number;
  framesConcealed: number;
  framesIdle: number;
  late: number;
  digits: number;
  latched: boolean;
}

/** What a worker reports for `stats`. */
export interface WorkerStats {
  workerId: number;
  /** The scheduling priority the worker's thread got (thread-priority.ts); `normal` on the calling thread. */
  priority: ThreadPriority;
  sessions: number;
  rooms: number;
  clock: MediaClockStats;
  /** Time spent in ticks (the media work itself) as a share of wall time since the last stats call. */
  tickLoad: number;
  /** The part of `tickLoad` spent sending the ticks' packets (the native path's batched sends). */
  sendLoad: number;
  /** Event-loop utilisation of the worker thread since the last stats call (0..1; counts time the thread
   * was runnable but not scheduled, so it reads high on a crowded machine). */
  utilization: number;
  /** CPU time of the worker thread itself (user + system) per wall time since the last stats call. */
  cpu: number;
  memory: { heapUsed: number; external: number; arrayBuffers: number };
  totals: Omit<SessionFigures, 'sessionId' | 'roomId' | 'codec' | 'localPort' | 'latched'>;
  perSession?: SessionFigures[];
}

/** The result type of each request. */
export interface WorkerResults {
  /** `webrtc`: what the SDP answer must carry (ICE credentials, fingerprint, setup, candidates). */
  'open-session': { localPort: number; webrtc?: WebRtcLocalParameters };
  'set-remote': undefined;
  'webrtc-answer': undefined;
  'warm-webrtc': undefined;
  play: PlaybackResult;
  'stop-playback': undefined;
  'play-room': PlaybackResult;
  'send-digits': undefined;
  'create-room': undefined;
  join: undefined;
  leave: undefined;
  'set-member': undefined;
  record: undefined;
  'stop-recording': RecordingSummary;
  'close-session': undefined;
  'detach-session': SessionSpec;
  'close-room': undefined;
  stats: WorkerStats;
  shutdown: undefined;
}

/** Stable error codes of the media engine. */
export type MediaErrorCode =
  | 'bind-failed'
  | 'no-ports'
  | 'unsupported-codec'
  | 'no-such-session'
  | 'no-such-room'
  | 'no-such-recording'
  | 'room-exists'
  | 'not-in-room'
  | 'no-telephone-event'
  | 'bad-prompt'
  | 'record-failed'
  | 'worker-failed'
  | 'closed'
  | 'bad-request';

/** An error as it crosses the channel. */
export interface MediaErrorInfo {
  code: MediaErrorCode;
  message: string;
}

/** Events from workers (and from the engine itself). */
export type MediaEvent =
  | {
      type: 'digit';
      sessionId: string;
      digit: string;
      durationMs: number;
      /** RTP timestamp of the event (RFC 4733) or sample index (in-band), as the detector gave it. */
      timestamp: number;
      source: 'rfc4733' | 'inband' | 'info';
      /** Wall-clock time (ms since the epoch) the digit was reported. */
      at: number;
    }
  | { type: 'talking'; roomId: string; sessionId: string; levelDb: number }
  | { type: 'silent'; roomId: string; sessionId: string; levelDb: number }
  | { type: 'rtp-timeout'; sessionId: string }
  | { type: 'session-closed'; sessionId: string; reason: string };

/** Main thread → worker. */
export interface RequestEnvelope {
  kind: 'request';
  reqId: number;
  request: WorkerRequest;
}

/** Worker → main thread. */
export type WorkerMessage =
  | { kind: 'response'; reqId: number; ok: true; result: unknown }
  | { kind: 'response'; reqId: number; ok: false; error: MediaErrorInfo }
  | { kind: 'event'; event: MediaEvent }
  | { kind: 'ready'; workerId: number };

/**
 * Either way, the messages of one event-loop turn go as one post (in order): a post wakes the other
 * thread, and call setups issue their requests (and get their answers) a few at a time.
 */
export interface RequestBatch {
  kind: 'batch';
  messages: RequestEnvelope[];
}

/** Worker → main thread, several at once (see `RequestBatch`). */
export interface WorkerBatch {
  kind: 'batch';
  messages: WorkerMessage[];
}
