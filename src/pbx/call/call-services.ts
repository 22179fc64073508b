/**
 * What the call layer's parts share: the SIP stack, the media engine, the rooms, the registrar's lookup,
 * the live configuration and where events and call records go. Built once by the call manager.
 */
import type { Logger } from 'pino';
import type { MediaEngine } from '../../media/index.ts';
import type { SipStack, SipTarget } from '../../sip/stack.ts';
import type { ConferenceManager } from '../conference/conference-manager.ts';
import type { Binding } from '../registrar/binding.ts';
import type { RoutingConfig } from '../routing/routing-config.ts';
import type { CallSummary } from './call.ts';
import { CallMedia, type MediaFailure } from './call-media.ts';
import type { LegHandlers } from './sip-leg.ts';
import { isWebSocketTarget, offerWebRtc } from './webrtc-media.ts';

/** A trunk as the call layer needs it (the store's `Trunk`). */
export interface TrunkSettings {
  id: string;
  name?: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  username?: string;
  password?: string;
  callerId?: string;
  inboundAddresses: readonly string[];
  register?: boolean;
}

/** The live configuration the call layer reads (the store's `LiveConfig` satisfies it). */
export interface CallConfig extends RoutingConfig {
  readonly trunksById: ReadonlyMap<string, TrunkSettings>;
}

/** Events the call layer publishes (names and shapes of the API's event stream). */
export interface CallEventMap {
  'call.started': CallEventData;
  'call.answered': CallEventData;
  'call.ended': CallEventData & { reason?: string };
  'call.failed': CallEventData & { status?: number; reason?: string };
}

export interface CallEventData {
  callId: string;
  from?: string;
  to?: string;
  direction?: 'inbound' | 'outbound' | 'internal';
  conferenceId?: string;
}

export type CallEventSink = <K extends keyof CallEventMap>(type: K, data: CallEventMap[K]) => void;

export interface CallServices {
  stack: SipStack;
  engine: MediaEngine;
  rooms: ConferenceManager;
  /** Current registrations of an extension, best first. */
  lookup(extension: string): Binding[];
  /** The configuration applied right now (read afresh for every call). */
  config(): CallConfig;
  /** Address written in SDP and bound by media sessions. */
  mediaAddress: string;
  domain: string;
  logger: Logger;
  events: CallEventSink;
  /** A finished call, for the call records. */
  record(summary: CallSummary): void;
  language?: string;
  /** How long a callee may ring before we give up (ms). */
  ringTimeoutMs: number;
}

/**
 * Opens media and makes our offer for an outgoing leg: over WebRTC to a contact registered over WebSocket
 * (a browser), plain RTP otherwise. `affinity` keeps the session on the media worker of the room it will
 * join (`conference:<id>`, `call:<id>`).
 */
export function offerFor(
  svc: CallServices,
  target: SipTarget,
  affinity?: string,
): Promise<CallMedia | MediaFailure> {
  const placement = affinity ? { affinity } : {};
  return isWebSocketTarget(target)
    ? offerWebRtc(svc.engine, svc.mediaAddress, placement)
    : CallMedia.offer(svc.engine, svc.mediaAddress, placement);
}

/** The media placement key of a conference's calls and rooms. */
export function conferenceAffinity(conferenceId: string): string {
  return `conference:${conferenceId}`;
}

/** The media placement key of a bridged call's legs and room. */
export function callAffinity(callId: string): string {
  return `call:${callId}`;
}

/**
 * What a leg with its own media session answers in its dialog: re-offers (hold, resume, a new address)
 * from that session, session refreshes with its SDP, and the answer to our offer in an ACK.
 */
export function mediaHandlers(media: CallMedia): LegHandlers {
  return {
    reoffer: (offer) => media.reoffer(offer),
    currentSdp: () => media.localSdp,
    answer: (sdp) => void media.acceptAnswer(sdp),
  };
}

/** Where to send requests to a registered contact: back along the flow it registered on. */
export function bindingTarget(b: Binding): SipTarget {
  const t: SipTarget = {
    transport: b.flow.transport,
    address: b.flow.remoteAddress,
    port: b.flow.remotePort,
  };
  if (b.flow.connectionId) t.connectionId = b.flow.connectionId;
  return t;
}
