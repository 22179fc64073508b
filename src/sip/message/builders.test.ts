import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createAck } from './create-ack.ts';
import { createCancel } from './create-cancel.ts';
import { createRequest } from './create-request.ts';
import { createResponse } from './create-response.ts';
import { getHeader, getHeaderValues } from './header-access.ts';
import { generateBranch, generateCallId, generateTag } from './ids.ts';
import { isParseError } from './lexer.ts';
import { parseNameAddr } from './name-addr.ts';
import { parseMessage } from './parse-message.ts';
import { reasonPhrase } from './reason-phrases.ts';
import { serializeMessage } from './serialize-message.ts';
import type { SipRequest } from './types.ts';
import { validateRequest, validateResponse } from './validate-message.ts';
import { parseViaList } from './via.ts';

const INVITE = parseMessage(
  'INVITE sip:bob@biloxi.com SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8\r\n' +
    'v: SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2\r\n' +
    'Max-Forwards: 70\r\n' +
    't: Bob <sip:bob@biloxi.com>\r\n' +
    'From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n' +
    'Call-ID: a84b4c76e66710\r\n' +
    'CSeq: 314159 INVITE\r\n' +
    'Timestamp: 54\r\n' +
    'Contact: <sip:alice@pc33.atlanta.com>\r\n' +
    'Content-Length: 0\r\n\r\n',
) as SipRequest;

describe('createResponse (§8.2.6)', () => {
  test('copies Via lines, From, Call-ID, CSeq as they came and tags To', () => {
    const r = createResponse(INVITE, 180, undefined, { toTag: 'a6c85cf' });
    assert.equal(r.reason, 'Ringing');
    assert.deepEqual(r.headers, [
      { name: 'Via', value: 'SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8' },
      {
        name: 'v',
        value: 'SIP/2.0/UDP bigbox3.site3.atlanta.com;branch=z9hG4bK77ef4c2312983.1;received=192.0.2.2',
      },
      { name: 't', value: 'Bob <sip:bob@biloxi.com>;tag=a6c85cf' },
      { name: 'From', value: 'Alice <sip:alice@atlanta.com>;tag=1928301774' },
      { name: 'Call-ID', value: 'a84b4c76e66710' },
      { name: 'CSeq', value: '314159 INVITE' },
      { name: 'Content-Length', value: '0' },
    ]);
    assert.equal(validateResponse(r), undefined);
    assert.deepEqual(parseMessage(serializeMessage(r)), r);
  });

  test('Record-Route copied in order when the response establishes a dialog (§12.1.1)', () => {
    const req = structuredClone(INVITE);
    req.headers.splice(
      1,
      0,
      { name: 'Record-Route', value: '<sip:p1;lr>' },
      { name: 'Record-Route', value: '<sip:p2;lr>' },
    );
    assert.deepEqual(
      getHeaderValues(createResponse(req, 200, undefined, { recordRoute: true }), 'record-route'),
      ['<sip:p1;lr>', '<sip:p2;lr>'],
    );
    assert.deepEqual(getHeaderValues(createResponse(req, 486), 'record-route'), []);
  });

  test('100 Trying: no To tag, Timestamp echoed (§8.2.6.1)', () => {
    const r = createResponse(INVITE, 100);
    assert.equal(getHeader(r, 'to'), 'Bob <sip:bob@biloxi.com>');
    assert.equal(getHeader(r, 'timestamp'), '54');
  });

  test('a To that already has a tag is left alone; without toTag one is generated', () => {
    const inDialog = structuredClone(INVITE);
    inDialog.headers[3] = { name: 't', value: '<sip:bob@biloxi.com>;tag=x' };
    assert.equal(
      getHeader(createResponse(inDialog, 200, undefined, { toTag: 'y' }), 'to'),
      '<sip:bob@biloxi.com>;tag=x',
    );
    const to = parseNameAddr(getHeader(createResponse(INVITE, 486), 'to') ?? '');
    assert.ok(!isParseError(to));
    assert.match(to.params.tag ?? '', /^[0-9a-f]{16}$/);
  });

  test('reason, extra headers, body and Content-Type', () => {
    const body = new TextEncoder().encode('v=0\r\n');
    const r = createResponse(INVITE, 200, 'Fine', {
      toTag: 't',
      headers: [{ name: 'Contact', value: '<sip:bob@192.0.2.4>' }],
      body,
      contentType: 'application/sdp',
    });
    assert.equal(r.reason, 'Fine');
    assert.deepEqual(r.headers.slice(-3), [
      { name: 'Contact', value: '<sip:bob@192.0.2.4>' },
      { name: 'Content-Type', value: 'application/sdp' },
      { name: 'Content-Length', value: '5' },
    ]);
    assert.deepEqual(parseMessage(serializeMessage(r)), r);
  });

  test('default reason phrases', () => {
    assert.equal(reasonPhrase(404), 'Not Found');
    assert.equal(reasonPhrase(483), 'Too Many Hops');
    assert.equal(reasonPhrase(505), 'Version Not Supported');
    assert.equal(reasonPhrase(499), 'Client Error');
    assert.equal(reasonPhrase(299), 'Success');
  });
});

describe('createRequest (§8.1.1)', () => {
  test('a REGISTER with the mandatory headers in order, a From tag and a branch', () => {
    const r = createRequest({
      method: 'REGISTER',
      uri: { scheme: 'sip', host: 'example.com', params: {}, headers: {} },
      from: { uri: 'sip:100@example.com', params: {} },
      to: { uri: 'sip:100@example.com', params: {} },
      via: { protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.1', port: 5060, params: { rport: null } },
      contact: { uri: 'sip:100@192.0.2.1:5060', params: { expires: '3600' } },
      cseq: 7,
    });
    assert.equal(r.uri, 'sip:example.com');
    assert.deepEqual(
      r.headers.map((h) => h.name),
      ['Via', 'Max-Forwards', 'To', 'From', 'Call-ID', 'CSeq', 'Contact', 'Content-Length'],
    );
    assert.equal(getHeader(r, 'max-forwards'), '70');
    assert.equal(getHeader(r, 'cseq'), '7 REGISTER');
    const via = parseViaList(r)[0];
    assert.match(via?.params.branch ?? '', /^z9hG4bK[0-9a-f]{24}$/);
    assert.equal(via?.params.rport, null);
    const from = parseNameAddr(getHeader(r, 'from') ?? '');
    assert.ok(!isParseError(from) && from.params.tag);
    assert.equal(getHeader(r, 'contact'), '<sip:100@192.0.2.1:5060>;expires=3600');
    assert.equal(validateRequest(r), undefined);
    assert.deepEqual(parseMessage(serializeMessage(r)), r);
  });

  test('strings as given, routes, extra headers, body', () => {
    const body = new TextEncoder().encode('hello');
    const r = createRequest({
      method: 'MESSAGE',
      uri: 'sip:bob@b',
      from: '<sip:a@a>;tag=1',
      to: '<sip:bob@b>',
      callId: 'cid',
      via: ['SIP/2.0/TCP a;branch=z9hG4bK1', 'SIP/2.0/TCP b;branch=z9hG4bK2'],
      maxForwards: 10,
      routes: ['<sip:p1;lr>', '<sip:p2;lr>'],
      headers: [{ name: 'Subject', value: 'hi' }],
      body,
      contentType: 'text/plain',
    });
    assert.deepEqual(getHeaderValues(r, 'via').length, 2);
    assert.deepEqual(getHeaderValues(r, 'route'), ['<sip:p1;lr>', '<sip:p2;lr>']);
    assert.equal(getHeader(r, 'from'), '<sip:a@a>;tag=1');
    assert.equal(getHeader(r, 'call-id'), 'cid');
    assert.equal(getHeader(r, 'max-forwards'), '10');
    assert.equal(getHeader(r, 'content-type'), 'text/plain');
    assert.equal(getHeader(r, 'content-length'), '5');
    assert.deepEqual(parseMessage(serializeMessage(r)), r);
  });
});

describe('createCancel (§9.1) and createAck (§17.1.1.3)', () => {
  const withRoute = structuredClone(INVITE);
  withRoute.headers.splice(3, 0, { name: 'Route', value: '<sip:p1;lr>' });

  test('CANCEL: same URI, top Via, From, To, Call-ID, CSeq number, Route', () => {
    const c = createCancel(withRoute);
    assert.ok(c);
    assert.equal(c.method, 'CANCEL');
    assert.equal(c.uri, 'sip:bob@biloxi.com');
    assert.deepEqual(getHeaderValues(c, 'via'), ['SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8']);
    assert.equal(getHeader(c, 'to'), 'Bob <sip:bob@biloxi.com>');
    assert.equal(getHeader(c, 'from'), getHeader(INVITE, 'from'));
    assert.equal(getHeader(c, 'call-id'), 'a84b4c76e66710');
    assert.equal(getHeader(c, 'cseq'), '314159 CANCEL');
    assert.deepEqual(getHeaderValues(c, 'route'), ['<sip:p1;lr>']);
    assert.equal(getHeader(c, 'contact'), undefined);
    assert.equal(validateRequest(c), undefined);
  });

  test('ACK for a non-2xx: To from the response, with its tag', () => {
    const busy = createResponse(withRoute, 486, undefined, { toTag: 'zz' });
    const ack = createAck(withRoute, busy);
    assert.ok(ack);
    assert.equal(ack.method, 'ACK');
    assert.equal(getHeader(ack, 'to'), 'Bob <sip:bob@biloxi.com>;tag=zz');
    assert.equal(getHeader(ack, 'cseq'), '314159 ACK');
    assert.deepEqual(getHeaderValues(ack, 'via'), ['SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8']);
    assert.equal(validateRequest(ack), undefined);
    assert.deepEqual(parseMessage(serializeMessage(ack)), ack);
  });

  test('nothing to build from a request without Via or CSeq', () => {
    const broken = structuredClone(INVITE);
    broken.headers = broken.headers.filter((h) => h.name !== 'CSeq');
    assert.equal(createCancel(broken), undefined);
  });
});

describe('identifiers', () => {
  test('formats and no repeats', () => {
    assert.match(generateTag(), /^[0-9a-f]{16}$/);
    assert.match(generateBranch(), /^z9hG4bK[0-9a-f]{24}$/);
    assert.match(generateCallId(), /^[0-9a-f]{32}$/);
    const seen = new Set(Array.from({ length: 1000 }, generateCallId));
    assert.equal(seen.size, 1000);
  });
});
