/**
 * The PBX: calls, conference rooms and trunk registrations over the SIP server and the media engine,
 * reading the applied configuration. The composition root builds one and adapts it to the API's
 * `PbxPort`; this file knows nothing of HTTP.
 */
import type { Logger } from 'pino';
import { type SoundName, soundPath } from '../../prompts/index.ts';
import type { MediaEngine } from '../media/index.ts';
import type { SipStack } from '../sip/stack.ts';
import type { CallSummary } from './call/call.ts';
import { CallManager } from './call/call-manager.ts';
import { type CallConfig, type CallEventSink, conferenceAffinity } from './call/call-services.ts';
import { webRtcAnswerer } from './call/webrtc-media.ts';
import type { ConferenceEventSink, Participant } from './conference/conference-events.ts';
import { ConferenceManager } from './conference/conference-manager.ts';
import { engineRoomMedia } from './conference/engine-room-media.ts';
import type { SipServer } from './sip-server.ts';
import { type RegistrationStatus, TrunkRegistration } from './trunk/trunk-registration.ts';

export interface PbxOptions {
  stack: SipStack;
  sipServer: SipServer;
  engine: MediaEngine;
  /** The applied configuration right now. */
  config: () => CallConfig;
  mediaAddress: string;
  domain: string;
  logger: Logger;
  events: (type: string, data: object) => void;
  record: (summary: CallSummary) => void;
  language?: string;
  ringTimeoutMs?: number;
}

export class Pbx {
  readonly rooms: ConferenceManager;
  readonly calls: CallManager;
  readonly #trunks = new Map<string, { key: string; registration: TrunkRegistration }>();
  readonly #options: PbxOptions;
  readonly #unsubscribe: Array<() => void> = [];
  #roomSeq = 0;

  constructor(options: PbxOptions) {
    this.#options = options;
    const { engine, logger } = options;
    const emit = options.events as ConferenceEventSink & CallEventSink;
    const soundFile = (name: SoundName) => soundPath(options.language, name);
    this.rooms = new ConferenceManager({
      createMedia: (conference) =>
        engineRoomMedia({
          engine,
          roomId: `conference:${conference.id}:${++this.#roomSeq}`,
          soundFile,
          affinity: conferenceAffinity(conference.id),
        }),
      events: emit,
      onError: (err) => logger.warn({ err }, 'conference room error'),
    });
    this.calls = new CallManager({
      stack: options.stack,
      engine,
      rooms: this.rooms,
      lookup: (ext) => options.sipServer.registrar.lookup(ext),
      config: options.config,
      mediaAddress: options.mediaAddress,
      domain: options.domain,
      logger,
      events: emit,
      record: options.record,
      ringTimeoutMs: options.ringTimeoutMs ?? 30_000,
      ...(options.language ? { language: options.language } : {}),
    });
    // Browser offers (DTLS-SRTP) are answered over WebRTC; everything else over plain RTP.
    this.calls.answerers.push(webRtcAnswerer());
    options.sipServer.onCall = this.calls.onCall;
    options.sipServer.onUnauthenticatedInvite = this.calls.onUnauthenticatedInvite;
    options.sipServer.onDialogRequest = this.calls.onDialogRequest;
    this.#unsubscribe.push(
      engine.on('talking', (e) => this.rooms.talking(e.sessionId, true)),
      engine.on('silent', (e) => this.rooms.talking(e.sessionId, false)),
      engine.on('rtp-timeout', (e) => this.calls.rtpTimeout(e.sessionId)),
    );
    this.#syncTrunks();
  }

  /** A new configuration was applied: rooms take their new settings, trunk registrations follow. */
  async applied(): Promise<void> {
    this.#syncTrunks();
    await this.rooms.apply(this.#options.config().conferencesById);
  }

  participants(conferenceId: string): Participant[] {
    return this.rooms.participants(conferenceId);
  }

  trunkStatus(trunkId: string): RegistrationStatus | undefined {
    return this.#trunks.get(trunkId)?.registration.status;
  }

  /** Refuses new calls, lets calls in progress go on up to `graceMs`, then hangs up the rest. */
  async shutdown(graceMs: number): Promise<void> {
    this.calls.shutdown();
    const deadline = Date.now() + graceMs;
    while (this.calls.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    this.calls.close();
    this.rooms.close();
    for (const off of this.#unsubscribe.splice(0)) off();
    await Promise.all([...this.#trunks.values()].map((t) => t.registration.close()));
    this.#trunks.clear();
  }

  #syncTrunks(): void {
    const wanted = new Map<string, string>();
    for (const t of this.#options.config().trunksById.values()) {
      if (t.register) wanted.set(t.id, JSON.stringify([t.host, t.port, t.transport, t.username, t.password]));
    }
    for (const [id, t] of this.#trunks) {
      if (wanted.get(id) !== t.key) {
        void t.registration.close();
        this.#trunks.delete(id);
      }
    }
    for (const [id, key] of wanted) {
      if (this.#trunks.has(id)) continue;
      const trunk = this.#options.config().trunksById.get(id)!;
      const registration = new TrunkRegistration(this.#options.stack, trunk, (status) =>
        this.#options.events('trunk.registration', {
          trunkId: id,
          state: status.state === 'stopped' ? 'unregistered' : status.state,
          ...(status.lastError ? { detail: status.lastError } : {}),
        }),
      );
      this.#trunks.set(id, { key, registration });
      registration.start();
    }
  }
}
