/**
 * The running rooms, by conference id: a room is created on its first join and forgotten (and closed)
 * when its last member leaves. Live control (participants, mute, kick, lock) goes through here.
 *
 * Re-applied configuration (`apply`): a room whose conference still exists takes the new settings (see
 * `ConferenceRoom.update`). A room whose conference was deleted ends: its members hear "Goodbye" and are
 * hung up — an Apply is the administrator saying the room is gone, and no new caller could reach it.
 * Locks are kept per conference id, so a locked conference stays locked while its room is empty.
 */
import type { RoutingConference } from '../routing/routing-config.ts';
import type { ConferenceEventSink, Participant } from './conference-events.ts';
import type { MemberCall } from './conference-member.ts';
import { ConferenceRoom, type JoinResult } from './conference-room.ts';
import type { RoomMedia } from './room-media.ts';

export interface ConferenceManagerOptions {
  /** Makes the media side of a new room (the engine's room, adapted to `RoomMedia`). */
  createMedia: (conference: RoutingConference) => RoomMedia;
  events?: ConferenceEventSink;
  /** Members per room beyond which callers are refused (default: no limit). */
  maxMembersPerRoom?: number;
  onError?: (err: unknown) => void;
}

export class ConferenceManager {
  readonly #options: ConferenceManagerOptions;
  readonly #rooms = new Map<string, ConferenceRoom>();
  readonly #locked = new Set<string>();
  #closed = false;

  constructor(options: ConferenceManagerOptions) {
    this.#options = options;
  }

  /** The room running for this conference, if anyone is in it. */
  room(conferenceId: string): ConferenceRoom | undefined {
    return this.#rooms.get(conferenceId);
  }

  /** The number of running rooms. */
  get size(): number {
    return this.#rooms.size;
  }

  /** Seats a call in the conference's room, creating the room when it is the first. */
  join(conference: RoutingConference, call: MemberCall): JoinResult {
    if (this.#closed) return { ok: false, reason: 'closed' };
    let room = this.#rooms.get(conference.id);
    if (!room) {
      let media: RoomMedia;
      try {
        media = this.#options.createMedia(conference);
      } catch (err) {
        this.#options.onError?.(err);
        return { ok: false, reason: 'closed' };
      }
      const options: ConstructorParameters<typeof ConferenceRoom>[0] = {
        conference,
        media,
        locked: this.#locked.has(conference.id),
        onEmpty: (r) => {
          if (this.#rooms.get(r.conferenceId) === r) this.#rooms.delete(r.conferenceId);
          r.close();
        },
      };
      if (this.#options.events) options.events = this.#options.events;
      if (this.#options.onError) options.onError = this.#options.onError;
      if (this.#options.maxMembersPerRoom !== undefined) options.maxMembers = this.#options.maxMembersPerRoom;
      room = new ConferenceRoom(options);
      this.#rooms.set(conference.id, room);
    }
    const result = room.join(call);
    // A refused first caller leaves an empty room behind: drop it.
    if (!result.ok && room.size === 0) {
      this.#rooms.delete(conference.id);
      room.close();
    }
    return result;
  }

  /** The members of the conference's room; empty when nobody is in it. */
  participants(conferenceId: string): Participant[] {
    return this.#rooms.get(conferenceId)?.participants() ?? [];
  }

  mute(conferenceId: string, participantId: string): boolean {
    return this.#rooms.get(conferenceId)?.setMuted(participantId, true) ?? false;
  }

  unmute(conferenceId: string, participantId: string): boolean {
    return this.#rooms.get(conferenceId)?.setMuted(participantId, false) ?? false;
  }

  /** Hangs up that participant. False when there is no such participant. */
  kick(conferenceId: string, participantId: string): boolean {
    return this.#rooms.get(conferenceId)?.kick(participantId) ?? false;
  }

  /** Only the admin gets in while locked; the lock outlives an empty room. */
  lock(conferenceId: string, locked: boolean): boolean {
    if (locked) this.#locked.add(conferenceId);
    else this.#locked.delete(conferenceId);
    this.#rooms.get(conferenceId)?.lock(locked);
    return true;
  }

  isLocked(conferenceId: string): boolean {
    return this.#locked.has(conferenceId);
  }

  /** Routes the media's talker detection to the room holding that media session. */
  talking(mediaId: string, talking: boolean): void {
    for (const room of this.#rooms.values()) {
      if (room.memberByMediaId(mediaId)) {
        room.talking(mediaId, talking);
        return;
      }
    }
  }

  /**
   * A newly applied configuration: changed conferences update their rooms, deleted ones end with a
   * goodbye. Resolves when the ended rooms are closed.
   */
  async apply(conferencesById: ReadonlyMap<string, RoutingConference>): Promise<void> {
    const ending: Promise<void>[] = [];
    for (const [id, room] of [...this.#rooms]) {
      const conference = conferencesById.get(id);
      if (conference) room.update(conference);
      else ending.push(room.end('conference-removed'));
    }
    for (const id of [...this.#locked]) if (!conferencesById.has(id)) this.#locked.delete(id);
    await Promise.all(ending);
  }

  /** Closes every room (hanging up their members). Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const room of [...this.#rooms.values()]) room.close('shutdown');
    this.#rooms.clear();
  }
}
