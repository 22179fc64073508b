import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeHa1, computeResponse } from './digest.ts';
import { DigestClient, pickChallenge } from './digest-client.ts';
import { isAuthParseError, parseAuthHeader } from './digest-header.ts';

test('picks the strongest supported algorithm whatever the order', () => {
  const ch = pickChallenge([
    'Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"',
    'Digest realm="r", nonce="n1", algorithm=SHA-256, qop="auth"',
    'Digest realm="r", nonce="n1", algorithm=MD5-sess, qop="auth"',
  ]);
  assert.equal(ch?.algorithm, 'SHA-256');
  assert.equal(ch?.qopAuth, true);
  assert.equal(pickChallenge(['Basic realm="r"']), undefined);
  assert.equal(pickChallenge(['Digest realm="r", nonce="n", qop="auth-int"']), undefined);
  assert.equal(pickChallenge(['Digest realm="r", nonce="n"'])?.algorithm, 'MD5');
});

test('credentials carry a correct response, the opaque, and a counting nc', () => {
  const client = new DigestClient({ username: '101', password: 'pw', cnonce: () => 'cn' });
  const challenge = ['Digest realm="pbx", nonce="abc", opaque="op", algorithm=MD5, qop="auth,auth-int"'];
  const first = parseAuthHeader(client.authorize(challenge, 'INVITE', 'sip:200@pbx')!);
  const second = parseAuthHeader(client.authorize(challenge, 'INVITE', 'sip:200@pbx')!);
  assert.ok(!isAuthParseError(first) && !isAuthParseError(second));
  const p = first[0]!.params;
  assert.equal(p.nc, '00000001');
  assert.equal(second[0]!.params.nc, '00000002');
  assert.equal(p.opaque, 'op');
  assert.equal(p.qop, 'auth');
  const expected = computeResponse({
    algorithm: 'MD5',
    ha1: computeHa1('MD5', '101', 'pbx', 'pw'),
    method: 'INVITE',
    uri: 'sip:200@pbx',
    nonce: 'abc',
    qop: 'auth',
    nc: '00000001',
    cnonce: 'cn',
  });
  assert.equal(p.response, expected);
  // A new nonce restarts the count.
  const third = parseAuthHeader(
    client.authorize([challenge[0]!.replace('abc', 'def')], 'INVITE', 'sip:200@pbx')!,
  );
  assert.ok(!isAuthParseError(third));
  assert.equal(third[0]!.params.nc, '00000001');
});

test('RFC 2069 form when the server offers no qop', () => {
  const client = new DigestClient({ username: 'u', password: 'p' });
  const v = parseAuthHeader(client.authorize(['Digest realm="r", nonce="n"'], 'REGISTER', 'sip:r')!);
  assert.ok(!isAuthParseError(v));
  assert.equal(v[0]!.params.qop, undefined);
  assert.equal(v[0]!.params.nc, undefined);
  assert.equal(
    v[0]!.params.response,
    computeResponse({
      algorithm: 'MD5',
      ha1: computeHa1('MD5', 'u', 'r', 'p'),
      method: 'REGISTER',
      uri: 'sip:r',
      nonce: 'n',
    }),
  );
});
