import assert from 'node:assert/strict';
import test from 'node:test';
import { RateLimiter } from './rate-limiter.ts';

test('a flooding source is throttled while another source goes on', () => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 10, burst: 5 }, () => now);
  let allowedA = 0;
  for (let i = 0; i < 100; i++) if (limiter.allow('10.0.0.1')) allowedA++;
  assert.equal(allowedA, 5, 'only the burst passes');
  assert.equal(limiter.allow('10.0.0.2'), true, 'another source has its own bucket');
  now += 100; // 10/s → one token per 100 ms
  assert.equal(limiter.allow('10.0.0.1'), true);
  assert.equal(limiter.allow('10.0.0.1'), false);
  now += 60_000;
  let allowedLater = 0;
  for (let i = 0; i < 100; i++) if (limiter.allow('10.0.0.1')) allowedLater++;
  assert.equal(allowedLater, 5, 'refills up to the burst, no more');
});

test('idle buckets are swept so memory stays bounded', () => {
  let now = 0;
  const limiter = new RateLimiter({ ratePerSecond: 100, burst: 10 }, () => now);
  for (let i = 0; i < 1000; i++) limiter.allow(`10.0.${i >> 8}.${i & 255}`);
  assert.equal(limiter.size, 1000);
  now += 20_000;
  limiter.allow('10.9.9.9');
  assert.equal(limiter.size, 1);
});
