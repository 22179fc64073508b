/**
 * Audio checks for whole-system call tests: test-tone WAV files for a phone's microphone (sox), the share
 * of a tone in what a phone heard (Goertzel over 20 ms blocks), "music" (energy present and no test tone
 * dominating), and marks in a phone's growing recording so one call can be checked phase by phase.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { goertzelPower, meanSquare } from '../../../src/media/processor/goertzel.ts';

export const SOX = spawnSync('sh', ['-c', 'command -v sox'], { encoding: 'utf8' }).stdout.trim() || null;

/** A mono 8 kHz, 60 s tone file for a phone's microphone. */
export function toneFile(dir: string, freq: number, rate = 8000): string {
  const file = join(dir, rate === 8000 ? `tone-${freq}.wav` : `tone-${freq}-${rate}.wav`);
  const r = spawnSync(SOX!, [
    '-n',
    '-r',
    String(rate),
    '-c',
    '1',
    '-b',
    '16',
    file,
    'synth',
    '60',
    'sine',
    String(freq),
    'vol',
    '0.4',
  ]);
  assert.equal(r.status, 0, String(r.stderr));
  return file;
}

/**
 * Share of the window's energy at `freq`, 0-1, averaged over 20 ms blocks: a phone's jitter buffer may
 * slip a few samples now and then, which would smear one long Goertzel window but not short ones.
 * Silent blocks count as 0.
 */
export function toneShare(samples: Int16Array, rate: number, freq: number): number {
  const block = rate / 50;
  let sum = 0;
  let blocks = 0;
  for (let i = 0; i + block <= samples.length; i += block) {
    const w = samples.subarray(i, i + block);
    const total = meanSquare(w);
    sum += total === 0 ? 0 : goertzelPower(w, rate, freq) / total;
    blocks++;
  }
  return blocks === 0 ? 0 : sum / blocks;
}

/** Mean level of the window in dBFS (−∞ for digital silence). */
export function levelDb(samples: Int16Array): number {
  const ms = meanSquare(samples);
  return ms === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(ms / (32768 * 32768));
}

/** Share of 20 ms blocks with any sound in them (above −55 dBFS). */
export function soundingShare(samples: Int16Array, rate: number): number {
  const block = rate / 50;
  let sounding = 0;
  let blocks = 0;
  for (let i = 0; i + block <= samples.length; i += block) {
    if (levelDb(samples.subarray(i, i + block)) > -55) sounding++;
    blocks++;
  }
  return blocks === 0 ? 0 : sounding / blocks;
}

/** A human-readable line of what a window holds, for assertion messages. */
export function describeWindow(samples: Int16Array, rate: number, tones: readonly number[]): string {
  const shares = tones.map((f) => `${f} Hz ${toneShare(samples, rate, f).toFixed(3)}`).join(', ');
  return `${(samples.length / rate).toFixed(1)} s, ${levelDb(samples).toFixed(1)} dBFS, sounding ${soundingShare(
    samples,
    rate,
  ).toFixed(2)}, ${shares}`;
}

/**
 * Music rather than a test tone or silence: most blocks carry sound and none of `tones` takes more than
 * `maxShare` of the energy (a held member hearing the room instead would show one tone at > 0.5).
 */
export function isMusic(
  samples: Int16Array,
  rate: number,
  tones: readonly number[],
  maxShare = 0.2,
): boolean {
  if (soundingShare(samples, rate) < 0.6) return false;
  return tones.every((f) => toneShare(samples, rate, f) < maxShare);
}

/**
 * What a baresip phone has received so far in its current call: its sndfile `-dec` recording read as it
 * grows (the header's data size is not final until the call ends, so everything after the `data` chunk
 * header is taken). Returns 16-bit samples and the rate.
 */
export function recordingSoFar(dir: string): { samples: Int16Array; sampleRate: number } {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.wav') && /dec/.test(f))
    .sort();
  if (files.length === 0) return { samples: new Int16Array(0), sampleRate: 8000 };
  const buf = readFileSync(join(dir, files.at(-1)!));
  let offset = 12;
  let sampleRate = 8000;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 8 <= buf.length) sampleRate = buf.readUInt32LE(body + 4);
    if (id === 'data') {
      const bytes = (buf.length - body) & ~1;
      const copy = new Uint8Array(bytes);
      copy.set(buf.subarray(body, body + bytes));
      return { samples: new Int16Array(copy.buffer), sampleRate };
    }
    offset = body + size + (size & 1);
  }
  return { samples: new Int16Array(0), sampleRate };
}

/** The `seconds` before sample `end`, minus `marginSeconds` right before it. */
export function windowBefore(
  samples: Int16Array,
  rate: number,
  end: number,
  seconds: number,
  marginSeconds = 0.3,
): Int16Array {
  const stop = Math.max(0, Math.min(samples.length, end) - Math.round(marginSeconds * rate));
  return samples.subarray(Math.max(0, stop - Math.round(seconds * rate)), stop);
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value (not undefined), or throws `what` after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}
