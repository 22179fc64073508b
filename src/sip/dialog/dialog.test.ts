import assert from 'node:assert/strict';
import test from 'node:test';
import { getHeader, getHeaderValues, parseMessage } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import { Dialog, dialogKeyOfRequest, dialogKeyOfResponse } from './dialog.ts';

const parse = <T>(text: string) => parseMessage(text.replace(/\n/g, '\r\n')) as T;

const invite = parse<SipRequest>(`INVITE sip:bob@b.example SIP/2.0
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Max-Forwards: 70
Record-Route: <sip:p2.example;lr>
Record-Route: <sip:p1.example;lr>
From: "Alice" <sip:alice@a.example>;tag=atag
To: <sip:bob@b.example>
Call-ID: c1@a.example
CSeq: 314 INVITE
Contact: <sip:alice@192.0.2.1:5070>
Content-Length: 0

`);

function reply(status: number, extra = ''): SipResponse {
  return parse<SipResponse>(`SIP/2.0 ${status} X
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Record-Route: <sip:p2.example;lr>
Record-Route: <sip:p1.example;lr>
From: "Alice" <sip:alice@a.example>;tag=atag
To: <sip:bob@b.example>;tag=btag
Call-ID: c1@a.example
CSeq: 314 INVITE
Contact: <sip:bob@192.0.2.2:5080>
${extra}Content-Length: 0

`);
}

test('§12.1.1 UAS: route set in order, remote target from the INVITE Contact, remote CSeq', () => {
  const d = Dialog.asUas(invite, reply(180))!;
  assert.equal(d.state, 'early');
  assert.deepEqual(d.id, { callId: 'c1@a.example', localTag: 'btag', remoteTag: 'atag' });
  assert.deepEqual(d.routeSet, ['<sip:p2.example;lr>', '<sip:p1.example;lr>']);
  assert.equal(d.remoteTarget, 'sip:alice@192.0.2.1:5070');
  assert.equal(d.remoteSeq, 314);
  assert.equal(d.localSeq, undefined);
  assert.equal(d.key, dialogKeyOfRequest(parse<SipRequest>(byeFromAlice(315))));
  d.confirm();
  assert.equal(d.state, 'confirmed');
});

function byeFromAlice(cseq: number): string {
  return `BYE sip:bob@192.0.2.2:5080 SIP/2.0
Via: SIP/2.0/UDP a.example;branch=z9hG4bK9
Max-Forwards: 70
From: <sip:alice@a.example>;tag=atag
To: <sip:bob@b.example>;tag=btag
Call-ID: c1@a.example
CSeq: ${cseq} BYE
Content-Length: 0

`;
}

test('§12.1.2 UAC: route set reversed, remote target from the response Contact, local CSeq', () => {
  const d = Dialog.asUac(invite, reply(200))!;
  assert.equal(d.state, 'confirmed');
  assert.deepEqual(d.id, { callId: 'c1@a.example', localTag: 'atag', remoteTag: 'btag' });
  assert.deepEqual(d.routeSet, ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
  assert.equal(d.remoteTarget, 'sip:bob@192.0.2.2:5080');
  assert.equal(d.localSeq, 314);
  assert.equal(d.key, dialogKeyOfResponse(reply(200)));
});

test('§12.2.1.1 loose routing: Request-URI = remote target, Route = route set; CSeq + 1', () => {
  const d = Dialog.asUac(invite, reply(200))!;
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri, 'sip:bob@192.0.2.2:5080');
  assert.deepEqual(getHeaderValues(bye, 'route'), ['<sip:p1.example;lr>', '<sip:p2.example;lr>']);
  assert.equal(getHeader(bye, 'cseq'), '315 BYE');
  assert.equal(getHeader(bye, 'from'), '"Alice" <sip:alice@a.example>;tag=atag');
  assert.equal(getHeader(bye, 'to'), '<sip:bob@b.example>;tag=btag');
  assert.equal(getHeader(bye, 'call-id'), 'c1@a.example');
  assert.equal(d.nextHop(), 'sip:p1.example;lr');
  assert.equal(getHeader(d.createRequest('INFO'), 'cseq'), '316 INFO');
  assert.equal(
    getHeader(d.createRequest('ACK', {}, 314), 'cseq'),
    '314 ACK',
    'the 2xx ACK reuses the INVITE CSeq',
  );
});

test('§12.2.1.1 strict first route: it becomes the Request-URI, the remote target goes last', () => {
  const strict = parse<SipResponse>(`SIP/2.0 200 OK
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Record-Route: <sip:p2.example;lr>
Record-Route: <sip:strict.example;maddr=10.0.0.1>
From: <sip:alice@a.example>;tag=atag
To: <sip:bob@b.example>;tag=btag
Call-ID: c1@a.example
CSeq: 314 INVITE
Contact: <sip:bob@192.0.2.2:5080>
Content-Length: 0

`);
  const d = Dialog.asUac(invite, strict)!;
  const bye = d.createRequest('BYE');
  assert.equal(bye.uri, 'sip:strict.example', 'maddr is not allowed in a Request-URI');
  assert.deepEqual(getHeaderValues(bye, 'route'), ['<sip:p2.example;lr>', '<sip:bob@192.0.2.2:5080>']);
});

test('§12.2.2: CSeq order enforced; a re-INVITE refreshes the remote target', () => {
  const d = Dialog.asUas(invite, reply(200))!;
  const bye = parse<SipRequest>(byeFromAlice(314));
  assert.equal(d.receiveRequest(bye), 500, 'not higher than the INVITE');
  assert.equal(d.receiveRequest(parse<SipRequest>(byeFromAlice(320))), undefined);
  assert.equal(d.remoteSeq, 320);
  const reinvite = parse<SipRequest>(
    byeFromAlice(321)
      .replace('BYE sip', 'INVITE sip')
      .replace('321 BYE', '321 INVITE')
      .replace('Content-Length', 'Contact: <sip:alice@192.0.2.99:5070>\nContent-Length'),
  );
  assert.equal(d.receiveRequest(reinvite), undefined);
  assert.equal(d.remoteTarget, 'sip:alice@192.0.2.99:5070');
});

test('early UAC dialog: the 2xx confirms it and recomputes the route set (§13.2.2.4)', () => {
  const early = Dialog.asUac(invite, reply(183))!;
  assert.equal(early.state, 'early');
  const ok = parse<SipResponse>(
    `SIP/2.0 200 OK
Via: SIP/2.0/UDP a.example;branch=z9hG4bK1
Record-Route: <sip:only.example;lr>
From: <sip:alice@a.example>;tag=atag
To: <sip:bob@b.example>;tag=btag
Call-ID: c1@a.example
CSeq: 314 INVITE
Contact: <sip:bob@192.0.2.3>
Content-Length: 0

`,
  );
  early.receiveResponse(ok);
  assert.equal(early.state, 'confirmed');
  assert.deepEqual(early.routeSet, ['<sip:only.example;lr>']);
  assert.equal(early.remoteTarget, 'sip:bob@192.0.2.3');
});

test('no dialog without a Contact or a To tag', () => {
  const noTag = reply(200);
  noTag.headers = noTag.headers.map((h) => (h.name === 'To' ? { ...h, value: '<sip:bob@b.example>' } : h));
  assert.equal(Dialog.asUac(invite, noTag), undefined);
  const noContact = reply(200);
  noContact.headers = noContact.headers.filter((h) => h.name !== 'Contact');
  assert.equal(Dialog.asUac(invite, noContact), undefined);
});
