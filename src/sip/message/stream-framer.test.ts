import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type FramerOutput, StreamFramer } from './stream-framer.ts';
import type { SipParseError, SipRequest } from './types.ts';

const bytes = (s: string) => new TextEncoder().encode(s);
const MSG1 = 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 1\r\nContent-Length: 5\r\n\r\nhello';
const MSG2 = 'SIP/2.0 200 OK\r\nCall-ID: 2\r\nl: 0\r\n\r\n';

function summary(out: FramerOutput[]): string[] {
  return out.map((o) => {
    if (o.kind === 'keepalive') return o.ping ? 'ping' : 'pong';
    if (o.kind === 'error') return `error ${o.status}`;
    return o.kind === 'request' ? `${o.method} ${new TextDecoder().decode(o.body)}` : `${o.status}`;
  });
}

describe('StreamFramer', () => {
  test('several messages in one chunk', () => {
    const f = new StreamFramer();
    assert.deepEqual(summary(f.push(bytes(MSG1 + MSG2 + MSG1))), ['OPTIONS hello', '200', 'OPTIONS hello']);
    assert.equal(f.buffered, 0);
  });

  test('one byte at a time gives the same messages', () => {
    const f = new StreamFramer();
    const all = bytes(MSG1 + MSG2);
    const out: FramerOutput[] = [];
    for (let i = 0; i < all.length; i++) out.push(...f.push(all.subarray(i, i + 1)));
    assert.deepEqual(summary(out), ['OPTIONS hello', '200']);
  });

  test('a body arriving later is waited for', () => {
    const f = new StreamFramer();
    assert.deepEqual(f.push(bytes(MSG1.slice(0, -3))), []);
    assert.ok(f.buffered > 0);
    const [m] = f.push(bytes('llo'));
    assert.deepEqual((m as SipRequest).body, bytes('hello'));
  });

  test('keep-alives (RFC 5626 §4.4.1): CRLFCRLF is a ping, CRLF a pong', () => {
    const f = new StreamFramer();
    assert.deepEqual(summary(f.push(bytes('\r\n\r\n'))), ['ping']);
    assert.deepEqual(summary(f.push(bytes('\r\n'))), ['pong']);
    assert.deepEqual(summary(f.push(bytes('\r\n\r\n' + MSG2 + '\r\n\r\n'))), ['ping', '200', 'ping']);
    // CRLF then CR: the ping's LF may be in flight, so wait.
    assert.deepEqual(summary(f.push(bytes('\r\n\r'))), []);
    assert.deepEqual(summary(f.push(bytes('\n'))), ['ping']);
  });

  test('a message without Content-Length is a framing error; the framer then stops', () => {
    const f = new StreamFramer();
    const out = f.push(bytes(`${MSG2}OPTIONS sip:a@b SIP/2.0\r\nCall-ID: 3\r\n\r\n`));
    assert.deepEqual(summary(out), ['200', 'error 400']);
    assert.equal((out[1] as SipParseError).partial?.kind, 'request');
    assert.equal(f.failed, true);
    assert.deepEqual(f.push(bytes(MSG1)), []);
  });

  test('size limits: headers that never end, and a Content-Length beyond the limit (513)', () => {
    const f = new StreamFramer({ maxMessageBytes: 1024 });
    assert.deepEqual(f.push(bytes('OPTIONS sip:a@b SIP/2.0\r\n')), []);
    const out = f.push(bytes(`X: ${'a'.repeat(1100)}\r\n`));
    assert.deepEqual(summary(out), ['error 513']);

    const g = new StreamFramer({ maxMessageBytes: 1024 });
    assert.deepEqual(summary(g.push(bytes('OPTIONS sip:a@b SIP/2.0\r\nl: 5000\r\n\r\n'))), ['error 513']);
  });

  test('a malformed header section and a bad Content-Length are errors', () => {
    assert.deepEqual(summary(new StreamFramer().push(bytes('garbage\r\n\r\n'))), ['error 400']);
    assert.deepEqual(summary(new StreamFramer().push(bytes('OPTIONS sip:a@b SIP/2.0\r\nl: x\r\n\r\n'))), [
      'error 400',
    ]);
  });

  test('the default limit is 64 KiB', () => {
    assert.equal(new StreamFramer().maxMessageBytes, 65536);
    const f = new StreamFramer();
    const body = 'a'.repeat(65536);
    assert.deepEqual(summary(f.push(bytes(`MESSAGE sip:a@b SIP/2.0\r\nl: ${body.length}\r\n\r\n`))), [
      'error 513',
    ]);
  });

  test('the buffer grows and compacts across many messages', () => {
    const f = new StreamFramer();
    const big = `MESSAGE sip:a@b SIP/2.0\r\nl: 10000\r\n\r\n${'x'.repeat(10000)}`;
    let count = 0;
    for (let i = 0; i < 20; i++) {
      const chunk = bytes(big + MSG2);
      count += f.push(chunk.subarray(0, 7000)).length + f.push(chunk.subarray(7000)).length;
    }
    assert.equal(count, 40);
    assert.equal(f.buffered, 0);
  });
});
