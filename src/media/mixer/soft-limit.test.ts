import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitInto, softLimit } from './soft-limit.ts';

test('soft limit: identity below the knee, monotonic and bounded above it', () => {
  for (const v of [0, 1, -1, 1000, -24576, 24576]) assert.equal(softLimit(v), v);
  let prev = softLimit(24576);
  for (let v = 24577; v < 400000; v += 97) {
    const y = softLimit(v);
    assert.ok(y >= prev && y <= 32767, `${v} → ${y}`);
    assert.equal(softLimit(-v), -y);
    prev = y;
  }
  assert.ok(softLimit(10_000_000) <= 32767);
});

test('limitInto sums minus own contribution and never wraps', () => {
  const sum = Int32Array.of(100, 90000, -90000, 50);
  const own = Int16Array.of(100, 10, -10, -50);
  const out = limitInto(sum, new Int16Array(4), own);
  assert.equal(out[0], 0);
  assert.ok(out[1]! > 24576 && out[1]! <= 32767);
  assert.ok(out[2]! < -24576 && out[2]! >= -32767);
  assert.equal(out[3], 100);
});
