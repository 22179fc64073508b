/** Settings of a `Vad`. */
export interface VadOptions {
  /** Level (dB relative to a full-scale sine) above which a frame counts as speech. Default −42. */
  onDb?: number;
  /** Level below which a frame counts as quiet once talking (hysteresis). Default −48. */
  offDb?: number;
  /**
   * Track a noise floor (fast down, ~1 dB per 100 ms up, never above `maxNoiseFloorDb`) and require speech
   * to stand `noiseMarginDb` above it, so steady background hiss stops counting as talking. Off by default.
   */
  adaptive?: boolean;
  /** Margin above the tracked floor when `adaptive`. Default 9 dB. */
  noiseMarginDb?: number;
  /**
   * Highest level the tracked floor may reach when `adaptive`. Default −40 dB: steady hiss up to about
   * −32 dB is ignored, while anything louder than −31 dB (a test tone, music) always counts as talking.
   */
  maxNoiseFloorDb?: number;
  /** Time above the threshold before "talking" (rejects clicks). Default 40 ms. */
  attackMs?: number;
  /** Time of quiet before "silent" again (keeps words together). Default 600 ms. */
  hangoverMs?: number;
}

/** A talking/silent transition, `atMs` on the detector's own audio clock (ms of audio processed). */
export interface VadEvent {
  type: 'talking' | 'silent';
  atMs: number;
  /** Level of the frame that caused the transition, dB. */
  levelDb: number;
}

/** The result of a frame that changes nothing. */
const NO_EVENTS: VadEvent[] = Object.freeze([]) as unknown as VadEvent[];

/** Counters and current state of a `Vad`. */
export interface VadStats {
  talking: boolean;
  levelDb: number;
  noiseFloorDb: number;
  frames: number;
  talkingFrames: number;
  transitions: number;
}

const FULL_SCALE_SINE = 32767 * 32767 * 0.5;
const FLOOR_DB = -100;

/**
 * Energy-based talker detector with attack and hangover, for the mixer's talker-optimised mixing and the
 * participant "talking" events; optionally it tracks a noise floor so steady background noise is not
 * "talking" forever. Feed it frames (`process`) or, when the caller already has the
 * frame's mean-square energy (the mixer computes it while decoding), `processEnergy`.
 */
export class Vad {
  #onDb: number;
  #offDb: number;
  #marginDb: number;
  #adaptive: boolean;
  #maxFloorDb: number;
  #attackMs: number;
  #hangoverMs: number;
  #talking = false;
  #aboveMs = 0;
  #belowMs = 0;
  #clockMs = 0;
  #levelDb = FLOOR_DB;
  #floorDb = -70;
  #frames = 0;
  #talkingFrames = 0;
  #transitions = 0;

  constructor(options: VadOptions = {}) {
    this.#onDb = options.onDb ?? -42;
    this.#offDb = options.offDb ?? -48;
    this.#marginDb = options.noiseMarginDb ?? 9;
    this.#adaptive = options.adaptive ?? false;
    this.#maxFloorDb = options.maxNoiseFloorDb ?? -40;
    this.#attackMs = options.attackMs ?? 40;
    this.#hangoverMs = options.hangoverMs ?? 600;
  }

  /** Whether the member is talking now. */
  get talking(): boolean {
    return this.#talking;
  }

  /** One frame of PCM at `sampleRate`; returns the transition it causes, if any. */
  process(pcm: Int16Array, sampleRate: number): VadEvent[] {
    let e = 0;
    for (let i = 0; i < pcm.length; i++) e += pcm[i]! * pcm[i]!;
    return this.processEnergy(pcm.length ? e / pcm.length : 0, (pcm.length * 1000) / sampleRate);
  }

  /** One frame given as its mean-square energy (16-bit sample units) and duration in ms. */
  processEnergy(meanSquare: number, frameMs: number): VadEvent[] {
    const level =
      meanSquare > 0 ? Math.max(FLOOR_DB, 10 * Math.log10(meanSquare / FULL_SCALE_SINE)) : FLOOR_DB;
    this.#levelDb = level;
    this.#clockMs += frameMs;
    this.#frames++;
    // Noise floor: follows drops at once, rises ~1 dB per 100 ms, so speech barely lifts it.
    if (level < this.#floorDb) this.#floorDb = level;
    else this.#floorDb = Math.min(level, this.#floorDb + frameMs / 100, this.#maxFloorDb);
    const floor = this.#adaptive ? this.#floorDb : FLOOR_DB;
    const loud = level >= this.#onDb && level >= floor + this.#marginDb;
    const quiet = level < this.#offDb || level < floor + this.#marginDb / 2;
    // Most frames change nothing: they share one empty (frozen) result instead of allocating one each.
    let out = NO_EVENTS;
    if (!this.#talking) {
      this.#aboveMs = loud ? this.#aboveMs + frameMs : 0;
      if (this.#aboveMs >= this.#attackMs) {
        this.#talking = true;
        this.#belowMs = 0;
        this.#transitions++;
        out = [{ type: 'talking', atMs: this.#clockMs, levelDb: level }];
      }
    } else {
      this.#belowMs = quiet ? this.#belowMs + frameMs : 0;
      if (this.#belowMs >= this.#hangoverMs) {
        this.#talking = false;
        this.#aboveMs = 0;
        this.#transitions++;
        out = [{ type: 'silent', atMs: this.#clockMs, levelDb: level }];
      }
    }
    if (this.#talking) this.#talkingFrames++;
    return out;
  }

  stats(): VadStats {
    return {
      talking: this.#talking,
      levelDb: this.#levelDb,
      noiseFloorDb: this.#floorDb,
      frames: this.#frames,
      talkingFrames: this.#talkingFrames,
      transitions: this.#transitions,
    };
  }
}
