/**
 * A running conference room, independent of SIP: who is in it, in which role, who waits for the
 * administrator, what each hears. It drives the media through `RoomMedia` and publishes events.
 *
 * Wait for the administrator: while the room has not started, members other than the admin are held
 * (not heard, hearing nobody) and hear "The conference will begin when the administrator joins" followed
 * by the music on hold (24 s), over and over. When a caller authenticated as the room's admin extension
 * comes in, the room starts: every waiting member is put in the mix and told the conference begins.
 * Once started, a room stays started until it empties: when the admin leaves the conference goes on, and
 * those who come later go straight in (sending everyone back to music mid-sentence would be worse).
 *
 * Ownership: the room owns its members; `close()` is idempotent and hangs up every member.
 */
import { randomUUID } from 'node:crypto';
import type { SoundName } from '../../../prompts/index.ts';
import type { RoutingConference } from '../routing/routing-config.ts';
import type {
  ConferenceEventMap,
  ConferenceEventSink,
  ConferenceEventType,
  Participant,
} from './conference-events.ts';
import { ConferenceMember, type MemberCall } from './conference-member.ts';
import type { RoomMedia } from './room-media.ts';

/** A waiting member hears this cycle over and over. */
const WAITING_CYCLE: readonly SoundName[] = ['wait-for-admin', 'music-on-hold'];

/** A playback cycle that ends sooner than this failed (a missing file, a closed session): pause before the next. */
const MIN_CYCLE_MS = 1000;

/** Waiting needs an admin who can end it: without an admin extension the room starts at once. */
function waitsForAdmin(conference: RoutingConference): boolean {
  return conference.waitForAdmin && (conference.adminExtension ?? '') !== '';
}

export interface ConferenceRoomOptions {
  conference: RoutingConference;
  media: RoomMedia;
  events?: ConferenceEventSink;
  /** Members beyond this many are refused with `full` (default: no limit). */
  maxMembers?: number;
  /** Pause before replaying the waiting cycle after one that failed at once (default 20 s). */
  retryDelayMs?: number;
  /** Called once when the last member has left (the manager forgets the room then). */
  onEmpty?: (room: ConferenceRoom) => void;
  /** Failures of the media or of event listeners: reported here, never thrown into a call flow. */
  onError?: (err: unknown) => void;
  locked?: boolean;
  now?: () => Date;
}

/** Why a call could not be seated. */
export type JoinRefusal = 'locked' | 'full' | 'closed';

export type JoinResult = { ok: true; member: ConferenceMember } | { ok: false; reason: JoinRefusal };

export class ConferenceRoom {
  #conference: RoutingConference;
  readonly #media: RoomMedia;
  readonly #events: ConferenceEventSink | undefined;
  readonly #options: ConferenceRoomOptions;
  readonly #members = new Map<string, ConferenceMember>();
  /** Members hearing "you are the only participant" right now. */
  readonly #toldAlone = new Set<ConferenceMember>();
  #started: boolean;
  #locked: boolean;
  #closed = false;
  /** Saying goodbye before closing: nothing new starts playing. */
  #ending = false;
  #announcedStart = false;

  constructor(options: ConferenceRoomOptions) {
    this.#options = options;
    this.#conference = options.conference;
    this.#media = options.media;
    this.#events = options.events;
    this.#locked = options.locked ?? false;
    this.#started = !waitsForAdmin(options.conference);
  }

  get conferenceId(): string {
    return this.#conference.id;
  }

  get conference(): RoutingConference {
    return this.#conference;
  }

  /** False while waiting for the administrator. */
  get started(): boolean {
    return this.#started;
  }

  get locked(): boolean {
    return this.#locked;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get size(): number {
    return this.#members.size;
  }

  /** The caller is this room's administrator: authenticated as its admin extension. */
  isAdmin(call: Pick<MemberCall, 'extension'>): boolean {
    const admin = this.#conference.adminExtension;
    return admin !== undefined && admin !== '' && call.extension === admin;
  }

  /**
   * Seats a call. The admin passes a lock (so it can always reach its own room); anyone else is refused
   * when the room is locked or full. Returns the member, which the call closes when it ends.
   */
  join(call: MemberCall): JoinResult {
    if (this.#closed || this.#ending) return { ok: false, reason: 'closed' };
    const admin = this.isAdmin(call);
    if (!admin && this.#locked) return { ok: false, reason: 'locked' };
    if (!admin && this.#members.size >= (this.#options.maxMembers ?? Number.POSITIVE_INFINITY)) {
      return { ok: false, reason: 'full' };
    }
    const waiting = !this.#started && !admin;
    const member = new ConferenceMember({
      id: randomUUID(),
      call,
      role: admin ? 'admin' : 'participant',
      state: waiting ? 'waiting' : 'mixed',
      muted: false,
      joinedAt: (this.#options.now ?? (() => new Date()))(),
      onClose: (m) => this.#remove(m),
    });
    const first = this.#members.size === 0;
    this.#members.set(member.id, member);
    if (first && !this.#announcedStart) {
      this.#announcedStart = true;
      this.#emit('conference.started', { conferenceId: this.conferenceId, name: this.#conference.name });
    }
    const joined: ConferenceEventMap['participant.joined'] = {
      conferenceId: this.conferenceId,
      participantId: member.id,
      callerId: call.callerId,
      role: member.role,
    };
    if (call.extension !== undefined) joined.extension = call.extension;
    this.#emit('participant.joined', joined);

    this.#call(() => this.#media.join(member.mediaId, { muted: member.muted, hold: waiting }));
    if (waiting) {
      void this.#waitingLoop(member);
    } else if (admin && !this.#started) {
      this.#start(member);
    } else {
      this.#enteredMix(member);
    }
    return { ok: true, member };
  }

  /** The members, in the order they came. */
  participants(): Participant[] {
    return [...this.#members.values()].map((m) => m.toParticipant());
  }

  member(id: string): ConferenceMember | undefined {
    return this.#members.get(id);
  }

  memberByMediaId(mediaId: string): ConferenceMember | undefined {
    for (const m of this.#members.values()) if (m.mediaId === mediaId) return m;
    return undefined;
  }

  /** Mutes or unmutes a member (not heard by the others). False when there is no such member. */
  setMuted(memberId: string, muted: boolean): boolean {
    const m = this.#members.get(memberId);
    if (!m) return false;
    if (m.muted === muted) return true;
    m.muted = muted;
    this.#call(() => this.#media.setMember(m.mediaId, { muted, hold: m.state === 'waiting' }));
    this.#emit('participant.muted', { conferenceId: this.conferenceId, participantId: m.id, muted });
    if (muted && m.talking) this.talking(m.mediaId, false);
    return true;
  }

  /** Hangs up a member's call and takes it out of the room. False when there is no such member. */
  kick(memberId: string): boolean {
    const m = this.#members.get(memberId);
    if (!m) return false;
    this.#hangup(m, 'kicked');
    m.close();
    return true;
  }

  /** While locked, only the admin can come in. */
  lock(locked: boolean): void {
    this.#locked = locked;
  }

  /** The media's talker detection for a member (by media session id); publishes changes. */
  talking(mediaId: string, talking: boolean): void {
    const m = this.memberByMediaId(mediaId);
    if (m?.state !== 'mixed' || m.talking === talking) return;
    if (talking && m.muted) return;
    m.talking = talking;
    this.#emit('participant.talking', { conferenceId: this.conferenceId, participantId: m.id, talking });
  }

  /**
   * A new configuration of this conference (after Apply). Access code changes concern the next callers
   * only; a room no longer waiting for the admin, or whose new admin is already in, starts at once.
   */
  update(conference: RoutingConference): void {
    this.#conference = conference;
    if (this.#started || this.#closed) return;
    const admin = [...this.#members.values()].find((m) => this.isAdmin(m.call));
    if (!waitsForAdmin(conference) || admin) this.#start(admin);
  }

  /**
   * Says goodbye to everyone, then hangs up and closes (a conference deleted by an Apply). Resolves
   * when done; a goodbye that takes longer than `timeoutMs` is cut short.
   */
  async end(reason = 'conference-removed', timeoutMs = 5000): Promise<void> {
    if (this.#closed) return;
    this.#locked = true;
    this.#ending = true;
    const goodbyes = [...this.#members.values()].map((m) => {
      if (m.state === 'waiting') this.#call(() => this.#media.stopPlayback(m.mediaId));
      return this.#playAndWait(m, ['goodbye']);
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all(goodbyes),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.close(reason);
  }

  /** Hangs up every member and frees the room's media. Idempotent. */
  close(reason = 'conference-closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const m of [...this.#members.values()]) {
      this.#hangup(m, reason);
      this.#remove(m);
    }
    this.#call(() => this.#media.close());
  }

  #hangup(m: ConferenceMember, reason: string): void {
    try {
      m.call.hangup(reason);
    } catch (err) {
      this.#report(err);
    }
  }

  /** Starts a room that waited: `admin` (if any) enters, every waiting member is released into the mix. */
  #start(admin?: ConferenceMember): void {
    this.#started = true;
    const released = [...this.#members.values()].filter((m) => m.state === 'waiting');
    for (const m of released) {
      m.state = 'mixed';
      this.#call(() => this.#media.stopPlayback(m.mediaId));
      this.#call(() => this.#media.setMember(m.mediaId, { muted: m.muted, hold: false }));
      this.#play(m, ['conference-starting']);
    }
    if (admin) this.#enteredMix(admin, released.length > 0);
  }

  /**
   * A member now in the mix: tell it when it is alone, else let the others hear a join tone. "You are the
   * only participant" stops being true with the second member: a member still hearing it is cut short, so
   * it hears the newcomer at once (its prompt takes over what it hears until it ends).
   */
  #enteredMix(member: ConferenceMember, quiet = false): void {
    const others = [...this.#members.values()].filter((m) => m !== member && m.state === 'mixed');
    if (others.length === 0) {
      this.#toldAlone.add(member);
      void this.#playAndWait(member, ['only-participant']).finally(() => this.#toldAlone.delete(member));
      return;
    }
    for (const m of this.#toldAlone) this.#call(() => this.#media.stopPlayback(m.mediaId));
    this.#toldAlone.clear();
    if (!quiet) this.#tone(others, 'join');
  }

  async #waitingLoop(member: ConferenceMember): Promise<void> {
    while (member.state === 'waiting' && !this.#closed && !this.#ending) {
      const started = Date.now();
      try {
        await this.#media.play(member.mediaId, WAITING_CYCLE);
      } catch (err) {
        this.#report(err);
      }
      if (member.state !== 'waiting' || this.#closed || this.#ending) return;
      if (Date.now() - started < MIN_CYCLE_MS) {
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs ?? 20_000));
      }
    }
  }

  #remove(member: ConferenceMember): void {
    if (member.state === 'left' || !this.#members.has(member.id)) return;
    const wasMixed = member.state === 'mixed';
    if (member.state === 'waiting') this.#call(() => this.#media.stopPlayback(member.mediaId));
    member.state = 'left';
    this.#members.delete(member.id);
    this.#call(() => this.#media.leave(member.mediaId));
    this.#emit('participant.left', { conferenceId: this.conferenceId, participantId: member.id });
    if (wasMixed && !this.#closed && !this.#ending) {
      const mixed = [...this.#members.values()].filter((m) => m.state === 'mixed');
      if (mixed.length > 0) this.#tone(mixed, 'leave');
    }
    if (this.#members.size === 0) {
      this.#emit('conference.ended', { conferenceId: this.conferenceId });
      this.#announcedStart = false;
      this.#started = !waitsForAdmin(this.#conference);
      try {
        this.#options.onEmpty?.(this);
      } catch (err) {
        this.#report(err);
      }
    }
  }

  /**
   * A join or leave tone for the members in the mix: played once into the room when the media can (one
   * sound mixed once, however many members), else to each of `hearers`.
   */
  #tone(hearers: readonly ConferenceMember[], tone: 'join' | 'leave'): void {
    const media = this.#media;
    if (media.playToRoom) {
      this.#call(async () => {
        await media.playToRoom?.([tone]);
      });
      return;
    }
    for (const m of hearers) this.#play(m, [tone]);
  }

  /** Plays without waiting (tones, announcements); failures are reported. */
  #play(member: ConferenceMember, sounds: readonly SoundName[]): void {
    void this.#playAndWait(member, sounds);
  }

  async #playAndWait(member: ConferenceMember, sounds: readonly SoundName[]): Promise<void> {
    try {
      await this.#media.play(member.mediaId, sounds);
    } catch (err) {
      this.#report(err);
    }
  }

  /** Runs a media call, reporting a throw or a rejected promise. */
  #call(fn: () => void | Promise<void>): void {
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((err) => this.#report(err));
    } catch (err) {
      this.#report(err);
    }
  }

  #emit<K extends ConferenceEventType>(type: K, data: ConferenceEventMap[K]): void {
    if (!this.#events) return;
    try {
      this.#events(type, data);
    } catch (err) {
      this.#report(err);
    }
  }

  #report(err: unknown): void {
    try {
      this.#options.onError?.(err);
    } catch {
      // The error reporter itself failed: nothing sensible is left to tell.
    }
  }
}
