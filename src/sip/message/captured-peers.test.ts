/**
 * Messages captured from real peers (sipp, baresip, SIP.js; see testdata/README.md) parse with the
 * right values, pass validation, survive serialize → parse, and frame identically on a stream.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  getHeader,
  getHeaderValues,
  isParseError,
  parseCSeq,
  parseMessage,
  parseNameAddr,
  parseUri,
  parseViaList,
  StreamFramer,
  serializeMessage,
  validateRequest,
  validateResponse,
} from './index.ts';
import type { SipMessage, SipRequest, SipResponse } from './types.ts';

function load(file: string): SipMessage {
  const m = parseMessage(new Uint8Array(readFileSync(new URL(`testdata/${file}`, import.meta.url))));
  assert.ok(!isParseError(m), file);
  assert.deepEqual(parseMessage(serializeMessage(m)), m, `${file} round trip`);
  assert.deepEqual(new StreamFramer().push(serializeMessage(m)), [m], `${file} framed`);
  return m;
}

const addr = (s: string | undefined) => {
  const a = parseNameAddr(s ?? '');
  assert.ok(!isParseError(a), s);
  return a;
};

describe('messages captured from real peers', () => {
  test('sipp INVITE', () => {
    const m = load('sipp-invite.bin') as SipRequest;
    assert.equal(validateRequest(m), undefined);
    assert.equal(m.method, 'INVITE');
    assert.equal(getHeader(m, 'content-length'), '129');
    assert.equal(m.body.length, 129);
    assert.ok(new TextDecoder().decode(m.body).includes('m=audio 6000 RTP/AVP 0'));
    const from = addr(getHeader(m, 'from'));
    assert.equal(from.displayName, 'sipp');
    assert.equal(from.params.tag, '6447SIPpTag001');
    assert.equal(addr(getHeader(m, 'contact')).uri, 'sip:sipp@127.0.0.1:57511');
    assert.deepEqual(parseViaList(m)[0], {
      protocol: 'SIP/2.0',
      transport: 'UDP',
      host: '127.0.0.1',
      port: 57511,
      params: { branch: 'z9hG4bK-6447-1-0' },
    });
  });

  test('baresip REGISTER, then with Digest credentials', () => {
    const first = load('baresip-register-1.bin') as SipRequest;
    const second = load('baresip-register-2.bin') as SipRequest;
    for (const m of [first, second]) assert.equal(validateRequest(m), undefined);
    assert.deepEqual(parseViaList(first)[0]?.params, { branch: 'z9hG4bKab5d3c55bb0794fc', rport: null });
    const contact = addr(getHeader(first, 'contact'));
    assert.equal(contact.params.expires, '600');
    const route = parseUri(addr(getHeader(first, 'route')).uri);
    assert.ok(!isParseError(route));
    assert.deepEqual(route.params, { transport: 'udp', lr: null });
    assert.deepEqual(parseCSeq(getHeader(second, 'cseq') ?? ''), { seq: 8116, method: 'REGISTER' });
    const auth = getHeaderValues(second, 'authorization');
    assert.equal(auth.length, 1);
    assert.match(auth[0] ?? '', /^Digest username="100", realm="127\.0\.0\.1", .*nc=00000001$/);
    assert.deepEqual(getHeaderValues(first, 'allow').length, 10);
  });

  test('baresip 200 OK to OPTIONS', () => {
    const m = load('baresip-options-200.bin') as SipResponse;
    assert.equal(validateResponse(m), undefined);
    assert.equal(m.status, 200);
    assert.equal(getHeader(m, 'supported'), '');
    assert.deepEqual(parseViaList(m)[0]?.params, {
      branch: 'z9hG4bKopt1',
      rport: '50923',
      received: '127.0.0.1',
    });
    assert.match(addr(getHeader(m, 'to')).params.tag ?? '', /^[0-9a-f]{16}$/);
    assert.equal(m.body.length, 323);
  });

  test('SIP.js REGISTER (the browser softphone)', () => {
    const m = load('sipjs-register.bin') as SipRequest;
    assert.equal(validateRequest(m), undefined);
    assert.equal(addr(getHeader(m, 'from')).displayName, 'Desk 101 Zoë');
    assert.equal(parseViaList(m)[0]?.transport, 'WSS');
    const contact = addr(getHeader(m, 'contact'));
    const uri = parseUri(contact.uri);
    assert.ok(!isParseError(uri));
    assert.deepEqual(uri.params, { transport: 'ws' });
    assert.deepEqual(getHeaderValues(m, 'supported'), ['outbound', 'path', 'gruu']);
  });
});
