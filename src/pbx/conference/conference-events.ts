/**
 * The live events a room publishes. Names and shapes are those of the API's event stream, so the
 * composition root passes `(type, data) => bus.publish(type, data)`.
 */

/** `participant.joined` and the participant list say who holds which role in a room. */
export type Role = 'admin' | 'participant';

export interface ConferenceEventMap {
  'conference.started': { conferenceId: string; name?: string };
  'conference.ended': { conferenceId: string };
  'participant.joined': {
    conferenceId: string;
    participantId: string;
    callerId?: string;
    extension?: string;
    role?: Role;
  };
  'participant.left': { conferenceId: string; participantId: string };
  'participant.talking': { conferenceId: string; participantId: string; talking: boolean };
  'participant.muted': { conferenceId: string; participantId: string; muted: boolean };
}

export type ConferenceEventType = keyof ConferenceEventMap;

/** Receives every event; its errors are reported and never reach the room. */
export type ConferenceEventSink = <K extends ConferenceEventType>(
  type: K,
  data: ConferenceEventMap[K],
) => void;

/** One member of a running room, as `GET /api/conferences/{id}/participants` lists it. */
export interface Participant {
  id: string;
  callerId: string;
  extension?: string;
  role: Role;
  muted: boolean;
  talking: boolean;
  /** Still waiting for the administrator (hears music, is not heard). */
  waiting: boolean;
  /** ISO 8601. */
  joinedAt: string;
}
