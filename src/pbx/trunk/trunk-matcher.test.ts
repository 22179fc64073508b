import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TrunkMatcher } from './trunk-matcher.ts';

const trunks = [
  { id: 'a', host: '127.0.0.10', inboundAddresses: ['127.0.1.0/24'] },
  { id: 'b', host: 'sip.example.net', inboundAddresses: ['::1', '127.0.0.20'] },
];

test('matches a trunk by its host literal, a CIDR or a single address', () => {
  const m = new TrunkMatcher(trunks);
  assert.equal(m.match('127.0.0.10')?.id, 'a');
  assert.equal(m.match('127.0.1.77')?.id, 'a');
  assert.equal(m.match('::ffff:127.0.1.77')?.id, 'a');
  assert.equal(m.match('127.0.0.20')?.id, 'b');
  assert.equal(m.match('::1')?.id, 'b');
});

test('anything else is no trunk, and host names are never trusted by address', () => {
  const m = new TrunkMatcher(trunks);
  assert.equal(m.match('127.0.0.1'), undefined);
  assert.equal(m.match('127.0.2.1'), undefined);
  assert.equal(m.match('not-an-ip'), undefined);
  assert.equal(
    new TrunkMatcher([{ id: 'x', host: 'h', inboundAddresses: ['bogus/99'] }]).match('1.2.3.4'),
    undefined,
  );
});
