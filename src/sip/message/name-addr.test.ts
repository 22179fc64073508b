import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isParseError } from './lexer.ts';
import { formatNameAddr, parseNameAddr } from './name-addr.ts';
import type { NameAddr } from './types.ts';

describe('parseNameAddr', () => {
  test('quoted display name with quoted-pairs, URI, header parameters', () => {
    assert.deepEqual(
      parseNameAddr('"Bob \\"The\\" \\\\ Builder" <sip:bob@biloxi.com;transport=tcp> ;tag=a6c85cf ; lr'),
      {
        displayName: 'Bob "The" \\ Builder',
        uri: 'sip:bob@biloxi.com;transport=tcp',
        params: { tag: 'a6c85cf', lr: null },
      },
    );
  });

  test('token display names, with or without LWS before <', () => {
    assert.deepEqual(parseNameAddr('Bob  Smith <sip:bob@b>'), {
      displayName: 'Bob  Smith',
      uri: 'sip:bob@b',
      params: {},
    });
    assert.deepEqual(parseNameAddr('caller<sip:c@b>'), { displayName: 'caller', uri: 'sip:c@b', params: {} });
    assert.deepEqual(parseNameAddr('Zoë Ångström <sip:z@b>'), {
      displayName: 'Zoë Ångström',
      uri: 'sip:z@b',
      params: {},
    });
    assert.deepEqual(parseNameAddr('<sip:c@b>'), { uri: 'sip:c@b', params: {} });
    assert.deepEqual(parseNameAddr('"" <sip:c@b>'), { displayName: '', uri: 'sip:c@b', params: {} });
  });

  test('an unescaped quote inside a quoted name (as SIP.js writes it) is read liberally', () => {
    assert.deepEqual(parseNameAddr('"Desk "101"" <sip:101@pbx>;tag=x'), {
      displayName: 'Desk "101"',
      uri: 'sip:101@pbx',
      params: { tag: 'x' },
    });
  });

  test('addr-spec: every ;param belongs to the header (§20.10)', () => {
    assert.deepEqual(parseNameAddr('sip:+1972@gw1.example.net;unknownparam;tag=5'), {
      uri: 'sip:+1972@gw1.example.net',
      params: { unknownparam: null, tag: '5' },
    });
  });

  test('parameter names are lower-cased; quoted values keep their quotes', () => {
    assert.deepEqual(parseNameAddr('<sip:a@b>;Expires=60;+sip.instance="<urn:uuid:1>"'), {
      uri: 'sip:a@b',
      params: { expires: '60', '+sip.instance': '"<urn:uuid:1>"' },
    });
  });

  test('malformed addresses are errors', () => {
    for (const bad of [
      '',
      '"unterminated <sip:a@b>',
      '"quoted" sip:a@b',
      'Bell, Alexander <sip:a@b>',
      '< sip:a@b >',
      '<sip:a@b',
      '<>',
      '<nocolon>',
      '<sip:a@b> junk',
      '<sip:a@b>;;',
      '<sip:a@b>;=x',
      '<sip:a@b>;tag=',
      '<sip:a@b>;tag="open',
      'sip:a@b?Route=x',
      'plain',
    ]) {
      assert.ok(isParseError(parseNameAddr(bad)), `should fail: ${bad}`);
    }
  });
});

describe('formatNameAddr', () => {
  test('always brackets the URI and quotes the display name', () => {
    assert.equal(
      formatNameAddr({ displayName: 'Bob "B" \\', uri: 'sip:b@x;lr', params: { tag: '1', lr: null } }),
      '"Bob \\"B\\" \\\\" <sip:b@x;lr>;tag=1;lr',
    );
    assert.equal(formatNameAddr({ uri: 'sip:b@x?h=v', params: {} }), '<sip:b@x?h=v>');
  });

  test('round-trips', () => {
    const cases: NameAddr[] = [
      { displayName: 'Alice, Inc.', uri: 'sip:alice@atlanta.com', params: { tag: '1928301774' } },
      { uri: 'tel:+12125551212', params: { q: '0.7', expires: '3600', '+sip.instance': '"<urn:uuid:x>"' } },
      { displayName: 'Ünïcödé "q"', uri: 'sip:x@y', params: {} },
    ];
    for (const n of cases) {
      assert.deepEqual(parseNameAddr(formatNameAddr(n)), n);
    }
  });
});
