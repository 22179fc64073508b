import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_SDP_BYTES, parseSdp } from './parse-sdp.ts';
import { attributeValue, attributeValues, mediaDirection, rtcpTarget, rtpFormats } from './rtp-formats.ts';
import { isSdpError, type Sdp } from './sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';

function fixture(name: string): string {
  return readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
}

function parsed(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(`${sdp.error}: ${sdp.message} (line ${sdp.line})`);
  return sdp;
}

test('Chromium 156 offer: WebRTC attributes are preserved and the formats read', () => {
  const sdp = parsed(fixture('chromium-156-offer.sdp'));
  assert.equal(sdp.origin.sessionId, '7478669170652896423');
  assert.equal(sdp.origin.sessionVersion, '2');
  assert.equal(attributeValue(sdp.attributes, 'group'), 'BUNDLE 0');
  assert.equal(sdp.media.length, 1);
  const m = sdp.media[0]!;
  assert.equal(m.protocol, 'UDP/TLS/RTP/SAVPF');
  assert.equal(m.port, 9);
  assert.deepEqual(m.formats, ['111', '63', '9', '0', '8', '13', '110', '126']);
  assert.equal(attributeValue(m.attributes, 'ice-ufrag'), 'dZf1');
  assert.equal(attributeValue(m.attributes, 'setup'), 'actpass');
  assert.equal(attributeValue(m.attributes, 'mid'), '0');
  assert.match(attributeValue(m.attributes, 'fingerprint')!, /^sha-256 D0:EA:/);
  assert.equal(attributeValues(m.attributes, 'candidate').length, 2);
  assert.equal(attributeValues(m.attributes, 'ssrc').length, 2);
  assert.equal(attributeValue(m.attributes, 'rtcp-mux'), '');
  assert.equal(mediaDirection(m, sdp), 'sendrecv');
  const formats = rtpFormats(m);
  assert.deepEqual(
    formats.map((f) => `${f.payloadType} ${f.encoding}/${f.clockRate}/${f.channels}`),
    [
      '111 opus/48000/2',
      '63 red/48000/2',
      '9 G722/8000/1',
      '0 PCMU/8000/1',
      '8 PCMA/8000/1',
      '13 CN/8000/1',
      '110 telephone-event/48000/1',
      '126 telephone-event/8000/1',
    ],
  );
  assert.equal(formats[0]!.fmtp, 'minptime=10;useinbandfec=1');
  assert.deepEqual(rtcpTarget(m, '0.0.0.0'), { port: 9, address: '0.0.0.0' });
});

test('baresip 1.0 offer: session-level c=, telephone-event at 8000 only, ptime', () => {
  const sdp = parsed(fixture('baresip-1.0-offer.sdp'));
  assert.equal(sdp.connection?.address, '127.0.0.1');
  const m = sdp.media[0]!;
  assert.equal(m.protocol, 'RTP/AVP');
  assert.equal(attributeValue(m.attributes, 'ptime'), '20');
  assert.equal(attributeValue(sdp.attributes, 'tool'), 'baresip 1.0.0');
  assert.deepEqual(
    rtpFormats(m).map((f) => f.encoding),
    ['PCMU', 'PCMA', 'G722', 'opus', 'telephone-event'],
  );
  assert.deepEqual(rtcpTarget(m, '127.0.0.1'), { port: m.port + 1, address: '127.0.0.1' });
});

test('sipp uac offer: a static payload type with an rtpmap, nothing else', () => {
  const sdp = parsed(fixture('sipp-3.6-uac-offer.sdp'));
  assert.equal(sdp.media[0]!.port, 6000);
  assert.deepEqual(rtpFormats(sdp.media[0]!), [
    { payloadType: 0, encoding: 'PCMU', clockRate: 8000, channels: 1 },
  ]);
});

test('static payload types without rtpmap take RFC 3551 meanings; unmapped dynamic ones are left out', () => {
  const sdp = parsed(
    'v=0\no=- 1 1 IN IP4 10.0.0.1\ns=-\nc=IN IP4 10.0.0.1\nt=0 0\nm=audio 4000 RTP/AVP 8 0 9 97 18\n',
  );
  assert.deepEqual(
    rtpFormats(sdp.media[0]!).map((f) => f.encoding),
    ['PCMA', 'PCMU', 'G722', 'G729'],
  );
});

for (const name of [
  'chromium-156-offer.sdp',
  'sipjs-0.21-chromium-156-offer.sdp',
  'baresip-1.0-offer.sdp',
  'sipp-3.6-uac-offer.sdp',
]) {
  test(`${name}: serialize then parse gives the same description, with CRLF lines`, () => {
    const sdp = parsed(fixture(name));
    const text = serializeSdp(sdp);
    assert.ok(text.endsWith('\r\n'));
    assert.ok(!/[^\r]\n/.test(text), 'every line ends with CRLF');
    assert.deepEqual(parsed(text), sdp);
    // The lines themselves survive too (order within a level is kept).
    const lines = (s: string) => s.split(/\r?\n/).filter((l) => l !== '');
    assert.deepEqual(lines(text), lines(fixture(name)));
  });
}

test('lenient: LF line ends, trailing spaces, no s= and no t= line', () => {
  const sdp = parsed('v=0 \no=- 1 1 IN IP4 1.2.3.4  \nc=IN IP4 1.2.3.4\nm=audio 5000 RTP/AVP 0\n');
  assert.equal(sdp.sessionName, '-');
  assert.equal(sdp.timing.length, 0);
  assert.match(serializeSdp(sdp), /\r\nt=0 0\r\n/);
});

test('multicast suffixes and IPv6 connections', () => {
  const sdp = parsed(
    'v=0\no=- 1 1 IN IP6 ::1\ns=x\nc=IN IP4 224.2.36.42/127/3\nt=0 0\nm=audio 5000 RTP/AVP 0\nc=IN IP6 ::1\n',
  );
  assert.deepEqual(sdp.connection, {
    netType: 'IN',
    addrType: 'IP4',
    address: '224.2.36.42',
    suffix: '127/3',
  });
  assert.equal(sdp.media[0]!.connections[0]!.address, '::1');
  assert.match(serializeSdp(sdp), /c=IN IP4 224\.2\.36\.42\/127\/3/);
});

test('malformed descriptions are error values naming the line', () => {
  const cases: [string, string][] = [
    ['', 'missing-line'],
    ['o=- 1 1 IN IP4 1.2.3.4\n', 'missing-line'],
    ['v=1\no=- 1 1 IN IP4 1.2.3.4\n', 'bad-value'],
    ['v=0\ns=-\n', 'missing-line'],
    ['v=0\no=- 1 IN IP4 1.2.3.4\n', 'bad-origin'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nc=IN IP4\n', 'bad-connection'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio 70000 RTP/AVP 0\n', 'bad-media'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nm=audio x RTP/AVP 0\n', 'bad-media'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nhello\n', 'bad-line'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nb=AS\n', 'bad-value'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\nt=now\n', 'bad-value'],
    ['v=0\no=- 1 1 IN IP4 1.2.3.4\na=:x\n', 'bad-value'],
    ['v=0\nv=0\n', 'bad-line'],
    [`v=0\no=- 1 1 IN IP4 1.2.3.4\na=x:${'y'.repeat(MAX_SDP_BYTES)}\n`, 'too-large'],
  ];
  for (const [text, error] of cases) {
    const r = parseSdp(text);
    assert.ok(isSdpError(r), JSON.stringify(text.slice(0, 40)));
    assert.equal(r.error, error, JSON.stringify(text.slice(0, 40)));
  }
  const r = parseSdp('v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nm=audio 1 RTP/AVP 0\nc=IN\n');
  assert.ok(isSdpError(r) && r.line === 5);
});

test('lines of an unknown type letter are ignored', () => {
  const sdp = parsed('v=0\no=- 1 1 IN IP4 1.2.3.4\ns=-\nx=whatever\nt=0 0\n');
  assert.equal(sdp.sessionName, '-');
});

test('property: arbitrary text never throws, and whatever parses survives serialize/parse', () => {
  const line = fc.oneof(
    fc.constantFrom(
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 4000 RTP/AVP 0 8 101',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=sendonly',
      'b=AS:64',
      'i=info',
      'k=clear:x',
      'r=7d 1h 0 25h',
    ),
    fc.string({ maxLength: 30 }),
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.boolean(), (lines, withHeader) => {
      const text = (withHeader ? ['v=0', 'o=- 1 2 IN IP4 127.0.0.1', ...lines] : lines).join('\r\n');
      const r = parseSdp(text);
      if (isSdpError(r)) return;
      // Serializing normalises (CRLF, t=0 0 when missing, §5 order); after that it is a fixed point.
      const once = serializeSdp(r);
      const again = parseSdp(once);
      assert.ok(!isSdpError(again), once);
      assert.equal(serializeSdp(again), once);
    }),
    { numRuns: 500 },
  );
});
