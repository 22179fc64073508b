import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from './parse-message.ts';
import type { SipParseError, SipRequest, SipResponse } from './types.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

const REGISTER = bytes(
  'REGISTER sip:example.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n' +
    'Max-Forwards: 70\r\n' +
    'To: <sip:100@example.com>\r\n' +
    'From: <sip:100@example.com>;tag=456248\r\n' +
    'Call-ID: 843817637684230@998sdasdh09\r\n' +
    'CSeq: 1826 REGISTER\r\n' +
    'Contact: <sip:100@192.0.2.1>\r\n' +
    'Expires: 7200\r\n' +
    'Content-Length: 0\r\n' +
    '\r\n',
);

function asError(x: unknown): SipParseError {
  assert.equal((x as { kind: string }).kind, 'error');
  return x as SipParseError;
}

describe('parseMessage', () => {
  test('a REGISTER: start line, headers in order, empty body', () => {
    const m = parseMessage(REGISTER) as SipRequest;
    assert.equal(m.kind, 'request');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.uri, 'sip:example.com');
    assert.equal(m.version, 'SIP/2.0');
    assert.deepEqual(
      m.headers.map((h) => h.name),
      ['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Expires', 'Content-Length'],
    );
    assert.deepEqual(m.headers[5], { name: 'CSeq', value: '1826 REGISTER' });
    assert.deepEqual(m.body, new Uint8Array(0));
  });

  test('a string parses like its UTF-8 bytes', () => {
    assert.deepEqual(parseMessage(new TextDecoder().decode(REGISTER)), parseMessage(REGISTER));
  });

  test('a response with a body framed by Content-Length; extra datagram bytes are dropped (§18.3)', () => {
    const m = parseMessage(
      bytes('SIP/2.0 200 OK\r\nCall-ID: a\r\nContent-Type: text/plain\r\nl: 5\r\n\r\nhelloEXTRA'),
    ) as SipResponse;
    assert.equal(m.kind, 'response');
    assert.equal(m.status, 200);
    assert.equal(m.reason, 'OK');
    assert.deepEqual(m.body, bytes('hello'));
    assert.deepEqual(m.headers[2], { name: 'l', value: '5' });
  });

  test('a body shorter than Content-Length is a 400 that still carries the request', () => {
    const err = asError(
      parseMessage(bytes('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\nContent-Length: 10\r\n\r\nshort')),
    );
    assert.equal(err.status, 400);
    assert.equal(err.partial?.kind, 'request');
    assert.deepEqual(err.partial?.body, bytes('short'));
  });

  test('without Content-Length the body is the rest of the datagram', () => {
    const m = parseMessage(bytes('OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nabc\r\n')) as SipRequest;
    assert.deepEqual(m.body, bytes('abc\r\n'));
  });

  test('folding: continuation lines join with one space (§7.3.1)', () => {
    const m = parseMessage(
      bytes('OPTIONS sip:a@b SIP/2.0\r\nSubject: one\r\n  two\r\n\tthree\r\nTo:\r\n <sip:a@b>\r\n\r\n'),
    ) as SipRequest;
    assert.deepEqual(m.headers, [
      { name: 'Subject', value: 'one two three' },
      { name: 'To', value: '<sip:a@b>' },
    ]);
  });

  test('names keep their spelling (compact forms too); space before the colon is allowed', () => {
    const m = parseMessage(
      bytes('OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h\r\nVIA  : SIP/2.0/UDP i\r\n\r\n'),
    );
    assert.deepEqual((m as SipRequest).headers, [
      { name: 'v', value: 'SIP/2.0/UDP h' },
      { name: 'VIA', value: 'SIP/2.0/UDP i' },
    ]);
  });

  test('CRLFs before the start line are skipped (§7.5); bare LF line ends are tolerated', () => {
    const m = parseMessage(bytes('\r\n\r\nOPTIONS sip:a@b SIP/2.0\nCall-ID: x\nl: 2\n\nhi')) as SipRequest;
    assert.equal(m.method, 'OPTIONS');
    assert.deepEqual(m.headers, [
      { name: 'Call-ID', value: 'x' },
      { name: 'l', value: '2' },
    ]);
    assert.deepEqual(m.body, bytes('hi'));
  });

  test('the body is a copy, not a view on the caller buffer', () => {
    const buf = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabc');
    const m = parseMessage(buf) as SipRequest;
    buf.fill(0);
    assert.deepEqual(m.body, bytes('abc'));
    assert.equal(Object.getPrototypeOf(m.body), Uint8Array.prototype);
  });

  test('status lines: three digits, 100–699, reason may be empty or absent', () => {
    assert.equal((parseMessage(bytes('SIP/2.0 180 \r\n\r\n')) as SipResponse).reason, '');
    assert.equal((parseMessage(bytes('SIP/2.0 180\r\n\r\n')) as SipResponse).status, 180);
    assert.equal((parseMessage(bytes('SIP/2.0 404 Not  Here \r\n\r\n')) as SipResponse).reason, 'Not  Here ');
    for (const bad of [
      'SIP/2.0 99 x',
      'SIP/2.0 700 x',
      'SIP/2.0 2000 x',
      'SIP/2.0 20a x',
      'SIP/3.0 200 OK',
    ]) {
      assert.equal(asError(parseMessage(bytes(`${bad}\r\n\r\n`))).status, 400, bad);
    }
  });

  test('request lines: exactly three elements; an unknown version is 505', () => {
    for (const bad of [
      'OPTIONS  sip:a@b SIP/2.0',
      'OPTIONS sip:a@b SIP/2.0 ',
      'OPTIONS sip:a@b',
      'OPT<>IONS sip:a SIP/2.0',
    ]) {
      assert.equal(asError(parseMessage(bytes(`${bad}\r\nCall-ID: x\r\n\r\n`))).status, 400, bad);
    }
    const v = asError(parseMessage(bytes('OPTIONS sip:a@b SIP/2.1\r\nCall-ID: x\r\n\r\n')));
    assert.equal(v.status, 505);
    assert.equal(v.partial?.kind, 'request');
  });

  test('malformed header sections are 400 errors', () => {
    const cases = [
      'OPTIONS sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n',
      'OPTIONS sip:a@b SIP/2.0\r\nBad Name: x\r\n\r\n',
      'OPTIONS sip:a@b SIP/2.0\r\n: empty name\r\n\r\n',
      'OPTIONS sip:a@b SIP/2.0\r\n continuation first\r\n\r\n',
      'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n',
      'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab',
      'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: no empty line',
      '',
      '\r\n\r\n',
    ];
    for (const c of cases) assert.equal(asError(parseMessage(bytes(c))).status, 400, JSON.stringify(c));
  });

  test('limits: message size (513) and header count', () => {
    const big = 'OPTIONS sip:a@b SIP/2.0\r\nX: ' + 'a'.repeat(70000) + '\r\n\r\n';
    assert.equal(asError(parseMessage(bytes(big))).status, 513);
    assert.equal(asError(parseMessage(big)).status, 513);
    assert.equal(parseMessage(bytes(big), { maxBytes: 100000 }).kind, 'request');
    const many = 'OPTIONS sip:a@b SIP/2.0\r\n' + 'X: 1\r\n'.repeat(300) + '\r\n';
    assert.match(asError(parseMessage(bytes(many))).message, /too many headers/);
    assert.equal(parseMessage(bytes(many), { maxHeaders: 300 }).kind, 'request');
  });
});
