import assert from 'node:assert/strict';
import { test } from 'node:test';
import { warmUpMediaPath } from './warm-up.ts';

test('the warm-up runs the concealment path: one concealed frame per round and codec, no socket', () => {
  assert.equal(warmUpMediaPath(20).concealed, 40);
  assert.equal(warmUpMediaPath(1).concealed, 2);
});
