/**
 * What the API needs from the running PBX for live control of rooms. The PBX implements it; the API
 * answers 503 PBX_UNAVAILABLE when none is given (e.g. an API-only process).
 */

/** One member of a running conference, as `GET /api/conferences/{id}/participants` lists it. */
export interface Participant {
  id: string;
  callerId: string;
  extension?: string;
  role: 'admin' | 'participant';
  muted: boolean;
  talking: boolean;
  /** Still waiting for the administrator (hears music, is not heard). */
  waiting?: boolean;
  /** ISO 8601. */
  joinedAt: string;
}

/** A trunk's registration with its provider (RFC 3261 §10), as the PBX sees it. */
export interface TrunkRegistration {
  state: 'registering' | 'registered' | 'failed' | 'unregistered';
  /** e.g. the provider's last failure status: "403 Forbidden". */
  detail?: string;
  /** ISO 8601: when it entered this state. */
  since?: string;
}

/** The reasons a live operation can fail; the API maps each to a status. */
export type PbxErrorCode = 'NOT_FOUND' | 'UNREACHABLE' | 'BUSY' | 'INVALID_DESTINATION' | 'FAILED';

/** Thrown (or rejected) by a PbxPort to say why an operation failed. */
export class PbxPortError extends Error {
  readonly code: PbxErrorCode;
  constructor(code: PbxErrorCode, message: string) {
    super(message);
    this.name = 'PbxPortError';
    this.code = code;
  }
}

export interface PbxPort {
  /** The members of the room running for this conference id: empty when nobody is in it. */
  participants(conferenceId: string): Participant[];
  /**
   * Calls `destination` (an extension or an E.164 number) and puts whoever answers in the room without
   * asking for the access code. Resolves once the call is started, not answered.
   */
  invite(conferenceId: string, destination: string): Promise<{ callId: string }>;
  /** False when there is no such participant. */
  mute(conferenceId: string, participantId: string): boolean | Promise<boolean>;
  unmute(conferenceId: string, participantId: string): boolean | Promise<boolean>;
  /** Hangs up that participant's call. False when there is no such participant. */
  kick(conferenceId: string, participantId: string): boolean | Promise<boolean>;
  /** Optional: a trunk's registration right now (shown with `GET /api/trunks`). */
  trunkStatus?(trunkId: string): TrunkRegistration | undefined;
  /** Optional: stop anyone new from joining (true) or allow again (false). */
  lock?(conferenceId: string, locked: boolean): boolean | Promise<boolean>;
}
