import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from './parse-message.ts';
import type { SipRequest, SipResponse } from './types.ts';
import { validateRequest, validateResponse } from './validate-message.ts';

const BASE = [
  'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
  'Max-Forwards: 70',
  'To: <sip:b@b>',
  'From: <sip:a@a>;tag=1',
  'Call-ID: c',
  'CSeq: 1 OPTIONS',
];

function req(lines: string[], uri = 'sip:b@b', method = 'OPTIONS'): SipRequest {
  const m = parseMessage(`${method} ${uri} SIP/2.0\r\n${lines.join('\r\n')}\r\n\r\n`);
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

const replace = (name: string, line: string | null) =>
  BASE.flatMap((l) => (l.startsWith(`${name}:`) ? (line === null ? [] : [line]) : [l]));

describe('validateRequest', () => {
  test('a well-formed request passes', () => {
    assert.equal(validateRequest(req(BASE)), undefined);
    assert.equal(validateRequest(req(replace('Max-Forwards', null))), undefined, 'RFC 2543 peers omit it');
    const unregister = [...replace('CSeq', 'CSeq: 2 REGISTER'), 'Contact: *', 'Expires: 0'];
    assert.equal(validateRequest(req(unregister, 'sip:b', 'REGISTER')), undefined, 'Contact: * (§10.2.2)');
  });

  test('each mandatory header missing is a 400', () => {
    for (const name of ['Via', 'To', 'From', 'Call-ID', 'CSeq']) {
      const err = validateRequest(req(replace(name, null)));
      assert.equal(err?.status, 400, name);
      assert.match(err?.message ?? '', /missing/);
    }
  });

  test('semantic errors are 400s', () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['Max-Forwards 256', replace('Max-Forwards', 'Max-Forwards: 256'), /Max-Forwards/],
      ['Max-Forwards -1', replace('Max-Forwards', 'Max-Forwards: -1'), /Max-Forwards/],
      ['CSeq method', replace('CSeq', 'CSeq: 1 INVITE'), /CSeq method/],
      ['CSeq number', replace('CSeq', 'CSeq: x OPTIONS'), /CSeq/],
      ['Expires', [...BASE, 'Expires: soon'], /Expires/],
      ['two Call-IDs', [...BASE, 'i: d'], /more than one call-id/],
      ['two To values', replace('To', 'To: <sip:b@b>, <sip:c@c>'), /more than one to|bad to/],
      ['bad Via', replace('Via', 'Via: SIP/2.0/UDP'), /Via/],
      ['bad From', replace('From', 'From: Bell, A <sip:a@a>'), /from/],
      ['bad Contact', [...BASE, 'Contact: <sip:a@a'], /contact/],
      ['bad Route', [...BASE, 'Route: sip:p;lr, <junk'], /route/],
      ['empty Call-ID', replace('Call-ID', 'Call-ID: '), /Call-ID/],
    ];
    for (const [what, lines, why] of cases) {
      const err = validateRequest(req(lines));
      assert.equal(err?.status, 400, what);
      assert.match(err?.message ?? '', why, what);
    }
  });

  test('Request-URI: malformed 400, with headers 400, unknown scheme 416 unless served', () => {
    assert.equal(validateRequest(req(BASE, 'sip:@b'))?.status, 400);
    assert.equal(validateRequest(req(BASE, 'sip:b@b?Route=x'))?.status, 400);
    assert.equal(validateRequest(req(BASE, 'urn:service:sos'))?.status, 416);
    assert.equal(validateRequest(req(BASE, 'urn:service:sos'), { schemes: ['sip', 'urn'] }), undefined);
    assert.equal(validateRequest(req(BASE, 'tel:+3221234567')), undefined);
  });

  test('a version other than SIP/2.0 is 505', () => {
    const m = req(BASE);
    m.version = 'SIP/3.0';
    assert.equal(validateRequest(m)?.status, 505);
  });
});

describe('validateResponse', () => {
  test('a response needs Via, From, To, Call-ID and a CSeq that parses', () => {
    const ok = parseMessage(`SIP/2.0 200 OK\r\n${BASE.join('\r\n')}\r\n\r\n`) as SipResponse;
    assert.equal(validateResponse(ok), undefined);
    const noCseq = parseMessage(
      `SIP/2.0 200 OK\r\n${replace('CSeq', null).join('\r\n')}\r\n\r\n`,
    ) as SipResponse;
    assert.match(validateResponse(noCseq)?.message ?? '', /cseq/);
    const bigCseq = parseMessage(
      `SIP/2.0 200 OK\r\n${replace('CSeq', 'CSeq: 99999999999 OPTIONS').join('\r\n')}\r\n\r\n`,
    ) as SipResponse;
    assert.match(validateResponse(bigCseq)?.message ?? '', /CSeq/);
  });
});
