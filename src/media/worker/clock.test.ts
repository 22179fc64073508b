import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { test } from 'node:test';
import { MediaClock } from './clock.ts';
import { LatenessHistogram } from './lateness-histogram.ts';

test('ticks are numbered without gaps and stop() is idempotent', async () => {
  const ticks: number[] = [];
  const clock = new MediaClock((t) => ticks.push(t), { periodMs: 5 });
  clock.start();
  await new Promise((r) => setTimeout(r, 80));
  clock.stop();
  clock.stop();
  assert.ok(ticks.length >= 3, `only ${ticks.length} ticks`);
  assert.deepEqual(
    ticks,
    ticks.map((_, i) => i),
  );
  const n = ticks.length;
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(ticks.length, n, 'no tick after stop()');
});

test('a stall is caught up on the absolute grid: missed ticks run, older ones beyond the allowance are skipped', async () => {
  let offset = 0;
  const now = () => performance.now() + offset;
  const seen: { tick: number; late: number }[] = [];
  const clock = new MediaClock(
    (tick, late) => {
      seen.push({ tick, late });
      // Pretend the loop stalled 200 ms (10 periods) inside the third tick.
      if (tick === 2) offset += 200;
    },
    { periodMs: 20, maxCatchUp: 5, now },
  );
  clock.start();
  await new Promise((r) => setTimeout(r, 150));
  clock.stop();
  const stats = clock.stats();
  assert.ok(stats.skipped >= 3 && stats.skipped <= 6, `skipped ${stats.skipped}`);
  assert.ok(stats.caughtUp >= 1, 'caught-up ticks counted');
  // The tick numbers keep counting the skipped slots, so the grid did not shift.
  const last = seen.at(-1)!;
  assert.equal(last.tick + 1, stats.ticks);
  assert.ok(
    seen.some((s) => s.late >= 20),
    'a late tick was reported late',
  );
  assert.ok(stats.lateness.max >= 20);
});

test('a throwing handler does not stop the clock', async () => {
  let n = 0;
  const clock = new MediaClock(
    () => {
      n++;
      throw new Error('boom');
    },
    { periodMs: 5 },
  );
  clock.start();
  await new Promise((r) => setTimeout(r, 60));
  clock.stop();
  assert.ok(n >= 2);
});

test('lateness histogram percentiles', () => {
  const h = new LatenessHistogram();
  for (let i = 0; i < 1000; i++) h.record(i < 990 ? 0.1 : 5);
  const s = h.summary();
  assert.equal(s.count, 1000);
  assert.ok(s.p50 <= 0.16 && s.p50 >= 0.1, `p50 ${s.p50}`);
  assert.ok(s.p99 <= 0.16, `p99 ${s.p99}`);
  assert.ok(s.p999 >= 4.9 && s.p999 <= 5.05, `p99.9 ${s.p999}`);
  assert.equal(s.max, 5);
  // The ten at 5 ms are over the 2 ms target; 2 ms itself and a hair under it are not.
  assert.equal(s.over2ms, 10);
  h.record(2);
  h.record(1.99);
  assert.equal(h.summary().over2ms, 10);
  h.record(2.06);
  assert.equal(h.summary().over2ms, 11);
  assert.equal(h.countAbove(0.1), 13);
  assert.equal(h.countAbove(3), 10);
  h.record(-3);
  assert.equal(h.summary().count, 1004);
  h.reset();
  assert.equal(h.summary().count, 0);
  assert.equal(h.summary().over2ms, 0);
});

test('poll() from inside a late tick does not nest a run (which would arm a second timer)', async () => {
  let offset = 0;
  const now = () => performance.now() + offset;
  let depth = 0;
  let maxDepth = 0;
  let ticks = 0;
  const clock = new MediaClock(
    (tick) => {
      ticks++;
      depth++;
      maxDepth = Math.max(maxDepth, depth);
      // The tick's handler reads packets, and the packet path polls the clock: here while a period behind.
      if (tick === 1) offset += 45;
      clock.poll();
      depth--;
    },
    { periodMs: 10, now },
  );
  clock.start();
  await new Promise((r) => setTimeout(r, 60));
  clock.stop();
  assert.ok(ticks >= 3, `only ${ticks} ticks`);
  assert.equal(maxDepth, 1, 'a tick ran inside another');
});
