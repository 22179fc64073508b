import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatAuthHeader, isAuthParseError, parseAuthHeader } from './digest-header.ts';

test('parses credentials with quoted and token values', () => {
  const r = parseAuthHeader(
    'Digest username="101", realm="pbx.test", nonce="abc", uri="sip:pbx.test", response="0123", algorithm=MD5, qop=auth, nc=00000001, cnonce="x\\"y"',
  );
  assert.ok(!isAuthParseError(r));
  assert.equal(r.length, 1);
  assert.equal(r[0]!.scheme, 'Digest');
  assert.deepEqual(
    { ...r[0]!.params },
    {
      username: '101',
      realm: 'pbx.test',
      nonce: 'abc',
      uri: 'sip:pbx.test',
      response: '0123',
      algorithm: 'MD5',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'x"y',
    },
  );
});

test('several challenges in one value, names lower-cased, commas inside quotes', () => {
  const r = parseAuthHeader('Digest Realm="a,b", qop="auth,auth-int", Digest realm="c"');
  assert.ok(!isAuthParseError(r));
  assert.equal(r.length, 2);
  assert.deepEqual({ ...r[0]!.params }, { realm: 'a,b', qop: 'auth,auth-int' });
  assert.deepEqual({ ...r[1]!.params }, { realm: 'c' });
});

test('malformed values are error values', () => {
  for (const bad of [
    '',
    'realm="x"',
    'Digest realm="unterminated',
    'Digest realm="x" nonce="y"',
    'Digest realm="x", realm="y"',
    'Digest realm=',
    'Digest ;',
    'x'.repeat(9000),
  ]) {
    assert.ok(isAuthParseError(parseAuthHeader(bad)), JSON.stringify(bad.slice(0, 40)));
  }
});

test('format then parse round-trips any printable values', () => {
  fc.assert(
    fc.property(
      fc.dictionary(
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
        fc.string({ unit: fc.constantFrom(...' abc"\\,=;xyz0'.split('')), maxLength: 20 }),
        { minKeys: 1, maxKeys: 6 },
      ),
      (params) => {
        const r = parseAuthHeader(formatAuthHeader('Digest', Object.entries(params), new Set()));
        assert.ok(!isAuthParseError(r));
        assert.deepEqual({ ...r[0]!.params }, { ...params });
      },
    ),
  );
});

test('arbitrary input never throws', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 200 }), (s) => {
      parseAuthHeader(s);
    }),
  );
});
