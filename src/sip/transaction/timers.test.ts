import assert from 'node:assert/strict';
import test from 'node:test';
import { T1, T2, T4, timersFor } from './timers.ts';

test('RFC 3261 base values', () => {
  assert.equal(T1, 500);
  assert.equal(T2, 4000);
  assert.equal(T4, 5000);
});

test('unreliable transport: every timer as in Appendix A', () => {
  const t = timersFor(false);
  assert.deepEqual(
    [t.A, t.B, t.D, t.E, t.F, t.G, t.H, t.I, t.J, t.K, t.L, t.M],
    [500, 32000, 32000, 500, 32000, 500, 32000, 5000, 32000, 5000, 32000, 32000],
  );
});

test('reliable transport: no retransmit timers, zero wait timers, same timeouts', () => {
  const t = timersFor(true);
  assert.equal(t.A, null);
  assert.equal(t.E, null);
  assert.equal(t.G, null);
  assert.deepEqual([t.D, t.I, t.J, t.K], [0, 0, 0, 0]);
  assert.deepEqual([t.B, t.F, t.H, t.L, t.M], [32000, 32000, 32000, 32000, 32000]);
});

test('derived from a custom T1', () => {
  const t = timersFor(false, { T1: 100, T2: 4000, T4: 5000 });
  assert.equal(t.B, 6400);
  assert.equal(t.J, 6400);
  assert.equal(t.D, 32000, 'Timer D stays at least 32 s on UDP');
});
