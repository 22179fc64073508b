/**
 * The player processor: plays a queue of prompts (PCM already at the session's rate) one 20 ms frame per
 * tick, optionally looping the whole queue (music on hold). The runtime decides what stops it (a digit when
 * `interruptOnDigit`, `stopPlayback`, a new play) and reports done or interrupted. No I/O, no timers.
 */

/** How a playback ended. */
export type PlaybackResult = 'done' | 'interrupted';

export interface PlayerOptions {
  /** Start over at the first prompt after the last one, until stopped. */
  loop?: boolean;
  /** A received digit stops the playback ('interrupted'). */
  interruptOnDigit?: boolean;
}

/** Player (see file comment). */
export class Player {
  readonly frameSamples: number;
  readonly loop: boolean;
  readonly interruptOnDigit: boolean;
  #items: Int16Array[];
  #item = 0;
  #offset = 0;
  #done = false;
  #frames = 0;

  constructor(items: Int16Array[], frameSamples: number, options: PlayerOptions = {}) {
    this.frameSamples = frameSamples;
    this.loop = options.loop ?? false;
    this.interruptOnDigit = options.interruptOnDigit ?? false;
    // Empty prompts would make a looping player spin without producing audio.
    this.#items = items.filter((i) => i.length > 0);
    if (this.#items.length === 0) this.#done = true;
  }

  /** True once the last frame has been read (never for a loop until `stop()`). */
  get done(): boolean {
    return this.#done;
  }

  get framesPlayed(): number {
    return this.#frames;
  }

  /** The next frame, the last one padded with silence; null when finished. */
  read(): Int16Array | null {
    if (this.#done) return null;
    const n = this.frameSamples;
    const out = new Int16Array(n);
    let filled = 0;
    while (filled < n) {
      const item = this.#items[this.#item];
      if (!item) {
        if (!this.loop) break;
        this.#item = 0;
        continue;
      }
      const take = Math.min(n - filled, item.length - this.#offset);
      out.set(item.subarray(this.#offset, this.#offset + take), filled);
      filled += take;
      this.#offset += take;
      if (this.#offset >= item.length) {
        this.#item++;
        this.#offset = 0;
      }
    }
    if (!this.loop && this.#item >= this.#items.length) this.#done = true;
    this.#frames++;
    return out;
  }

  /** Stops at once. Idempotent. */
  stop(): void {
    this.#done = true;
  }
}
