import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpMediaPath } from './warm-up.ts';

test('the warm-up runs the concealment path: one concealed frame per round and codec, no socket', () => {
  const r = warmUpMediaPath(20);
  assert.equal(r.concealed, 40);
  assert.ok(r.ms >= 0);
});
