import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeHa1, computeResponse, constantTimeEqual, parseAlgorithm } from './digest.ts';

// RFC 7616 §3.9.1 worked example (the same inputs for MD5 and SHA-256).
const rfc7616 = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('RFC 7616 §3.9.1 example: MD5 and SHA-256 responses', () => {
  for (const [algorithm, expected] of [
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const) {
    const ha1 = computeHa1(algorithm, rfc7616.username, rfc7616.realm, rfc7616.password);
    const response = computeResponse({ algorithm, ha1, ...rfc7616, qop: 'auth' });
    assert.equal(response, expected, algorithm);
  }
});

test('RFC 2617 §3.5 example (MD5, qop=auth)', () => {
  const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
  const response = computeResponse({
    algorithm: 'MD5',
    ha1,
    method: 'GET',
    uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
    qop: 'auth',
    nc: '00000001',
    cnonce: '0a4f113b',
  });
  assert.equal(response, '6629fae49393a05397450978507c4ef1');
});

test('RFC 2069 form without qop differs from the qop form', () => {
  const ha1 = computeHa1('MD5', 'a', 'r', 'p');
  const base = { algorithm: 'MD5' as const, ha1, method: 'REGISTER', uri: 'sip:r', nonce: 'n' };
  assert.notEqual(
    computeResponse(base),
    computeResponse({ ...base, qop: 'auth', nc: '00000001', cnonce: 'c' }),
  );
  assert.equal(computeResponse(base).length, 32);
});

test('algorithm names', () => {
  assert.equal(parseAlgorithm(undefined), 'MD5');
  assert.equal(parseAlgorithm('sha-256'), 'SHA-256');
  assert.equal(parseAlgorithm('SHA-512-256'), 'SHA-512-256');
  assert.equal(parseAlgorithm('MD5-sess'), undefined);
  assert.equal(parseAlgorithm('bogus'), undefined);
});

test('constantTimeEqual', () => {
  assert.equal(constantTimeEqual('abc', 'abc'), true);
  assert.equal(constantTimeEqual('abc', 'abd'), false);
  assert.equal(constantTimeEqual('abc', 'abcd'), false);
  assert.equal(constantTimeEqual('', ''), true);
});
