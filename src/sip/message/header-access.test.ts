import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addHeader,
  getHeader,
  getHeaderValues,
  headerKey,
  removeHeader,
  setHeader,
} from './header-access.ts';
import { parseMessage } from './parse-message.ts';
import type { SipRequest } from './types.ts';

function message(): SipRequest {
  const m = parseMessage(
    'INVITE sip:bob@example.com SIP/2.0\r\n' +
      'v: SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/UDP b.example.com;branch=z9hG4bK2\r\n' +
      'Via: SIP/2.0/TCP c.example.com;branch=z9hG4bK3\r\n' +
      'f: "Smith, John" <sip:john@example.com>;tag=1\r\n' +
      'To: <sip:bob@example.com>\r\n' +
      'Contact: "A, B" <sip:a@x;p=1,2>;q=0.5, <sip:b@y>\r\n' +
      'Authorization: Digest username="100", realm="pbx", nonce="n,1", uri="sip:x", response="r"\r\n' +
      'Date: Sat, 13 Nov 2010 23:29:00 GMT\r\n' +
      'i: call-1\r\n' +
      'l: 0\r\n\r\n',
  );
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

describe('header access', () => {
  test('headerKey folds case and compact forms', () => {
    assert.equal(headerKey('V'), 'via');
    assert.equal(headerKey('CALL-ID'), 'call-id');
    assert.equal(headerKey('i'), 'call-id');
    for (const [c, full] of Object.entries({
      m: 'contact',
      e: 'content-encoding',
      l: 'content-length',
      f: 'from',
      t: 'to',
      k: 'supported',
      c: 'content-type',
      s: 'subject',
      o: 'event',
      u: 'allow-events',
      r: 'refer-to',
      b: 'referred-by',
      x: 'session-expires',
      y: 'identity',
    })) {
      assert.equal(headerKey(c), full);
    }
    assert.equal(headerKey('X-Custom'), 'x-custom');
  });

  test('getHeader: first value, any spelling', () => {
    const m = message();
    assert.equal(getHeader(m, 'Via'), 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1');
    assert.equal(getHeader(m, 'call-id'), 'call-1');
    assert.equal(getHeader(m, 'FROM'), '"Smith, John" <sip:john@example.com>;tag=1');
    assert.equal(getHeader(m, 'Subject'), undefined);
  });

  test('getHeaderValues: across lines and comma lists, not inside quotes or <>', () => {
    const m = message();
    assert.deepEqual(getHeaderValues(m, 'via'), [
      'SIP/2.0/UDP a.example.com;branch=z9hG4bK1',
      'SIP/2.0/UDP b.example.com;branch=z9hG4bK2',
      'SIP/2.0/TCP c.example.com;branch=z9hG4bK3',
    ]);
    assert.deepEqual(getHeaderValues(m, 'm'), ['"A, B" <sip:a@x;p=1,2>;q=0.5', '<sip:b@y>']);
    assert.deepEqual(getHeaderValues(m, 'nothing'), []);
  });

  test('getHeaderValues: headers whose value holds commas stay whole (§7.3.1)', () => {
    const m = message();
    assert.equal(getHeaderValues(m, 'authorization').length, 1);
    assert.deepEqual(getHeaderValues(m, 'date'), ['Sat, 13 Nov 2010 23:29:00 GMT']);
  });

  test('setHeader replaces every line with one, where the first was', () => {
    const m = message();
    const headers = m.headers;
    setHeader(m, 'via', 'SIP/2.0/UDP z.example.com;branch=z9hG4bKz');
    assert.equal(m.headers, headers, 'edited in place');
    assert.deepEqual(m.headers[0], { name: 'via', value: 'SIP/2.0/UDP z.example.com;branch=z9hG4bKz' });
    assert.equal(getHeaderValues(m, 'Via').length, 1);
    setHeader(m, 'Subject', 'new');
    assert.deepEqual(m.headers.at(-1), { name: 'Subject', value: 'new' });
  });

  test('addHeader: after the last of its name, at the end, or first', () => {
    const m = message();
    addHeader(m, 'Via', 'SIP/2.0/UDP top;branch=z9hG4bKtop', { first: true });
    assert.equal(m.headers[0]?.value, 'SIP/2.0/UDP top;branch=z9hG4bKtop');
    addHeader(m, 'Via', 'SIP/2.0/UDP last;branch=z9hG4bKlast');
    assert.deepEqual(getHeaderValues(m, 'via').at(-1), 'SIP/2.0/UDP last;branch=z9hG4bKlast');
    assert.equal(m.headers[3]?.value, 'SIP/2.0/UDP last;branch=z9hG4bKlast');
    addHeader(m, 'Record-Route', '<sip:p;lr>', { first: true });
    assert.deepEqual(m.headers[0], { name: 'Record-Route', value: '<sip:p;lr>' });
    addHeader(m, 'X-New', '1');
    assert.deepEqual(m.headers.at(-1), { name: 'X-New', value: '1' });
  });

  test('removeHeader removes every line of any spelling and counts them', () => {
    const m = message();
    assert.equal(removeHeader(m, 'VIA'), 2);
    assert.equal(getHeader(m, 'v'), undefined);
    assert.equal(removeHeader(m, 'via'), 0);
  });
});
