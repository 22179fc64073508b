/**
 * `RoomMedia` over Parley's media engine: one engine room per `ConferenceRoom`. The engine's hold music
 * takes over what a member hears but still mixes what it says, so a held member is also muted here
 * (`RoomMedia`'s hold means "neither hears nor is heard").
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { MediaEngine } from '../../media/engine.ts';
import type { MemberMediaState, PlaybackResult, RoomMedia } from './room-media.ts';

/** The engine calls this adapter makes. */
export type RoomEngine = Pick<
  MediaEngine,
  'createRoom' | 'join' | 'setMember' | 'leave' | 'play' | 'playToRoom' | 'stopPlayback' | 'closeRoom'
>;

export interface EngineRoomMediaOptions {
  engine: RoomEngine;
  /** The engine room's id: unique per `ConferenceRoom` (a closing room may still hold its old id). */
  roomId: string;
  /** The file of a sound (the caller picks the language). */
  soundFile: (name: SoundName) => string;
  /** Played in a loop to held members. Default: `soundFile('music-on-hold')`. */
  holdFile?: string;
  /** The engine's placement key of the conference's calls: the room opens on their worker. */
  affinity?: string;
}

/**
 * Creates the engine room at once; every call waits for it. Failures reject the returned promises,
 * which the room reports.
 */
export function engineRoomMedia(options: EngineRoomMediaOptions): RoomMedia {
  const { engine, roomId, soundFile } = options;
  const holdFile = options.holdFile ?? soundFile('music-on-hold');
  const ready = engine.createRoom(roomId, options.affinity ? { affinity: options.affinity } : {});
  // A failed creation is reported through each later call; keep it from being an unhandled rejection.
  ready.catch(() => {});
  let closed: Promise<void> | undefined;
  const settings = (s: MemberMediaState) => ({ muted: s.muted || s.hold, hold: s.hold ? holdFile : null });
  // A join may move the session to the room's worker thread: whatever follows for that member (a
  // prompt, a change of settings) must wait for it, or it would reach the session's old thread.
  const lastChange = new Map<string, Promise<unknown>>();
  const afterChanges = (mediaId: string) => (lastChange.get(mediaId) ?? ready).catch(() => {});
  const change = (mediaId: string, op: () => Promise<void>): Promise<void> => {
    const p = afterChanges(mediaId).then(op);
    lastChange.set(mediaId, p);
    return p;
  };
  return {
    join: (mediaId, state) => change(mediaId, () => engine.join(roomId, mediaId, settings(state))),
    setMember: (mediaId, state) => change(mediaId, () => engine.setMember(roomId, mediaId, settings(state))),
    leave: (mediaId) =>
      change(mediaId, () => engine.leave(roomId, mediaId)).finally(() => lastChange.delete(mediaId)),
    play: (mediaId, sounds): Promise<PlaybackResult> =>
      afterChanges(mediaId).then(() => engine.play(mediaId, sounds.map(soundFile))),
    playToRoom: (sounds): Promise<PlaybackResult> =>
      ready.then(() => engine.playToRoom(roomId, sounds.map(soundFile))),
    stopPlayback: (mediaId) => afterChanges(mediaId).then(() => engine.stopPlayback(mediaId)),
    close: () => {
      closed ??= ready.then(
        () => engine.closeRoom(roomId),
        () => {},
      );
      return closed;
    },
  };
}
