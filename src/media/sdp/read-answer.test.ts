import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { G722, PCMA, PCMU } from './audio-codecs.ts';
import { createOffer } from './create-offer.ts';
import type { NegotiatedAudio } from './negotiated-audio.ts';
import { type Answer, answerOffer } from './offer-answer.ts';
import { parseSdp } from './parse-sdp.ts';
import { readAnswer } from './read-answer.ts';
import { attributeValue, mediaDirection, rtpFormats } from './rtp-formats.ts';
import { isSdpError, type Sdp } from './sdp.ts';
import { serializeSdp } from './serialize-sdp.ts';
import { SdpSessionVersion } from './session-version.ts';

function sdpOf(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(sdp.message);
  return sdp;
}

function offer(extra: Partial<Parameters<typeof createOffer>[0]> = {}): Sdp {
  const s = createOffer({ address: '192.0.2.10', port: 30000, session: new SdpSessionVersion(), ...extra });
  // What goes on the wire must read back the same.
  return sdpOf(serializeSdp(s));
}

function negotiated(r: NegotiatedAudio | { error: string; message: string }): NegotiatedAudio {
  if ('error' in r) throw new Error(`${r.error}: ${r.message}`);
  return r;
}

test('our offer lists every codec in preference order, then telephone-event per clock rate', () => {
  const o = offer();
  const m = o.media[0]!;
  assert.equal(m.protocol, 'RTP/AVP');
  assert.equal(m.port, 30000);
  assert.deepEqual(m.formats, ['111', '9', '0', '8', '110', '101']);
  assert.deepEqual(
    rtpFormats(m).map((f) => `${f.payloadType} ${f.encoding}/${f.clockRate}/${f.channels}`),
    [
      '111 opus/48000/2',
      '9 G722/8000/1',
      '0 PCMU/8000/1',
      '8 PCMA/8000/1',
      '110 telephone-event/48000/1',
      '101 telephone-event/8000/1',
    ],
  );
  assert.equal(attributeValue(m.attributes, 'rtcp-mux'), '');
  assert.equal(attributeValue(m.attributes, 'ptime'), '20');
  assert.equal(mediaDirection(m, o), 'sendrecv');
  assert.equal(o.connection?.address, '192.0.2.10');
  // G.711 only: no 48 kHz telephone-event.
  assert.deepEqual(offer({ codecs: [PCMU, PCMA] }).media[0]!.formats, ['0', '8', '101']);
});

test('re-INVITE for hold: same session id, version + 1, sendonly; resume: version + 1 again', () => {
  const session = new SdpSessionVersion({ sessionId: '99', version: 1n });
  const base = { address: '192.0.2.10', port: 30000, session };
  const first = createOffer(base);
  const refresh = createOffer(base);
  const hold = createOffer({ ...base, direction: 'sendonly' });
  const resume = createOffer(base);
  assert.deepEqual(
    [first, refresh, hold, resume].map((s) => s.origin.sessionVersion),
    ['1', '1', '2', '3'],
  );
  assert.equal(mediaDirection(hold.media[0]!, hold), 'sendonly');
  assert.ok([first, hold, resume].every((s) => s.origin.sessionId === '99'));
});

test('baresip-like answer: G.722 and telephone-event/8000, sent with our numbers', () => {
  const ours = offer();
  const answer = sdpOf(
    [
      'v=0',
      'o=- 1 2 IN IP4 127.0.0.1',
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 40000 RTP/AVP 9 101',
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-15',
      'a=sendrecv',
      'a=ptime:20',
      '',
    ].join('\r\n'),
  );
  const a = negotiated(readAnswer(ours, answer));
  assert.equal(a.codec.encoding, 'G722');
  assert.equal(a.codec.sendPayloadType, 9);
  assert.deepEqual(a.telephoneEvent, { clockRate: 8000, sendPayloadType: 101, receivePayloadType: 101 });
  assert.deepEqual(a.remote, { address: '127.0.0.1', port: 40000 });
  assert.deepEqual(a.remoteRtcp, { address: '127.0.0.1', port: 40001 }, 'no rtcp-mux in the answer');
  assert.equal(a.rtcpMux, false);
  assert.equal(a.direction, 'sendrecv');
});

test('an answer renumbering opus is matched by rtpmap: send with theirs, receive ours', () => {
  const answer = sdpOf(
    'v=0\r\no=- 1 2 IN IP4 10.1.1.1\r\ns=-\r\nt=0 0\r\nm=audio 40000 RTP/AVP 96 97\r\nc=IN IP4 10.1.1.1\r\n' +
      'a=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=0\r\na=rtpmap:97 telephone-event/48000\r\na=rtcp-mux\r\n',
  );
  const a = negotiated(readAnswer(offer(), answer));
  assert.equal(a.codec.encoding, 'opus');
  assert.equal(a.codec.sendPayloadType, 96);
  assert.equal(a.codec.receivePayloadType, 111);
  assert.equal(a.codec.remoteFmtp, 'stereo=0');
  assert.deepEqual(a.telephoneEvent, { clockRate: 48000, sendPayloadType: 97, receivePayloadType: 110 });
  assert.equal(a.rtcpMux, true);
  assert.equal(a.remoteRtcp, undefined);
});

test('answers that hold, reject or do not fit', () => {
  const ours = offer();
  const text = (m: string, extra = '') =>
    `v=0\r\no=- 1 2 IN IP4 10.1.1.1\r\ns=-\r\nc=IN IP4 10.1.1.1\r\nt=0 0\r\n${m}\r\n${extra}`;
  const held = negotiated(readAnswer(ours, sdpOf(text('m=audio 4000 RTP/AVP 0', 'a=recvonly\r\n'))));
  assert.equal(held.direction, 'sendonly');
  const sendonly = negotiated(readAnswer(ours, sdpOf(text('m=audio 4000 RTP/AVP 0', 'a=sendonly\r\n'))));
  assert.equal(sendonly.direction, 'recvonly');
  const ours2 = offer({ direction: 'sendonly' });
  assert.equal(
    negotiated(readAnswer(ours2, sdpOf(text('m=audio 4000 RTP/AVP 0', 'a=recvonly\r\n')))).direction,
    'sendonly',
  );
  // c=0.0.0.0 is a hold without ICE, and only a placeholder with it (Chromium's trickle-ICE answers).
  const nullHold = negotiated(
    readAnswer(ours, sdpOf(text('m=audio 4000 RTP/AVP 0').replace('10.1.1.1\r\nt', '0.0.0.0\r\nt'))),
  );
  assert.equal(nullHold.direction, 'recvonly');
  const ice = negotiated(
    readAnswer(
      ours,
      sdpOf(text('m=audio 9 RTP/AVP 0', 'a=ice-ufrag:x\r\n').replace('10.1.1.1\r\nt', '0.0.0.0\r\nt')),
    ),
  );
  assert.equal(ice.direction, 'sendrecv');
  const r = readAnswer(ours, sdpOf(text('m=audio 0 RTP/AVP 0')));
  assert.equal('error' in r && r.error, 'rejected');
  const two = readAnswer(ours, sdpOf(text('m=audio 4000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96')));
  assert.equal('error' in two && two.error, 'bad-answer');
  const foreign = readAnswer(ours, sdpOf(text('m=audio 4000 RTP/AVP 18')));
  assert.equal('error' in foreign && foreign.error, 'bad-answer');
  const video = readAnswer(ours, sdpOf(text('m=video 4000 RTP/AVP 0')));
  assert.equal('error' in video && video.error, 'bad-answer');
});

test('Parley offering to Parley: both ends agree on codec, numbers, events and directions', () => {
  for (const [codecsA, codecsB, expected] of [
    [undefined, undefined, 'opus'],
    [undefined, [G722, PCMU], 'G722'],
    [[PCMA, PCMU], [PCMU, PCMA], 'PCMU'],
  ] as const) {
    const a = offer(codecsA ? { codecs: codecsA } : {});
    const answer = answerOffer(a, {
      address: '192.0.2.20',
      port: 40000,
      session: new SdpSessionVersion(),
      ...(codecsB ? { codecs: codecsB } : {}),
    }) as Answer;
    const b = answer.audio;
    const fromA = negotiated(readAnswer(a, sdpOf(serializeSdp(answer.sdp))));
    assert.equal(b.codec.encoding, expected);
    assert.equal(fromA.codec.encoding, expected);
    assert.equal(fromA.codec.sendPayloadType, b.codec.receivePayloadType);
    assert.equal(b.codec.sendPayloadType, fromA.codec.receivePayloadType);
    assert.equal(fromA.telephoneEvent?.sendPayloadType, b.telephoneEvent?.receivePayloadType);
    assert.equal(fromA.rtcpMux, true);
    assert.deepEqual(fromA.remote, { address: '192.0.2.20', port: 40000 });
    assert.deepEqual(b.remote, { address: '192.0.2.10', port: 30000 });
  }
});

test('property: any parsable answer to our offer gives negotiated audio that was offered, or an error value', () => {
  const ours = offer();
  const offeredPts = new Set(ours.media[0]!.formats.map(Number));
  const line = fc.constantFrom(
    'm=audio 4000 RTP/AVP 0 101',
    'm=audio 0 RTP/AVP 0',
    'm=audio 4000 RTP/AVP 96',
    'm=audio 4000 RTP/AVP 9 8 0',
    'm=video 4000 RTP/AVP 0',
    'a=rtpmap:96 opus/48000/2',
    'a=rtpmap:96 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendonly',
    'a=inactive',
    'a=rtcp-mux',
    'a=ptime:30',
    'c=IN IP4 10.0.0.1',
  );
  fc.assert(
    fc.property(fc.array(line, { maxLength: 8 }), (lines) => {
      const answer = parseSdp(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 't=0 0', ...lines, ''].join('\r\n'));
      if (isSdpError(answer)) return;
      const r = readAnswer(ours, answer);
      if ('error' in r) return;
      assert.ok(offeredPts.has(r.codec.receivePayloadType));
      assert.ok(['sendrecv', 'sendonly', 'recvonly', 'inactive'].includes(r.direction));
    }),
    { numRuns: 1000 },
  );
});
