import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NonceIssuer } from './nonce.ts';
import { NonceCountTracker } from './nonce-count.ts';

test('nonces are unique, ours, and age into stale', () => {
  const c = { t: 1_000_000 };
  const issuer = new NonceIssuer({ lifetimeMs: 1000, now: () => c.t });
  const a = issuer.issue();
  const b = issuer.issue();
  assert.notEqual(a, b);
  assert.equal(issuer.check(a), 'valid');
  assert.equal(issuer.issuedAt(a), 1_000_000);
  c.t += 1001;
  assert.equal(issuer.check(a), 'stale');
});

test('tampered, foreign and garbage nonces are invalid', () => {
  const issuer = new NonceIssuer();
  const other = new NonceIssuer();
  const n = issuer.issue();
  const flipped = (n[5] === 'A' ? 'B' : 'A') + '';
  assert.equal(issuer.check(n.slice(0, 5) + flipped + n.slice(6)), 'invalid');
  assert.equal(issuer.check(other.issue()), 'invalid');
  for (const g of ['', 'x', n + 'A', n.slice(1), '!'.repeat(43)]) assert.equal(issuer.check(g), 'invalid');
});

test('the same secret validates across instances (restart with a persisted key)', () => {
  const secret = new Uint8Array(32).fill(7);
  const n = new NonceIssuer({ secret }).issue();
  assert.equal(new NonceIssuer({ secret }).check(n), 'valid');
});

test('a nonce stamped far in the future is invalid', () => {
  const c = { t: 10_000_000 };
  const issuer = new NonceIssuer({ now: () => c.t });
  const n = issuer.issue();
  c.t -= 60_000;
  assert.equal(issuer.check(n), 'invalid');
});

test('nonce-count tracker: window, replays, expiry', () => {
  const c = { t: 0 };
  const t = new NonceCountTracker({ lifetimeMs: 1000, now: () => c.t });
  assert.equal(t.use('n', 0, 0), false);
  assert.equal(t.use('n', 5, 0), true);
  assert.equal(t.use('n', 5, 0), false);
  assert.equal(t.use('n', 3, 0), true);
  assert.equal(t.use('n', 3, 0), false);
  assert.equal(t.use('n', 100, 0), true);
  assert.equal(t.use('n', 60, 0), false); // fell out of the window
  assert.equal(t.use('n', 99, 0), true);
  assert.equal(t.use('other', 1, 0), true);
  assert.equal(t.size, 2);
  c.t = 2000;
  assert.equal(t.use('third', 1, 2000), true); // sweeps the expired ones
  assert.equal(t.size, 1);
});
