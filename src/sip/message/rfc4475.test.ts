/**
 * Every message of RFC 4475 (SIP torture tests), checked against what section 3 of the RFC says of it.
 *
 * Where the RFC leaves a choice ("it is acceptable to reject… an element that is liberal may…"), the
 * test names the choice made. Three outcomes exist here:
 * - `parseMessage` returns a message and `validateRequest`/`validateResponse` accept it;
 * - `validateRequest` returns the status to answer (400, 416, 505…) — the request parsed far enough
 *   that a response can be built from it;
 * - `parseMessage` returns an error: with `partial` (a request whose Via/From/To/Call-ID/CSeq are
 *   readable, so the transport answers `error.status`) or without (a response, which is dropped).
 * For §3.2–3.4 the comments say what the layers above must do.
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
import type { NameAddr, SipMessage, SipParseError, SipRequest, SipResponse, SipUri } from './types.ts';

const DIR = new URL('../../../test/fixtures/rfc4475/', import.meta.url);

function load(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, DIR)));
}

function request(file: string): SipRequest {
  const m = parseMessage(load(file));
  assert.equal(m.kind, 'request', `${file}: ${isParseError(m) ? m.message : ''}`);
  return m as SipRequest;
}

function response(file: string): SipResponse {
  const m = parseMessage(load(file));
  assert.equal(m.kind, 'response', `${file}: ${isParseError(m) ? m.message : ''}`);
  return m as SipResponse;
}

function parseError(file: string): SipParseError {
  const m = parseMessage(load(file));
  assert.equal(m.kind, 'error', `${file} should not parse`);
  return m as SipParseError;
}

function uri(s: string | undefined): SipUri {
  const u = parseUri(s ?? '');
  assert.ok(!isParseError(u), `URI ${s}: ${isParseError(u) ? u.message : ''}`);
  return u;
}

function addr(s: string | undefined): NameAddr {
  const a = parseNameAddr(s ?? '');
  assert.ok(!isParseError(a), `address ${s}: ${isParseError(a) ? a.message : ''}`);
  return a;
}

/** A valid request: parses, validates, and survives serialize → parse unchanged. */
function validRequest(file: string): SipRequest {
  const m = request(file);
  assert.equal(validateRequest(m), undefined);
  assert.deepEqual(parseMessage(serializeMessage(m)), m);
  return m;
}

/** A request that parses but that `validateRequest` refuses with `status`. */
function refused(file: string, status: number, why: RegExp): SipRequest {
  const m = request(file);
  const err = validateRequest(m);
  assert.ok(err, `${file} should be refused`);
  assert.equal(err.status, status);
  assert.match(err.message, why);
  return m;
}

/** A datagram the parser refuses but answers: the error carries the readable request. */
function answeredParseError(file: string, status: number, why: RegExp, callId: string): SipParseError {
  const err = parseError(file);
  assert.equal(err.status, status);
  assert.match(err.message, why);
  assert.equal(err.partial?.kind, 'request');
  assert.equal(getHeader(err.partial as SipMessage, 'call-id'), callId);
  return err;
}

const utf8 = new TextDecoder();

/** Expectation per file; the test below checks that every file of the MANIFEST has one. */
const EXPECT: Record<string, () => void> = {
  // §3.1.1.1 A short tortuous INVITE: valid, every odd spacing must be understood.
  'wsinv.dat': () => {
    const m = validRequest('wsinv.dat');
    assert.equal(m.method, 'INVITE');
    assert.deepEqual(uri(m.uri).params, { unknownparam: null });
    const to = addr(getHeader(m, 'to'));
    assert.equal(to.uri, 'sip:vivekg@chair-dnrc.example.com');
    assert.deepEqual(to.params, { tag: '1918181833n' });
    const from = addr(getHeader(m, 'from'));
    assert.equal(from.displayName, 'J Rosenberg \\"');
    assert.equal(from.uri, 'sip:jdrosen@example.com');
    assert.deepEqual(from.params, { tag: '98asjd8' });
    assert.equal(getHeader(m, 'max-forwards'), '0068');
    assert.deepEqual(parseCSeq(getHeader(m, 'cseq') ?? ''), { seq: 9, method: 'INVITE' });
    const vias = parseViaList(m);
    assert.deepEqual(
      vias.map((v) => [v.protocol, v.transport, v.host, v.params.branch]),
      [
        ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
        ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
        ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
      ],
    );
    assert.equal(getHeader(m, 'subject'), '');
    assert.equal(getHeader(m, 'NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.deepEqual(
      m.headers.find((h) => h.name === 'UnknownHeaderWithUnusualValue'),
      { name: 'UnknownHeaderWithUnusualValue', value: ';;,,;;,;' },
    );
    const route = addr(getHeader(m, 'route'));
    assert.deepEqual(uri(route.uri).params, { lr: null, unknownwith: 'value', 'unknown-no-value': null });
    const contact = addr(getHeader(m, 'contact'));
    assert.equal(contact.displayName, 'Quoted string ""');
    assert.deepEqual(contact.params, { newparam: 'newvalue', secondparam: null, q: '0.33' });
    assert.equal(m.body.length, 150);
  },
  // Not an RFC message: wsinv.dat with the whitespace removed; parses the same way.
  'wsinvFixed.dat': () => {
    const m = request('wsinvFixed.dat');
    assert.equal(validateRequest(m), undefined);
    assert.equal(parseViaList(m).length, 3);
  },
  // §3.1.1.2 Wide range of valid characters: an unknown method, odd tokens, quoted controls, UTF-8.
  'intmeth.dat': () => {
    const m = validRequest('intmeth.dat');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const u = uri(m.uri);
    assert.equal(u.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(u.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(u.host, 'example.com');
    assert.equal(addr(getHeader(m, 'to')).displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    const from = addr(getHeader(m, 'from'));
    assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from.params.tag, "_token~1'+`*%!-.");
    assert.equal(from.params["fromparam''~+*_!.-%"], '"работающий"');
    assert.equal(getHeader(m, 'call-id'), 'intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    assert.equal(getHeader(m, "extensionHeader-!.%*+_`'~"), '\ufeff\u5927\u505c\u96fb');
  },
  // §3.1.1.3 Valid use of %-escapes: unescaped in the model.
  'esc01.dat': () => {
    const m = validRequest('esc01.dat');
    const ruri = uri(m.uri);
    assert.equal(ruri.user, 'sips:user@example.com');
    assert.equal(ruri.host, 'example.net');
    assert.equal(uri(addr(getHeader(m, 'to')).uri).user, 'user');
    assert.equal(uri(addr(getHeader(m, 'from')).uri).user, 'I have spaces');
    const contact = uri(addr(getHeader(m, 'contact')).uri);
    assert.equal(contact.user, 'caller');
    assert.deepEqual(contact.params, { lr: null, name: 'value%41' });
    assert.equal(getHeader(m, 'content-type'), 'application/sdp');
  },
  // §3.1.1.4 Escaped NULs in URIs: legal, and must not end a string early.
  'escnull.dat': () => {
    const m = validRequest('escnull.dat');
    assert.equal(uri(addr(getHeader(m, 'to')).uri).user, 'null-\x00-null');
    assert.deepEqual(
      getHeaderValues(m, 'contact').map((c) => uri(addr(c).uri).user),
      ['\x00', '\x00\x00'],
    );
  },
  // §3.1.1.5 "%" that is not an escape: the method is not REGISTER, C%6Fntact is not Contact.
  'esc02.dat': () => {
    const m = validRequest('esc02.dat');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.notEqual(m.method, 'REGISTER');
    assert.equal(addr(getHeader(m, 'to')).displayName, '%Z%45');
    assert.equal(parseViaList(m)[0]?.params.branch, 'z9hG4bK209%fzsnel234');
    assert.deepEqual(getHeaderValues(m, 'contact'), [
      '<sip:alias1@host1.example.com>',
      '<sip:alias3@host3.example.com>',
    ]);
    assert.equal(getHeader(m, 'C%6Fntact'), '<sip:alias2@host2.example.com>');
  },
  // §3.1.1.6 No LWS between display name and "<".
  'lwsdisp.dat': () => {
    const from = addr(getHeader(validRequest('lwsdisp.dat'), 'from'));
    assert.equal(from.displayName, 'caller');
    assert.equal(from.uri, 'sip:caller@example.com');
  },
  // §3.1.1.7 Long values and many Via lines in every spelling.
  'longreq.dat': () => {
    const m = validRequest('longreq.dat');
    const to = addr(getHeader(m, 'to'));
    assert.match(to.displayName ?? '', /^I have a user name of (extreme){10} proportion$/);
    const toUri = uri(to.uri);
    assert.equal(toUri.port, 6000);
    assert.equal(toUri.params.unknownparam1, `very${'long'.repeat(20)}value`);
    assert.equal(toUri.params[`longparam${'name'.repeat(25)}`], 'shortvalue');
    const from = addr(getHeader(m, 'f'));
    assert.match(from.params.tag ?? '', /^1(298){50}2424$/);
    assert.equal(getHeader(m, 'call-id'), `longreq.one${'really'.repeat(20)}longcallid`);
    const vias = parseViaList(m);
    assert.equal(vias.length, 34);
    assert.equal(vias[0]?.host, 'sip33.example.com');
    assert.equal(vias[33]?.params.received, '192.0.2.5');
    assert.equal(m.body.length, 150);
  },
  // §3.1.1.8 Extra trailing octets in a UDP datagram: only the first request counts.
  'dblreq.dat': () => {
    const m = request('dblreq.dat');
    assert.equal(validateRequest(m), undefined);
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(getHeader(m, 'call-id'), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
  },
  // §3.1.1.9 Semicolons in the user part of the Request-URI.
  'semiuri.dat': () => {
    const m = validRequest('semiuri.dat');
    const u = uri(m.uri);
    assert.equal(u.user, 'user;par=u@example.net');
    assert.equal(u.host, 'example.com');
    assert.deepEqual(u.params, {});
    assert.deepEqual(getHeaderValues(m, 'accept'), [
      'application/sdp',
      'application/pkcs7-mime',
      'multipart/mixed',
      'multipart/signed',
      'message/sip',
      'message/sipfrag',
    ]);
  },
  // §3.1.1.10 Known and unknown transports in Via.
  'transports.dat': () => {
    const vias = parseViaList(validRequest('transports.dat'));
    assert.deepEqual(
      vias.map((v) => v.transport),
      ['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP'],
    );
  },
  // §3.1.1.11 Multipart MIME body with a binary part: the body is carried byte for byte.
  'mpart01.dat': () => {
    const m = validRequest('mpart01.dat');
    const raw = load('mpart01.dat');
    assert.equal(m.body.length, 553);
    assert.deepEqual(m.body, raw.subarray(raw.length - 553));
    assert.equal(getHeader(m, 'content-type'), 'multipart/mixed;boundary=7a9cbec02ceef655');
    const text = Buffer.from(m.body).toString('latin1');
    assert.equal(text.split('--7a9cbec02ceef655').length, 4);
    assert.ok(text.endsWith('--7a9cbec02ceef655--\r\n') || text.endsWith('--7a9cbec02ceef655--'));
  },
  // §3.1.1.12 UTF-8 reason phrase.
  'unreason.dat': () => {
    const m = response('unreason.dat');
    assert.equal(validateResponse(m), undefined);
    assert.equal(m.status, 200);
    assert.equal(
      m.reason,
      '= 2**3 * 5**2 \u043d\u043e \u0441\u0442\u043e \u0434\u0435\u0432\u044f\u043d\u043e\u0441\u0442\u043e ' +
        '\u0434\u0435\u0432\u044f\u0442\u044c - \u043f\u0440\u043e\u0441\u0442\u043e\u0435',
    );
    assert.equal(m.body.length, 154);
    assert.deepEqual(parseMessage(serializeMessage(m)), m);
  },
  // §3.1.1.13 Empty reason phrase.
  'noreason.dat': () => {
    const m = response('noreason.dat');
    assert.equal(validateResponse(m), undefined);
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
    assert.deepEqual(parseMessage(serializeMessage(m)), m);
  },

  // §3.1.2.1 Extraneous header field separators in Via and Contact: 400.
  'badinv01.dat': () => void refused('badinv01.dat', 400, /Via/),
  // §3.1.2.2 Content-Length larger than the datagram: 400 (the body is what arrived).
  'clerr.dat': () => {
    const err = answeredParseError('clerr.dat', 400, /Content-Length/, 'clerr.0ha0isndaksdjweiafasdk3');
    assert.ok((err.partial?.body.length ?? 0) < 9999);
  },
  // §3.1.2.3 Negative Content-Length: an error; over UDP the rest of the datagram is discarded.
  'ncl.dat': () =>
    void answeredParseError('ncl.dat', 400, /Content-Length/, 'ncl.0ha0isndaksdj2193423r542w35'),
  // §3.1.2.4 Overlarge scalars in a request: 400 because of the CSeq (> 2**32-1). Max-Forwards 300 is
  // also refused; the overlarge Expires and expires= are legal syntax (the registrar caps them).
  'scalar02.dat': () => {
    const m = refused('scalar02.dat', 400, /CSeq/);
    assert.ok(isParseError(parseCSeq(getHeader(m, 'cseq') ?? '')));
  },
  // §3.1.2.5 Overlarge scalars in a response: the response is discarded.
  'scalarlg.dat': () => {
    const m = response('scalarlg.dat');
    assert.match(validateResponse(m)?.message ?? '', /CSeq/);
  },
  // §3.1.2.6 Unterminated quoted string in the display name: 400.
  'quotbal.dat': () => void refused('quotbal.dat', 400, /to.*quoted/),
  // §3.1.2.7 Request-URI in <>: 400 (the chosen answer; ignoring the brackets is the liberal one).
  'ltgtruri.dat': () => void refused('ltgtruri.dat', 400, /Request-URI/),
  // §3.1.2.8 LWS inside the Request-URI: 400.
  'lwsruri.dat': () =>
    void answeredParseError(
      'lwsruri.dat',
      400,
      /request line/,
      'lwsruri.asdfasdoeoi2323-asdfwrn23-asd834rk423',
    ),
  // §3.1.2.9 Several SP between Request-Line elements: rejected (acceptable per the RFC).
  'lwsstart.dat': () =>
    void answeredParseError(
      'lwsstart.dat',
      400,
      /request line/,
      'lwsstart.dfknq234oi243099adsdfnawe3@example.com',
    ),
  // §3.1.2.10 SP at the end of the Request-Line: rejected (acceptable per the RFC).
  'trws.dat': () =>
    void answeredParseError('trws.dat', 400, /request line/, 'trws.oicu34958239neffasdhr2345r'),
  // §3.1.2.11 Escaped headers in the Request-URI: 400 (acceptable per the RFC).
  'escruri.dat': () => void refused('escruri.dat', 400, /Request-URI with headers/),
  // §3.1.2.12 Non-GMT Date: the liberal choice, since nothing here uses Date; it stays one value.
  'baddate.dat': () => {
    const m = request('baddate.dat');
    assert.equal(validateRequest(m), undefined);
    assert.deepEqual(getHeaderValues(m, 'date'), ['Fri, 01 Jan 2010 16:00:00 EST']);
  },
  // §3.1.2.13 addr-spec with "?headers" outside <>: 400.
  'regbadct.dat': () => void refused('regbadct.dat', 400, /contact/),
  // §3.1.2.14 Spaces inside <addr-spec>: 400 (parsers must not break; rejecting is reasonable).
  'badaspec.dat': () => void refused('badaspec.dat', 400, /to/),
  // §3.1.2.15 Unquoted display names with non-token characters: 400.
  'baddn.dat': () => void refused('baddn.dat', 400, /display name/),
  // §3.1.2.16 SIP/7.0: 505 Version Not Supported.
  'badvers.dat': () => void answeredParseError('badvers.dat', 505, /version/, 'badvers.31417@c.example.com'),
  // §3.1.2.17 CSeq method differs from the Request-Line method: 400.
  'mismatch01.dat': () => void refused('mismatch01.dat', 400, /CSeq method/),
  // §3.1.2.18 Same with an unknown method: 400, not 501.
  'mismatch02.dat': () => void refused('mismatch02.dat', 400, /CSeq method/),
  // §3.1.2.19 Status code 4294967301: the response is dropped.
  'bigcode.dat': () => {
    const err = parseError('bigcode.dat');
    assert.match(err.message, /status code/);
    assert.equal(err.partial, undefined);
  },

  // §3.2.1 Branch is the bare magic cookie: must parse. The transaction layer answers 400 or falls
  // back to RFC 2543 matching.
  'badbranch.dat': () => {
    const m = validRequest('badbranch.dat');
    assert.equal(parseViaList(m)[0]?.params.branch, 'z9hG4bK');
  },
  // §3.3.1 Missing Call-ID, From, To: 400.
  'insuf.dat': () => void refused('insuf.dat', 400, /missing/),
  // §3.3.2 Unknown Request-URI scheme: 416, the URI kept opaque.
  'unkscm.dat': () => {
    const m = refused('unkscm.dat', 416, /scheme/);
    assert.deepEqual(uri(m.uri), {
      scheme: 'nobodyknowsthisscheme',
      host: '',
      params: {},
      headers: {},
      opaque: 'totallyopaquecontent',
    });
  },
  // §3.3.3 Registered but unusual scheme (soap.beep): parses; this element does not serve it → 416.
  'novelsc.dat': () => {
    const m = refused('novelsc.dat', 416, /scheme/);
    assert.equal(uri(m.uri).opaque, '//192.0.2.103:3002');
  },
  // §3.3.4 Unknown schemes in To/From/Contact: valid. The registrar must answer 400 (To is not a
  // sip/sips AOR); a proxy routes it like any other request.
  'unksm2.dat': () => {
    const m = validRequest('unksm2.dat');
    assert.equal(uri(addr(getHeader(m, 'to')).uri).scheme, 'isbn');
    assert.equal(uri(addr(getHeader(m, 'from')).uri).opaque, '//www.example.com');
    assert.equal(uri(addr(getHeader(m, 'contact')).uri).opaque, 'John_Smith');
  },
  // §3.3.5 Unknown Require/Proxy-Require: parses; the UAS answers 420 listing them in Unsupported.
  'bext01.dat': () => {
    const m = validRequest('bext01.dat');
    assert.deepEqual(getHeaderValues(m, 'require'), ['nothingSupportsThis', 'nothingSupportsThisEither']);
  },
  // §3.3.6 INVITE with an unknown body type: parses; the UAS answers 415 with Accept.
  'invut.dat': () => {
    const m = validRequest('invut.dat');
    assert.equal(getHeader(m, 'content-type'), 'application/unknownformat');
    assert.equal(m.body.length, 40);
  },
  // §3.3.7 Authorization with an unknown scheme: parses (one value, commas and all); answered 401.
  'regaut01.dat': () => {
    const m = validRequest('regaut01.dat');
    assert.deepEqual(getHeaderValues(m, 'authorization'), ['NoOneKnowsThisScheme opaque-data=here']);
  },
  // §3.3.8 Several values in single-value headers: 400.
  'multi01.dat': () => void refused('multi01.dat', 400, /more than one/),
  // §3.3.9 Several different Content-Length values: an error; over UDP the rest of the datagram is
  // discarded, over TCP the framing is lost, the framer stops and the connection is closed.
  'mcl01.dat': () => {
    answeredParseError('mcl01.dat', 400, /Content-Length/, 'mcl01.fhn2323orihawfdoa3o4r52o3irsdf');
    const framer = new StreamFramer();
    const out = framer.push(load('mcl01.dat'));
    assert.equal(out.length, 1);
    assert.equal(out[0]?.kind, 'error');
    assert.equal(framer.failed, true);
  },
  // §3.3.10 200 OK with a broadcast Via: well formed; an endpoint or proxy drops it (transport layer
  // must never send to 255.255.255.255).
  'bcast.dat': () => {
    const m = response('bcast.dat');
    assert.equal(validateResponse(m), undefined);
    assert.equal(parseViaList(m)[1]?.host, '255.255.255.255');
  },
  // §3.3.11 Max-Forwards 0: valid; a proxy answers 483, a UAS processes the request.
  'zeromf.dat': () => assert.equal(getHeader(validRequest('zeromf.dat'), 'max-forwards'), '0'),
  // §3.3.12 Contact addr-spec with ";unknownparam": a header parameter, not a URI one (§20.10).
  'cparam01.dat': () => {
    const contact = addr(getHeader(validRequest('cparam01.dat'), 'contact'));
    assert.equal(contact.uri, 'sip:+19725552222@gw1.example.net');
    assert.deepEqual(contact.params, { unknownparam: null });
    assert.deepEqual(uri(contact.uri).params, {});
  },
  // §3.3.13 The same inside <>: a URI parameter, kept in the binding.
  'cparam02.dat': () => {
    const contact = addr(getHeader(validRequest('cparam02.dat'), 'contact'));
    assert.deepEqual(contact.params, {});
    assert.deepEqual(uri(contact.uri).params, { unknownparam: null });
  },
  // §3.3.14 Contact URI with an escaped Route header: valid; the registrar keeps it in the binding.
  'regescrt.dat': () => {
    const contact = addr(getHeader(validRequest('regescrt.dat'), 'm'));
    assert.deepEqual(uri(contact.uri).headers, { Route: '<sip:sip.example.com>' });
  },
  // §3.3.15 Accept without application/sdp on an INVITE with SDP: parses; the UAS answers 406 (or 400).
  'sdp01.dat': () =>
    assert.deepEqual(getHeaderValues(validRequest('sdp01.dat'), 'accept'), ['text/nobodyKnowsThis']),
  // §3.4.1 RFC 2543 syntax (no Max-Forwards, no branch, no Content-Length): accepted; the body is the
  // rest of the datagram. The transaction layer matches it the RFC 2543 way.
  'inv2543.dat': () => {
    const m = request('inv2543.dat');
    assert.equal(validateRequest(m), undefined);
    assert.equal(getHeader(m, 'max-forwards'), undefined);
    assert.equal(parseViaList(m)[0]?.params.branch, undefined);
    assert.ok(utf8.decode(m.body).startsWith('v=0\r\n'));
  },
};

describe('RFC 4475 torture messages', () => {
  const manifest = readFileSync(new URL('MANIFEST.tsv', DIR), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split('\t'));

  test('the fixtures are the 49 RFC messages (and wsinvFixed.dat), each with an expectation', () => {
    assert.equal(manifest.length, 49);
    for (const [, file] of manifest) assert.ok(file && EXPECT[file], `no expectation for ${file}`);
  });

  for (const [section, file, group] of manifest) {
    if (!file) continue;
    test(`§${section} ${file} (${group})`, () => {
      EXPECT[file]?.();
    });
  }
  test('wsinvFixed.dat (not in the RFC)', () => EXPECT['wsinvFixed.dat']?.());

  test('every message survives the stream framer and parses the same when framed', () => {
    for (const [, file] of manifest) {
      if (!file) continue;
      const dgram = parseMessage(load(file));
      // Only messages with a correct Content-Length can be framed on a stream (§18.3).
      if (dgram.kind !== 'request' && dgram.kind !== 'response') continue;
      if (getHeader(dgram, 'content-length') === undefined) continue;
      const framer = new StreamFramer();
      const out = framer.push(serializeMessage(dgram));
      assert.deepEqual(out, [dgram], file);
    }
  });
});
