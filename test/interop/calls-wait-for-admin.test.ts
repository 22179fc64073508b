/**
 * "Wait for the administrator" with real phones: a room whose administrator extension is 100. Baresip
 * 101 (tone A) and 102 (tone B) dial in first: each hears the music on hold (sound, and neither test
 * tone dominating), not the other. Then the admin 100 (tone C) dials in: from then on 101 hears B and
 * C, 102 hears A and C, and the admin hears A and B. Checked phase by phase in what each phone recorded,
 * with windows placed just before marks taken while the call goes on.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, isMusic, recordingSoFar, sleep, toneShare, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox');

/** Above the music's notes and their strong harmonics (its highest note is E6, 1319 Hz). */
const A = 1850;
const B = 2350;
const C = 2850;
const TONES: Record<string, number> = { '100': C, '101': A, '102': B };
const ALL = [A, B, C];

/** "The conference will begin when the administrator joins" (3.9 s), then music. */
const PROMPT_THEN_MUSIC_MS = 4000 + 2500;
/** "The conference is starting" (4.7 s) to those who waited. */
const STARTING_PROMPT_MS = 4700 + 2800;

describe('wait for the administrator', { skip }, () => {
  const f = callFixture({
    name: 'wait',
    users: users('100', '101', '102'),
    conferences: [{ name: 'Board', extension: '600', adminExtension: '100', waitForAdmin: true }],
    phones: ['100', '101', '102'].map((extension) => ({ extension, tone: TONES[extension]! })),
  });

  test('music until the admin is in, then everyone hears everyone', async () => {
    const joinRoom = (ext: string, count: number) => f.joinRoom(ext, '600', count);
    const a = f.phone('101');
    const b = f.phone('102');
    const admin = f.phone('100');

    await joinRoom('101', 1);
    await joinRoom('102', 2);
    await sleep(PROMPT_THEN_MUSIC_MS);
    // Both wait: mark what each has heard so far.
    const waiting = [a, b].map((p) => recordingSoFar(p.dir));

    await joinRoom('100', 3);
    const roles = await f.participants();
    assert.equal(roles.find((p) => p.extension === '100')?.role, 'admin', JSON.stringify(roles));
    assert.equal(roles.find((p) => p.extension === '101')?.role, 'participant', JSON.stringify(roles));
    await sleep(STARTING_PROMPT_MS);
    const started = [a, b, admin].map((p) => recordingSoFar(p.dir));
    for (const p of f.phones.values()) await p.command('hangup');
    for (const p of f.phones.values()) await p.event('CALL_CLOSED');
    await noMediaLeft(f.parley);

    for (const [i, own] of [A, B].entries()) {
      const { samples, sampleRate } = waiting[i]!;
      const w = windowBefore(samples, sampleRate, samples.length, 2);
      const what = `${i === 0 ? '101' : '102'} while waiting: ${describeWindow(w, sampleRate, ALL)}`;
      assert.ok(w.length >= sampleRate * 1.5, `too little recorded: ${what}`);
      assert.ok(isMusic(w, sampleRate, ALL), `should hear music: ${what}`);
      assert.ok(toneShare(w, sampleRate, i === 0 ? B : A) < 0.05, `should not hear the other: ${what}`);
      assert.ok(toneShare(w, sampleRate, own) < 0.05, `should not hear itself: ${what}`);
    }
    const expectations = [
      { ext: '101', hears: [B, C], not: A },
      { ext: '102', hears: [A, C], not: B },
      { ext: '100', hears: [A, B], not: C },
    ];
    for (const [i, e] of expectations.entries()) {
      const { samples, sampleRate } = started[i]!;
      const w = windowBefore(samples, sampleRate, samples.length, 2);
      const what = `${e.ext} once started: ${describeWindow(w, sampleRate, ALL)}`;
      for (const f of e.hears) assert.ok(toneShare(w, sampleRate, f) > 0.25, `should hear ${f} Hz: ${what}`);
      assert.ok(toneShare(w, sampleRate, e.not) < 0.05, `should not hear itself: ${what}`);
    }
  });
});
