import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isParseError } from './lexer.ts';
import type { SipUri } from './types.ts';
import { formatUri, parseHostPort, parseUri } from './uri.ts';

function ok(s: string): SipUri {
  const u = parseUri(s);
  assert.ok(!isParseError(u), `${s}: ${isParseError(u) ? u.message : ''}`);
  return u;
}

describe('parseUri', () => {
  test('sip with user, port, parameters and headers', () => {
    assert.deepEqual(ok('sip:alice@atlanta.com:5070;transport=TCP;lr?subject=project%20x&priority=urgent'), {
      scheme: 'sip',
      user: 'alice',
      host: 'atlanta.com',
      port: 5070,
      params: { transport: 'TCP', lr: null },
      headers: { subject: 'project x', priority: 'urgent' },
    });
  });

  test('sips, password, no user, scheme case', () => {
    assert.deepEqual(ok('SIPS:bob:secret@biloxi.com'), {
      scheme: 'sips',
      user: 'bob',
      password: 'secret',
      host: 'biloxi.com',
      params: {},
      headers: {},
    });
    assert.deepEqual(ok('sip:192.0.2.4'), { scheme: 'sip', host: '192.0.2.4', params: {}, headers: {} });
  });

  test('escaped user parts are unescaped (UTF-8); parameter names are lower-cased', () => {
    const u = ok('sip:%E2%82%AC%20x%40y@example.com;MAddr=239.255.255.1;N%61me=v%3Bw');
    assert.equal(u.user, '€ x@y');
    assert.deepEqual(u.params, { maddr: '239.255.255.1', name: 'v;w' });
  });

  test('IPv6 references keep their brackets', () => {
    const u = ok('sip:100@[2001:db8::10]:5061;transport=tls');
    assert.equal(u.host, '[2001:db8::10]');
    assert.equal(u.port, 5061);
    assert.equal(ok('sip:[::1]').host, '[::1]');
  });

  test('tel: the number is the user part, host empty', () => {
    assert.deepEqual(ok('tel:+1-201-555-0123;phone-context=example.com'), {
      scheme: 'tel',
      user: '+1-201-555-0123',
      host: '',
      params: { 'phone-context': 'example.com' },
      headers: {},
    });
  });

  test('other schemes stay opaque', () => {
    assert.deepEqual(ok('urn:service:sos'), {
      scheme: 'urn',
      host: '',
      params: {},
      headers: {},
      opaque: 'service:sos',
    });
    assert.equal(ok('http://www.example.com/a?b=c').opaque, '//www.example.com/a?b=c');
  });

  test('malformed URIs are errors', () => {
    for (const bad of [
      '',
      'alice@example.com',
      '1sip:a@b',
      'sip:',
      'sip:@example.com',
      'sip:a@',
      'sip:a@exa mple.com',
      'sip:a@example.com:99999',
      'sip:a@example.com:5o6',
      'sip:a@[::1',
      'sip:a@[zz]',
      'sip:a%2@example.com',
      'sip:a%GG@example.com',
      'sip:a b@example.com',
      'sip:a@example.com;;lr',
      'sip:a@example.com?=x',
      '<sip:a@example.com>',
      'tel:',
      'http:',
      'x:a b',
    ]) {
      const u = parseUri(bad);
      assert.ok(isParseError(u), `should fail: ${JSON.stringify(bad)}`);
      assert.equal(u.status, 400);
    }
  });

  test('parseHostPort', () => {
    assert.deepEqual(parseHostPort('example.com:5060'), { host: 'example.com', port: 5060 });
    assert.deepEqual(parseHostPort('[::1]:0'), { host: '[::1]', port: 0 });
    assert.ok(isParseError(parseHostPort('[::1]x')));
  });
});

describe('formatUri', () => {
  test('writes what parseUri reads', () => {
    for (const s of [
      'sip:alice@atlanta.com:5070;transport=TCP;lr?subject=project%20x&priority=urgent',
      'sips:bob:secret@biloxi.com',
      'sip:100@[2001:db8::10]:5061;transport=tls',
      'tel:+1-201-555-0123;phone-context=example.com',
      'urn:service:sos',
      'sip:user;par=u%40example.net@example.com',
    ]) {
      assert.equal(formatUri(ok(s)), s);
    }
  });

  test('escapes what must be escaped, and round-trips', () => {
    const u: SipUri = {
      scheme: 'sip',
      user: 'a b@c:d€',
      password: 'p@ss;',
      host: 'example.com',
      params: { 'x y': 'v=1;2', lr: null },
      headers: { 'Sub&j': 'a=b&c d' },
    };
    const s = formatUri(u);
    assert.equal(
      s,
      'sip:a%20b%40c%3Ad%E2%82%AC:p%40ss%3B@example.com;x%20y=v%3D1%3B2;lr?Sub%26j=a%3Db%26c%20d',
    );
    assert.deepEqual(parseUri(s), u);
  });
});
