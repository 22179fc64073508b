/**
 * Prompts and music files, read once, converted once to each rate a session needs and kept in memory:
 * a conference of hundreds plays the same few files, so each (file, rate) pair is decoded and resampled
 * only the first time (concurrent first requests share the one load). Least recently used entries go when
 * the cache holds more than `maxSamples`.
 */
import { readFile } from 'node:fs/promises';
import { resample } from '../processor/resampler.ts';
import { isWavError, parseWav } from './wav.ts';

/** Why a prompt cannot be played. */
export interface PromptError {
  error: 'unreadable' | 'bad-wav';
  file: string;
  message: string;
}

/** Type guard for `PromptCache.get` results. */
export function isPromptError(r: Int16Array | PromptError): r is PromptError {
  return !(r instanceof Int16Array);
}

/** Prompt cache (see file comment). */
export class PromptCache {
  #entries = new Map<string, Promise<Int16Array | PromptError>>();
  #sizes = new Map<string, number>();
  #samples = 0;
  #maxSamples: number;
  #loads = 0;

  /** `maxSamples`: total samples kept (default 60 M ≈ 120 MB, an hour of 16 kHz audio). */
  constructor(maxSamples = 60_000_000) {
    this.#maxSamples = maxSamples;
  }

  /** How many times a file was actually read and converted (tests check the cache works). */
  get loads(): number {
    return this.#loads;
  }

  /** The file's audio at `sampleRate`, or an error value; never rejects. */
  get(file: string, sampleRate: number): Promise<Int16Array | PromptError> {
    const key = `${sampleRate}:${file}`;
    const hit = this.#entries.get(key);
    if (hit) {
      // Refresh its place in the LRU order.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const load = this.#load(file, sampleRate).then((r) => {
      if (isPromptError(r)) {
        // Do not cache failures: the file may be fixed or appear later.
        this.#entries.delete(key);
      } else {
        this.#sizes.set(key, r.length);
        this.#samples += r.length;
        this.#evict();
      }
      return r;
    });
    this.#entries.set(key, load);
    return load;
  }

  async #load(file: string, sampleRate: number): Promise<Int16Array | PromptError> {
    this.#loads++;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (e) {
      return { error: 'unreadable', file, message: (e as Error).message };
    }
    const wav = parseWav(bytes);
    if (isWavError(wav)) return { error: 'bad-wav', file, message: wav.message };
    return wav.sampleRate === sampleRate ? wav.samples : resample(wav.samples, wav.sampleRate, sampleRate);
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#samples <= this.#maxSamples) return;
      const size = this.#sizes.get(key);
      if (size === undefined) continue; // still loading
      this.#entries.delete(key);
      this.#sizes.delete(key);
      this.#samples -= size;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#sizes.clear();
    this.#samples = 0;
  }
}
