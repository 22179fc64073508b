import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LoginGuard } from './login-guard.ts';

it('limits attempts per address within a sliding minute', () => {
  let now = 1_000_000;
  const g = new LoginGuard(2, () => now);
  assert.equal(g.attempt('a'), 0);
  assert.equal(g.attempt('a'), 0);
  assert.equal(g.attempt('a'), 60);
  assert.equal(g.attempt('b'), 0, 'per address');
  now += 30_000;
  assert.equal(g.attempt('a'), 30);
  now += 30_001;
  assert.equal(g.attempt('a'), 0);
});
