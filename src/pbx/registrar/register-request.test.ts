import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  getHeader,
  getHeaderValues,
  isParseError,
  parseMessage,
  type SipRequest,
} from '../../sip/message/index.ts';
import type { Flow } from './binding.ts';
import { contactUriKey, registerInputFrom, registerResponse } from './register-request.ts';
import { Registrar } from './registrar.ts';

const flow: Flow = { transport: 'udp', remoteAddress: '127.0.0.1', remotePort: 5070 };

function register(headers: string[]): SipRequest {
  const text = [
    'REGISTER sip:pbx.test SIP/2.0',
    'Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1',
    'From: <sip:101@pbx.test>;tag=a',
    'To: <sip:101@pbx.test>',
    'Call-ID: reg-1',
    'CSeq: 7 REGISTER',
    'Max-Forwards: 70',
    ...headers,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const m = parseMessage(text);
  assert.ok(!isParseError(m) && m.kind === 'request');
  return m;
}

test('extracts contacts, expires, q, instance and reg-id', () => {
  const input = registerInputFrom(
    register([
      'Contact: <sip:101@127.0.0.1:5070;transport=udp>;expires=120;q=0.7, <sip:x@y.invalid;transport=ws>;+sip.instance="<urn:uuid:abc>";reg-id=1',
      'Expires: 600',
      'User-Agent: test phone',
    ]),
    '101',
    flow,
  );
  assert.ok(typeof input !== 'string');
  assert.equal(input.callId, 'reg-1');
  assert.equal(input.cseq, 7);
  assert.equal(input.expires, 600);
  assert.equal(input.wildcard, false);
  assert.equal(input.userAgent, 'test phone');
  assert.deepEqual(input.contacts[0], {
    uri: 'sip:101@127.0.0.1:5070;transport=udp',
    uriKey: 'sip:101@127.0.0.1:5070;udp',
    expires: 120,
    q: 0.7,
  });
  assert.equal(input.contacts[1]!.instanceId, '<urn:uuid:abc>');
  assert.equal(input.contacts[1]!.regId, '1');
});

test('wildcard and bad values', () => {
  const star = registerInputFrom(register(['Contact: *', 'Expires: 0']), '101', flow);
  assert.ok(typeof star !== 'string' && star.wildcard && star.contacts.length === 0 && star.expires === 0);
  assert.equal(
    registerInputFrom(register(['Contact: <sip:a@b>;expires=soon']), '101', flow),
    'Bad Contact expires',
  );
  assert.equal(registerInputFrom(register(['Contact: <sip:a@b>;q=2']), '101', flow), 'Bad Contact q');
  assert.equal(
    registerInputFrom(register(['Contact: <sip:a@b>', 'Expires: -1']), '101', flow),
    'Bad Expires',
  );
});

test('URI keys ignore host case and other parameters, not the user', () => {
  assert.equal(
    contactUriKey('sip:a@HOST:5060;transport=TCP;ob'),
    contactUriKey('sip:a@host:5060;transport=tcp'),
  );
  assert.notEqual(contactUriKey('sip:A@host'), contactUriKey('sip:a@host'));
  assert.equal(contactUriKey('not a uri'), undefined);
});

test('200 lists every contact with expires; 423 carries Min-Expires', () => {
  const registrar = new Registrar({ domain: 'pbx.test', sweepIntervalMs: 0 });
  const req = register([
    'Contact: <sip:101@127.0.0.1:5070>;+sip.instance="<urn:uuid:1>";reg-id=1',
    'Expires: 300',
  ]);
  const input = registerInputFrom(req, '101', flow);
  assert.ok(typeof input !== 'string');
  const res = registerResponse(req, registrar.register(input));
  assert.equal(res.status, 200);
  assert.deepEqual(getHeaderValues(res, 'contact'), [
    '<sip:101@127.0.0.1:5070>;expires=300;+sip.instance="<urn:uuid:1>";reg-id=1',
  ]);
  assert.equal(getHeader(res, 'expires'), '300');
  assert.equal(getHeader(res, 'call-id'), 'reg-1');
  assert.match(getHeader(res, 'to') ?? '', /;tag=/);
  const short = registerResponse(req, { status: 423, minExpires: 60 });
  assert.equal(short.status, 423);
  assert.equal(getHeader(short, 'min-expires'), '60');
});
