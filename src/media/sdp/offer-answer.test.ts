import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { PCMA, PCMU } from './audio-codecs.ts';
import { type Answer, answerOffer } from './offer-answer.ts';
import { parseSdp } from './parse-sdp.ts';
import { attributeValue, attributeValues, mediaDirection, rtpFormats } from './rtp-formats.ts';
import { isSdpError, type Sdp } from './sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { SdpSessionVersion } from './session-version.ts';

function sdpOf(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(sdp.message);
  return sdp;
}
const fixture = (name: string) => sdpOf(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

function session(): SdpSessionVersion {
  return new SdpSessionVersion({ sessionId: '4242', version: 7n });
}

function answered(offer: Sdp, extra: Partial<Parameters<typeof answerOffer>[1]> = {}): Answer {
  const r = answerOffer(offer, { address: '192.0.2.10', port: 20000, session: session(), ...extra });
  if ('error' in r) throw new Error(`${r.error}: ${r.message}`);
  // Whatever we answer must itself parse.
  assert.ok(!isSdpError(parseSdp(serializeSdp(r.sdp))));
  return r;
}

/** A plain offer with the given m= payload types and extra lines. */
function offerText(formats: string, lines: string[] = [], connection = '203.0.113.5'): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 203.0.113.5',
    's=-',
    `c=IN IP4 ${connection}`,
    't=0 0',
    `m=audio 7078 RTP/AVP ${formats}`,
    ...lines,
    '',
  ].join('\r\n');
}

test('baresip: opus lacks a 48 kHz telephone-event, so G.722 with telephone-event/8000 is chosen', () => {
  const { sdp, audio } = answered(fixture('baresip-1.0-offer.sdp'));
  assert.equal(audio.codec.encoding, 'G722');
  assert.equal(audio.codec.sendPayloadType, 9);
  assert.deepEqual(audio.telephoneEvent, { clockRate: 8000, sendPayloadType: 101, receivePayloadType: 101 });
  assert.deepEqual(audio.remote, { address: '127.0.0.1', port: 35306 });
  assert.deepEqual(audio.remoteRtcp, { address: '127.0.0.1', port: 35307 });
  assert.equal(audio.rtcpMux, false);
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(audio.ptime, 20);
  const m = sdp.media[0]!;
  assert.deepEqual(m.formats, ['9', '101']);
  assert.equal(m.port, 20000);
  assert.equal(sdp.connection?.address, '192.0.2.10');
  assert.equal(attributeValue(m.attributes, 'rtcp-mux'), undefined, 'not offered, not answered');
  assert.equal(mediaDirection(m, sdp), 'sendrecv');
  assert.deepEqual(
    rtpFormats(m).map((f) => `${f.payloadType} ${f.encoding}/${f.clockRate}`),
    ['9 G722/8000', '101 telephone-event/8000'],
  );
  assert.equal(sdp.origin.sessionId, '4242');
  assert.equal(sdp.origin.address, '192.0.2.10');
});

test('Chromium (WebRTC): opus and telephone-event/48000, mid and BUNDLE echoed, rtcp-mux, DTLS/ICE attributes added', () => {
  const offer = fixture('chromium-156-offer.sdp');
  assert.deepEqual(answerOffer(offer, { address: '127.0.0.1', port: 1, session: session() }), {
    error: 'no-audio',
    message: 'the offer has no audio stream on a protocol Parley answers',
  });
  const { sdp, audio } = answered(offer, {
    protocols: ['UDP/TLS/RTP/SAVPF'],
    mediaAttributes: [
      { name: 'ice-ufrag', value: 'abcd' },
      { name: 'setup', value: 'passive' },
    ],
  });
  assert.equal(audio.codec.encoding, 'opus');
  assert.equal(audio.codec.sendPayloadType, 111);
  assert.equal(audio.codec.remoteFmtp, 'minptime=10;useinbandfec=1');
  assert.equal(audio.telephoneEvent?.sendPayloadType, 110);
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.remoteRtcp, undefined);
  assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');
  // Its c=IN IP4 0.0.0.0 is trickle ICE's placeholder, not an RFC 2543 hold.
  assert.equal(audio.remote.address, '0.0.0.0');
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(mediaDirection(sdp.media[0]!, sdp), 'sendrecv');
  assert.equal(attributeValue(audio.remoteAttributes, 'ice-pwd'), 'G9hN2rxfeBCg8q3MJS5l/pfg');
  assert.equal(attributeValue(sdp.attributes, 'group'), 'BUNDLE 0');
  const m = sdp.media[0]!;
  assert.equal(m.protocol, 'UDP/TLS/RTP/SAVPF');
  assert.deepEqual(m.formats, ['111', '110']);
  assert.equal(attributeValue(m.attributes, 'mid'), '0');
  assert.equal(attributeValue(m.attributes, 'rtcp-mux'), '');
  assert.equal(attributeValue(m.attributes, 'setup'), 'passive');
  assert.equal(attributeValue(m.attributes, 'fmtp'), '111 minptime=10;useinbandfec=1');
});

test('SIP.js 0.21 in Chromium (the Odoo widget’s shape): gathered candidates, c= set, answered with opus', () => {
  // What SIP.js sent in an INVITE over WebSocket (ICE gathering complete, so candidates and c= are real).
  const offer = fixture('sipjs-0.21-chromium-156-offer.sdp');
  assert.equal(attributeValues(offer.media[0]!.attributes, 'candidate').length, 8);
  const { sdp, audio } = answered(offer, { protocols: ['UDP/TLS/RTP/SAVPF'] });
  assert.deepEqual(audio.remote, { address: '127.0.0.1', port: 44630 });
  assert.equal(audio.codec.encoding, 'opus');
  assert.equal(audio.telephoneEvent?.sendPayloadType, 110);
  assert.equal(audio.direction, 'sendrecv');
  assert.equal(audio.rtcpMux, true);
  assert.equal(attributeValue(sdp.attributes, 'group'), 'BUNDLE 0');
});

test('a G.711-only preference picks PCMU from Chromium and telephone-event/8000 (126)', () => {
  const { audio } = answered(fixture('chromium-156-offer.sdp'), {
    protocols: ['UDP/TLS/RTP/SAVPF'],
    codecs: [PCMU, PCMA],
  });
  assert.equal(audio.codec.encoding, 'PCMU');
  assert.equal(audio.telephoneEvent?.sendPayloadType, 126);
});

test('sipp: PCMU alone, no telephone-event (digits would come in band or by INFO)', () => {
  const { sdp, audio } = answered(fixture('sipp-3.6-uac-offer.sdp'));
  assert.equal(audio.codec.encoding, 'PCMU');
  assert.equal(audio.telephoneEvent, undefined);
  assert.deepEqual(sdp.media[0]!.formats, ['0']);
});

test('the offerer’s dynamic payload numbers are kept in the answer', () => {
  const offer = sdpOf(
    offerText('98 99', ['a=rtpmap:98 OPUS/48000/2', 'a=rtpmap:99 telephone-event/48000', 'a=ptime:40']),
  );
  const { sdp, audio } = answered(offer);
  assert.equal(audio.codec.sendPayloadType, 98);
  assert.equal(audio.codec.receivePayloadType, 98);
  assert.equal(audio.telephoneEvent?.sendPayloadType, 99);
  assert.equal(audio.ptime, 40);
  assert.deepEqual(sdp.media[0]!.formats, ['98', '99']);
  assert.equal(attributeValue(sdp.media[0]!.attributes, 'rtpmap'), '98 opus/48000/2');
});

test('direction: hold and resume are answered as RFC 3264 §6.1 and §8.4 say', () => {
  const cases: [string[], string, string, boolean?][] = [
    [['a=sendrecv'], '203.0.113.5', 'sendrecv'],
    [['a=sendonly'], '203.0.113.5', 'recvonly'],
    [['a=recvonly'], '203.0.113.5', 'sendonly'],
    [['a=inactive'], '203.0.113.5', 'inactive'],
    [[], '0.0.0.0', 'recvonly'],
    [['a=sendrecv'], '203.0.113.5', 'sendonly', true],
    [['a=sendonly'], '203.0.113.5', 'inactive', true],
  ];
  for (const [lines, address, expected, hold] of cases) {
    const { sdp, audio } = answered(sdpOf(offerText('0', lines, address)), { hold: hold ?? false });
    assert.equal(audio.direction, expected, `${lines} ${address} hold=${hold}`);
    assert.equal(mediaDirection(sdp.media[0]!, sdp), expected);
  }
  // A session-level direction applies to every stream without its own.
  const session = sdpOf(offerText('0').replace('t=0 0', 't=0 0\r\na=sendonly'));
  assert.equal(answered(session).audio.direction, 'recvonly');
});

test('streams other than the first usable audio one are rejected with port 0, keeping the m= lines', () => {
  const offer = sdpOf(
    offerText('0', [
      'a=rtpmap:0 PCMU/8000',
      'm=video 9000 RTP/AVP 96',
      'a=rtpmap:96 VP8/90000',
      'a=mid:v',
      'm=audio 7080 RTP/AVP 8',
    ]),
  );
  const { sdp, audio } = answered(offer);
  assert.equal(audio.mediaIndex, 0);
  assert.equal(sdp.media.length, 3);
  assert.deepEqual(
    sdp.media.map((m) => `${m.type} ${m.port} ${m.formats.join(',')}`),
    ['audio 20000 0', 'video 0 96', 'audio 0 8'],
  );
  assert.equal(attributeValue(sdp.media[1]!.attributes, 'mid'), 'v');
});

test('an audio stream after a rejected one is taken, and its index reported', () => {
  const offer = sdpOf(offerText('18', ['a=rtpmap:18 G729/8000', 'm=audio 7090 RTP/AVP 8']));
  const { sdp, audio } = answered(offer);
  assert.equal(audio.mediaIndex, 1);
  assert.equal(audio.remote.port, 7090);
  assert.equal(sdp.media[0]!.port, 0);
  assert.equal(sdp.media[1]!.port, 20000);
});

test('nothing in common: no-common-codec (SIP 488); only video: no-audio', () => {
  const r = answerOffer(sdpOf(offerText('18', ['a=rtpmap:18 G729/8000'])), {
    address: '192.0.2.10',
    port: 1,
    session: session(),
  });
  assert.equal('error' in r && r.error, 'no-common-codec');
  const v = answerOffer(sdpOf(offerText('0').replace('m=audio', 'm=video')), {
    address: '192.0.2.10',
    port: 1,
    session: session(),
  });
  assert.equal('error' in v && v.error, 'no-audio');
  const zero = answerOffer(sdpOf(offerText('0').replace('7078', '0')), {
    address: 'x',
    port: 1,
    session: session(),
  });
  assert.equal('error' in zero && zero.error, 'no-audio');
});

test('o= keeps its session id; the version rises only when the answer changes (RFC 3264 §8)', () => {
  const s = session();
  const opts = { address: '192.0.2.10', port: 20000, session: s };
  const first = answerOffer(fixture('baresip-1.0-offer.sdp'), opts) as Answer;
  const same = answerOffer(fixture('baresip-1.0-offer.sdp'), opts) as Answer;
  const held = answerOffer(fixture('baresip-1.0-offer.sdp'), { ...opts, hold: true }) as Answer;
  assert.equal(first.sdp.origin.sessionVersion, '7');
  assert.equal(same.sdp.origin.sessionVersion, '7');
  assert.equal(held.sdp.origin.sessionVersion, '8');
  assert.equal(held.sdp.origin.sessionId, '4242');
});

test('a re-offer keeps the codec in use when it is still offered', () => {
  const offer = fixture('chromium-156-offer.sdp');
  const { audio } = answered(offer, { protocols: ['UDP/TLS/RTP/SAVPF'], currentEncoding: 'PCMA' });
  assert.equal(audio.codec.encoding, 'PCMA');
  assert.equal(audio.telephoneEvent?.clockRate, 8000);
});

test('a=rtcp gives the RTCP port when not multiplexed; rtcp-mux can be refused', () => {
  const { audio } = answered(sdpOf(offerText('0', ['a=rtcp:9999 IN IP4 203.0.113.9'])));
  assert.deepEqual(audio.remoteRtcp, { port: 9999, address: '203.0.113.9' });
  const mux = answered(sdpOf(offerText('0', ['a=rtcp-mux'])), { rtcpMux: false });
  assert.equal(mux.audio.rtcpMux, false);
  assert.equal(attributeValue(mux.sdp.media[0]!.attributes, 'rtcp-mux'), undefined);
});

test('IPv6 media address', () => {
  const { sdp } = answered(fixture('sipp-3.6-uac-offer.sdp'), { address: '::1' });
  assert.deepEqual(sdp.connection, { netType: 'IN', addrType: 'IP6', address: '::1' });
  assert.equal(sdp.origin.addrType, 'IP6');
});

test('a BUNDLE offer with audio and video: video rejected (port 0, its mid kept), the group names audio only', () => {
  const chromium = readFileSync(new URL('./fixtures/chromium-156-offer.sdp', import.meta.url), 'utf8');
  const withVideo = `${chromium.replace('a=group:BUNDLE 0', 'a=group:BUNDLE 0 1').trimEnd()}\r\n${[
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'c=IN IP4 0.0.0.0',
    'a=mid:1',
    'a=rtpmap:96 VP8/90000',
    'a=sendrecv',
    'a=rtcp-mux',
    '',
  ].join('\r\n')}`;
  const { sdp, audio } = answered(sdpOf(withVideo), { protocols: ['UDP/TLS/RTP/SAVPF'] });
  assert.equal(audio.mediaIndex, 0);
  assert.equal(attributeValue(sdp.attributes, 'group'), 'BUNDLE 0');
  assert.deepEqual(
    sdp.media.map((m) => `${m.type} ${m.port} mid=${attributeValue(m.attributes, 'mid')}`),
    ['audio 20000 mid=0', 'video 0 mid=1'],
  );
});

test('property: any parsable offer is answered or refused with a value, never a throw; answers fit the offer', () => {
  const mediaLine = fc.record({
    type: fc.constantFrom('audio', 'video', 'application'),
    port: fc.constantFrom(0, 9, 4000, 65535),
    proto: fc.constantFrom('RTP/AVP', 'RTP/AVPF', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udp'),
    formats: fc.array(fc.constantFrom('0', '8', '9', '13', '18', '96', '101', '111', '127', '200', 'x'), {
      maxLength: 6,
    }),
    attrs: fc.array(
      fc.constantFrom(
        'a=rtpmap:96 opus/48000/2',
        'a=rtpmap:96 PCMU/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=rtpmap:111 telephone-event/48000',
        'a=rtpmap:111 opus/48000',
        'a=rtpmap:127 G722/8000',
        'a=rtpmap:x',
        'a=fmtp:96 useinbandfec=1',
        'a=sendonly',
        'a=recvonly',
        'a=inactive',
        'a=rtcp-mux',
        'a=rtcp:abc',
        'a=ptime:0',
        'a=mid:a',
        'a=ice-ufrag:u',
        'c=IN IP4 0.0.0.0',
        'c=IN IP6 ::1',
      ),
      { maxLength: 6 },
    ),
  });
  fc.assert(
    fc.property(fc.array(mediaLine, { maxLength: 4 }), fc.boolean(), (media, sessionC) => {
      const text = [
        'v=0',
        'o=- 1 1 IN IP4 127.0.0.1',
        's=-',
        ...(sessionC ? ['c=IN IP4 127.0.0.1'] : []),
        't=0 0',
        ...media.flatMap((m) => [
          `m=${m.type} ${m.port} ${m.proto}${m.formats.map((f) => ` ${f}`).join('')}`,
          ...m.attrs,
        ]),
        '',
      ].join('\r\n');
      const offer = parseSdp(text);
      if (isSdpError(offer)) return;
      const r = answerOffer(offer, {
        address: '127.0.0.1',
        port: 20000,
        session: session(),
        protocols: ['RTP/AVP', 'RTP/AVPF', 'UDP/TLS/RTP/SAVPF'],
      });
      if ('error' in r) return;
      assert.equal(r.sdp.media.length, offer.media.length);
      assert.equal(r.sdp.media.filter((m) => m.port !== 0).length, 1);
      const back = parseSdp(serializeSdp(r.sdp));
      assert.ok(!isSdpError(back));
      assert.equal(
        rtpFormats(back.media[r.audio.mediaIndex]!)[0]!.payloadType,
        r.audio.codec.receivePayloadType,
      );
    }),
    { numRuns: 1000 },
  );
});
