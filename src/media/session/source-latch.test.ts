import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SourceLatch } from './source-latch.ts';

test('locks onto the first source after three in-sequence packets, then drops any other source', () => {
  const l = new SourceLatch(3);
  assert.equal(l.check('10.0.0.1', 4000, 7, 100), 'accept');
  assert.equal(l.check('10.0.0.1', 4000, 7, 101), 'accept');
  assert.equal(l.latched, false);
  assert.equal(l.check('10.0.0.1', 4000, 7, 102), 'accept');
  assert.equal(l.latched, true);
  assert.equal(l.check('10.0.0.2', 4000, 7, 103), 'drop', 'other address');
  assert.equal(l.check('10.0.0.1', 4002, 7, 103), 'drop', 'other port');
  assert.equal(l.check('10.0.0.1', 4000, 7, 103), 'accept');
  assert.deepEqual(l.state(), { latched: true, address: '10.0.0.1', port: 4000, ssrc: 7 });
});

test('sequence wraps during probation; a gap restarts the count', () => {
  const l = new SourceLatch(3);
  l.check('a', 1, 1, 65534);
  l.check('a', 1, 1, 65535);
  l.check('a', 1, 1, 0);
  assert.equal(l.latched, true);
  const m = new SourceLatch(3);
  m.check('a', 1, 1, 10);
  m.check('a', 1, 1, 11);
  m.check('a', 1, 1, 20);
  m.check('a', 1, 1, 21);
  assert.equal(m.latched, false);
  m.check('a', 1, 1, 22);
  assert.equal(m.latched, true);
});

test('during learning a competing source is dropped and restarts the probation', () => {
  const l = new SourceLatch(3);
  assert.equal(l.check('a', 1, 1, 1), 'accept');
  assert.equal(l.check('b', 2, 9, 50), 'drop');
  assert.equal(l.check('b', 2, 9, 51), 'accept');
  assert.equal(l.check('b', 2, 9, 52), 'accept');
  assert.equal(l.latched, true);
  assert.equal(l.check('a', 1, 1, 2), 'drop');
});

test('relearn() forgets the source; an SSRC change from the latched source is adopted', () => {
  const l = new SourceLatch(2);
  l.check('a', 1, 1, 1);
  l.check('a', 1, 1, 2);
  assert.equal(l.check('a', 1, 99, 500), 'accept');
  assert.equal(l.state().ssrc, 99);
  l.relearn();
  assert.equal(l.latched, false);
  assert.equal(l.source(), undefined);
  assert.equal(l.check('c', 3, 5, 1), 'accept');
  assert.deepEqual(l.source(), { address: 'c', port: 3 });
});
