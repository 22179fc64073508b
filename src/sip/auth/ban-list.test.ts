import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { BanList } from './ban-list.ts';

function memoryLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

test('bans after N failures in the window, logs a security event, lifts after the ban', () => {
  const c = { t: 0 };
  const { logger, lines } = memoryLogger();
  const bans = new BanList({ maxFailures: 3, windowMs: 1000, banMs: 5000, logger, now: () => c.t });
  assert.equal(bans.recordFailure('10.0.0.1'), false);
  c.t = 100;
  assert.equal(bans.recordFailure('10.0.0.1', { username: '101' }), false);
  assert.equal(bans.isBanned('10.0.0.1'), false);
  c.t = 200;
  assert.equal(bans.recordFailure('10.0.0.1', { username: '101' }), true);
  assert.equal(bans.isBanned('10.0.0.1'), true);
  assert.equal(bans.isBanned('10.0.0.2'), false);
  const ban = lines.find((l) => l.event === 'security.ban');
  assert.ok(ban);
  assert.equal(ban.source, '10.0.0.1');
  assert.equal(ban.username, '101');
  assert.deepEqual(bans.banned(), ['10.0.0.1']);
  c.t = 5201;
  assert.equal(bans.isBanned('10.0.0.1'), false);
  assert.equal(bans.stats().bansIssued, 1);
});

test('failures outside the sliding window do not add up', () => {
  const c = { t: 0 };
  const bans = new BanList({ maxFailures: 3, windowMs: 1000, now: () => c.t });
  for (let i = 0; i < 10; i++) {
    c.t = i * 600;
    assert.equal(bans.recordFailure('a'), false);
  }
  assert.equal(bans.isBanned('a'), false);
});

test('tracked sources are bounded', () => {
  const bans = new BanList({ maxTracked: 100 });
  for (let i = 0; i < 1000; i++) bans.recordFailure(`s${i}`);
  assert.equal(bans.stats().tracked, 100);
});
