import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseMessage } from './parse-message.ts';
import { serializeMessage } from './serialize-message.ts';
import type { SipRequest, SipResponse } from './types.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

function request(headers: Array<[string, string]>, body = ''): SipRequest {
  return {
    kind: 'request',
    method: 'MESSAGE',
    uri: 'sip:bob@example.com',
    version: 'SIP/2.0',
    headers: headers.map(([name, value]) => ({ name, value })),
    body: bytes(body),
  };
}

describe('serializeMessage', () => {
  test('writes the start line, headers in order, and the body', () => {
    const m = request(
      [
        ['v', 'SIP/2.0/UDP h;branch=z9hG4bK1'],
        ['Call-ID', 'abc'],
        ['Content-Length', '2'],
      ],
      'hi',
    );
    assert.equal(
      text(serializeMessage(m)),
      'MESSAGE sip:bob@example.com SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: abc\r\nContent-Length: 2\r\n\r\nhi',
    );
  });

  test('adds a missing Content-Length last', () => {
    assert.equal(
      text(serializeMessage(request([['Call-ID', 'abc']], 'xyz'))),
      'MESSAGE sip:bob@example.com SIP/2.0\r\nCall-ID: abc\r\nContent-Length: 3\r\n\r\nxyz',
    );
  });

  test('corrects a wrong Content-Length in place (compact name kept) and drops extra ones', () => {
    const m = request(
      [
        ['l', '99'],
        ['Call-ID', 'abc'],
        ['Content-Length', '3'],
      ],
      'xyz',
    );
    assert.equal(
      text(serializeMessage(m)),
      'MESSAGE sip:bob@example.com SIP/2.0\r\nl: 3\r\nCall-ID: abc\r\n\r\nxyz',
    );
  });

  test('a response with an empty reason keeps the SP of the status line', () => {
    const r: SipResponse = {
      kind: 'response',
      version: 'SIP/2.0',
      status: 100,
      reason: '',
      headers: [],
      body: new Uint8Array(0),
    };
    assert.equal(text(serializeMessage(r)), 'SIP/2.0 100 \r\nContent-Length: 0\r\n\r\n');
  });

  test('CR or LF inside a value cannot inject a header line', () => {
    const out = text(serializeMessage(request([['Subject', 'hi\r\nX-Injected: 1']])));
    assert.ok(!out.includes('\r\nX-Injected'));
    const back = parseMessage(out) as SipRequest;
    assert.equal(back.headers.length, 2);
  });

  test('binary bodies pass byte for byte, and parse(serialize(m)) equals m', () => {
    const m = request([
      ['Content-Type', 'application/octet-stream'],
      ['Content-Length', '256'],
    ]);
    m.body = Uint8Array.from({ length: 256 }, (_, i) => i);
    const out = serializeMessage(m);
    assert.deepEqual(out.subarray(out.length - 256), m.body);
    assert.deepEqual(parseMessage(out), m);
  });
});
