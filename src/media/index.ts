/**
 * The media engine's public surface: RTP sessions, prompts, digits, conference rooms and recordings, run in
 * worker threads. Knows nothing of SIP or the PBX.
 */
export {
  type CreatedSession,
  type CreateSessionOptions,
  MediaEngine,
  type MediaEngineOptions,
  type MediaEngineStats,
  type PlaySource,
} from './engine.ts';
export type { PacketSink, PacketTransport, TransportStats } from './session/packet-transport.ts';
export { MediaError } from './worker/media-runtime.ts';
export type {
  CodecSpec,
  Endpoint,
  MediaErrorCode,
  MediaEvent,
  MemberSettings,
  PlaybackResult,
  RecordingSummary,
  RecordTarget,
  TelephoneEventSpec,
  WebRtcSessionSpec,
  WorkerStats,
} from './worker/messages.ts';
