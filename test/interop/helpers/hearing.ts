/**
 * The check every two-party call test ends with: each phone hears the other's test tone and not its own
 * (Goertzel share of the tone in the last seconds of what the phone recorded).
 */
import assert from 'node:assert/strict';
import type { Baresip } from './baresip.ts';
import { describeWindow, recordingSoFar, toneShare, windowBefore } from './tones.ts';

/** A phone and the tone it sends. */
export type Speaker = readonly [phone: Baresip, tone: number];

/**
 * Asserts that `a` hears `b`'s tone (share > 0.6) and not its own (< 0.05), and the other way round, in
 * the `seconds` before the end of each recording less `margin`. `recording`: `'ended'` reads the last
 * call's finished recording, `'so far'` the current call's growing one.
 */
export function assertHearEachOther(
  a: Speaker,
  b: Speaker,
  o: { seconds: number; margin: number; recording: 'ended' | 'so far' },
): void {
  for (const [phone, own, other] of [
    [a[0], a[1], b[1]],
    [b[0], b[1], a[1]],
  ] as const) {
    const { samples, sampleRate } = o.recording === 'ended' ? phone.received() : recordingSoFar(phone.dir);
    const w = windowBefore(samples, sampleRate, samples.length, o.seconds, o.margin);
    const what = describeWindow(w, sampleRate, [own, other]);
    assert.ok(toneShare(w, sampleRate, other) > 0.6, `should hear ${other} Hz: ${what}`);
    assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear its own ${own} Hz: ${what}`);
  }
}
