import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allocBytes, allocPcm } from './frame-pool.ts';

test('frames are zero-filled, aligned, and never overlap', () => {
  const frames = Array.from({ length: 500 }, (_, i) => (i % 2 ? allocPcm(161) : allocBytes(77)));
  for (const f of frames) {
    assert.ok(f.every((v) => v === 0));
    assert.equal(f.byteOffset % 8, 0);
  }
  for (const [i, f] of frames.entries()) f.fill(i % 100);
  for (const [i, f] of frames.entries())
    assert.ok(
      f.every((v) => v === i % 100),
      `frame ${i} overwritten`,
    );
  // Large requests fall back to their own buffer.
  assert.equal(allocPcm(48000).buffer.byteLength, 96000);
});
