/**
 * A `RoomMedia` that records what the room asks of it, for tests. Every `play` stays pending until the
 * test finishes it (`finish`) or the room stops it, as a real playback takes time.
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { MemberMediaState, PlaybackResult, RoomMedia } from './room-media.ts';

export interface PendingPlay {
  mediaId: string;
  sounds: readonly SoundName[];
  resolve: (r: PlaybackResult) => void;
}

export interface FakeRoomMediaOptions {
  /** Offer `playToRoom` (one room-wide sound), logged as `playRoom sounds`. */
  roomPlay?: boolean;
}

export class FakeRoomMedia implements RoomMedia {
  /** Every call, as `method mediaId detail`, in order. */
  readonly log: string[] = [];
  readonly members = new Map<string, MemberMediaState>();
  readonly pending: PendingPlay[] = [];
  closeCount = 0;
  /** Make the next calls of this method throw. */
  failing = new Set<keyof RoomMedia>();
  playToRoom?: (sounds: readonly SoundName[]) => Promise<PlaybackResult>;

  constructor(options: FakeRoomMediaOptions = {}) {
    if (options.roomPlay) {
      this.playToRoom = (sounds) => {
        this.#check('playToRoom');
        this.log.push(`playRoom ${sounds.join(',')}`);
        return Promise.resolve('done');
      };
    }
  }

  join(mediaId: string, state: MemberMediaState): void {
    this.#check('join');
    this.members.set(mediaId, { ...state });
    this.log.push(`join ${mediaId} ${show(state)}`);
  }

  setMember(mediaId: string, state: MemberMediaState): void {
    this.#check('setMember');
    this.members.set(mediaId, { ...state });
    this.log.push(`set ${mediaId} ${show(state)}`);
  }

  leave(mediaId: string): void {
    this.#check('leave');
    this.members.delete(mediaId);
    this.log.push(`leave ${mediaId}`);
  }

  play(mediaId: string, sounds: readonly SoundName[]): Promise<PlaybackResult> {
    this.#check('play');
    this.log.push(`play ${mediaId} ${sounds.join(',')}`);
    return new Promise((resolve) => this.pending.push({ mediaId, sounds, resolve }));
  }

  stopPlayback(mediaId: string): void {
    this.log.push(`stop ${mediaId}`);
    for (const p of this.pending.filter((x) => x.mediaId === mediaId)) this.#settle(p, 'stopped');
  }

  close(): void {
    this.closeCount++;
    this.log.push('close');
  }

  /** Ends the oldest pending playback of `mediaId` (or of anyone) with `result`. */
  finish(mediaId?: string, result: PlaybackResult = 'done'): PendingPlay | undefined {
    const p = this.pending.find((x) => mediaId === undefined || x.mediaId === mediaId);
    if (p) this.#settle(p, result);
    return p;
  }

  /** The log lines since the last `take`, and forget them. */
  take(): string[] {
    return this.log.splice(0);
  }

  #settle(p: PendingPlay, result: PlaybackResult): void {
    this.pending.splice(this.pending.indexOf(p), 1);
    p.resolve(result);
  }

  #check(method: keyof RoomMedia): void {
    if (this.failing.has(method)) throw new Error(`${method} failed`);
  }
}

function show(s: MemberMediaState): string {
  return [s.muted ? 'muted' : '', s.hold ? 'hold' : ''].filter(Boolean).join(',') || 'open';
}
