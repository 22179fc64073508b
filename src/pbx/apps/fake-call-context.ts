/**
 * A `CallContext` for tests: plays take time until the test ends them (or a digit cuts an interruptible
 * one), digits are typed with `press`, the far end hangs up with `farHangup`.
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { PlaybackResult } from '../conference/room-media.ts';
import type { CallContext } from './call-context.ts';

interface Playing {
  sounds: readonly SoundName[];
  interruptOnDigit: boolean;
  resolve: (r: PlaybackResult) => void;
}

export class FakeCallContext implements CallContext {
  readonly callId: string;
  readonly callerId: string;
  readonly authenticatedExtension?: string;
  readonly mediaId: string;
  ended = false;
  answered = false;
  /** `answer`, `play a,b`, `hangup reason`, in order. */
  readonly log: string[] = [];
  /** Plays resolve by themselves ('done') on the next turn of the event loop. */
  autoPlay: boolean;
  readonly #digitListeners = new Set<(d: string) => void>();
  readonly #hangupListeners = new Set<() => void>();
  #playing: Playing[] = [];

  constructor(options: { mediaId?: string; callerId?: string; extension?: string; autoPlay?: boolean } = {}) {
    this.mediaId = options.mediaId ?? 'm1';
    this.callId = `call-${this.mediaId}`;
    this.callerId = options.callerId ?? `Caller ${this.mediaId}`;
    if (options.extension !== undefined) this.authenticatedExtension = options.extension;
    this.autoPlay = options.autoPlay ?? true;
  }

  async answer(): Promise<void> {
    if (this.ended) throw new Error('call ended');
    this.answered = true;
    this.log.push('answer');
  }

  play(sounds: readonly SoundName[], options: { interruptOnDigit?: boolean } = {}): Promise<PlaybackResult> {
    this.log.push(`play ${sounds.join(',')}`);
    if (this.ended) return Promise.resolve('stopped');
    return new Promise((resolve) => {
      const p: Playing = { sounds, interruptOnDigit: options.interruptOnDigit ?? false, resolve };
      this.#playing.push(p);
      if (this.autoPlay) setImmediate(() => this.#end(p, 'done'));
    });
  }

  onDigit(listener: (digit: string) => void): () => void {
    this.#digitListeners.add(listener);
    return () => this.#digitListeners.delete(listener);
  }

  hangup(reason: string): void {
    if (this.ended) return;
    this.log.push(`hangup ${reason}`);
    this.#ended();
  }

  onHangup(listener: () => void): () => void {
    if (this.ended) {
      listener();
      return () => {};
    }
    this.#hangupListeners.add(listener);
    return () => this.#hangupListeners.delete(listener);
  }

  /** The caller types these digits, one after the other. */
  press(digits: string): void {
    for (const d of digits) {
      for (const p of this.#playing.filter((x) => x.interruptOnDigit)) this.#end(p, 'interrupted');
      for (const l of [...this.#digitListeners]) l(d);
    }
  }

  /** Ends the oldest playback, as the media would when it is played out. */
  finishPlayback(result: PlaybackResult = 'done'): void {
    const p = this.#playing[0];
    if (p) this.#end(p, result);
  }

  get listeningForDigits(): number {
    return this.#digitListeners.size;
  }

  /** The caller hangs up. */
  farHangup(): void {
    if (this.ended) return;
    this.log.push('far-hangup');
    this.#ended();
  }

  #ended(): void {
    this.ended = true;
    for (const p of [...this.#playing]) this.#end(p, 'stopped');
    for (const l of [...this.#hangupListeners]) l();
    this.#hangupListeners.clear();
  }

  #end(p: Playing, result: PlaybackResult): void {
    const i = this.#playing.indexOf(p);
    if (i < 0) return;
    this.#playing.splice(i, 1);
    p.resolve(result);
  }
}
