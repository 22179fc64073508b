/**
 * One call's place in a conference room. The room creates and owns it; `close()` (idempotent) takes the
 * member out of the room, as a hang-up or a kick does.
 */
import type { Participant, Role } from './conference-events.ts';

/** What a room needs from a call to seat it. */
export interface MemberCall {
  /** The call's media session id in the engine (what `RoomMedia` is given). */
  mediaId: string;
  /** Display name or number from the caller's From header (or the trunk's caller id). */
  callerId: string;
  /** The extension the caller authenticated as, when it is a Parley user. */
  extension?: string;
  /** Ends the call (kick, a deleted conference, shutdown). The call then closes its member. */
  hangup(reason: string): void;
}

/** `waiting`: parked until the administrator comes; `mixed`: hears and is heard; `left`: gone. */
export type MemberState = 'waiting' | 'mixed' | 'left';

export class ConferenceMember {
  readonly id: string;
  readonly call: MemberCall;
  readonly role: Role;
  readonly joinedAt: Date;
  state: MemberState;
  muted: boolean;
  talking = false;
  readonly #onClose: (member: ConferenceMember) => void;

  constructor(options: {
    id: string;
    call: MemberCall;
    role: Role;
    state: MemberState;
    muted: boolean;
    joinedAt: Date;
    onClose: (member: ConferenceMember) => void;
  }) {
    this.id = options.id;
    this.call = options.call;
    this.role = options.role;
    this.state = options.state;
    this.muted = options.muted;
    this.joinedAt = options.joinedAt;
    this.#onClose = options.onClose;
  }

  get mediaId(): string {
    return this.call.mediaId;
  }

  get closed(): boolean {
    return this.state === 'left';
  }

  /** Leaves the room. Idempotent. */
  close(): void {
    if (this.state === 'left') return;
    this.#onClose(this);
  }

  toParticipant(): Participant {
    const p: Participant = {
      id: this.id,
      callerId: this.call.callerId,
      role: this.role,
      muted: this.muted,
      talking: this.talking,
      waiting: this.state === 'waiting',
      joinedAt: this.joinedAt.toISOString(),
    };
    if (this.call.extension !== undefined) p.extension = this.call.extension;
    return p;
  }
}
