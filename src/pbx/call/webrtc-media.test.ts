/**
 * The WebRTC leg media against a real media engine (werift in the session's thread), with the offer
 * SIP.js 0.21 in Chromium sends (the Odoo widget's shape): the answer is opus with telephone-event/48000,
 * ICE-lite, DTLS passive, one host candidate on the media address, BUNDLE and rtcp-mux; a hold re-offer
 * keeps the ICE and DTLS values; plain RTP offers are not this answerer's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../../media/index.ts';
import { isMediaFailure } from './call-media.ts';
import {
  answerWebRtc,
  isWebRtcOffer,
  isWebSocketTarget,
  offerWebRtc,
  WebRtcCallMedia,
} from './webrtc-media.ts';

const FIXTURES = join(import.meta.dirname, '..', '..', 'media', 'sdp', 'fixtures');
const crlf = (s: string) => s.replace(/\r?\n/g, '\r\n');
const CHROMIUM_OFFER = crlf(readFileSync(join(FIXTURES, 'sipjs-0.21-chromium-156-offer.sdp'), 'utf8'));
const BARESIP_OFFER = crlf(readFileSync(join(FIXTURES, 'baresip-1.0-offer.sdp'), 'utf8'));

describe('WebRTC leg media', () => {
  let engine: MediaEngine;
  before(() => {
    engine = new MediaEngine({ workers: 0, rtpPorts: rtpTestRange(100) });
  });
  after(async () => {
    await engine.close();
  });

  test('tells browser offers from plain ones', () => {
    assert.equal(isWebRtcOffer(CHROMIUM_OFFER), true);
    assert.equal(isWebRtcOffer(BARESIP_OFFER), false);
    assert.equal(isWebRtcOffer('not sdp'), false);
  });

  test('answers SIP.js/Chromium: opus, ICE-lite, DTLS passive, host candidate, BUNDLE, rtcp-mux', async () => {
    const media = await answerWebRtc(engine, CHROMIUM_OFFER, '127.0.0.1');
    assert.ok(!isMediaFailure(media), JSON.stringify(media));
    assert.ok(media instanceof WebRtcCallMedia);
    const sdp = media.localSdp;
    assert.match(sdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 110\r$/m);
    assert.match(sdp, /^a=rtpmap:111 opus\/48000\/2\r$/m);
    assert.match(sdp, /^a=rtpmap:110 telephone-event\/48000\r$/m);
    assert.match(sdp, /^a=ice-lite\r$/m);
    assert.match(sdp, /^a=setup:passive\r$/m);
    assert.match(sdp, /^a=group:BUNDLE 0\r$/m);
    assert.match(sdp, /^a=mid:0\r$/m);
    assert.match(sdp, /^a=rtcp-mux\r$/m);
    assert.match(sdp, /^a=fingerprint:sha-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}\r$/m);
    const candidates = sdp.match(/^a=candidate:.*$/gm) ?? [];
    assert.equal(candidates.length, 1, 'one host candidate');
    assert.match(candidates[0]!, new RegExp(` udp \\d+ 127\\.0\\.0\\.1 ${media.localPort} typ host`));
    assert.equal(media.audio?.codec.encoding, 'opus');

    // SIP.js holds with a re-INVITE: sendonly → recvonly, same ICE and DTLS values.
    const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)![1];
    const held = media.reoffer(CHROMIUM_OFFER.replace('a=sendrecv', 'a=sendonly'));
    assert.ok(held);
    assert.match(held, /^a=recvonly\r$/m);
    assert.equal(/a=ice-ufrag:(\S+)/.exec(held)![1], ufrag);
    const version = (text: string) => BigInt(/^o=\S+ \S+ (\d+) /m.exec(text)![1]!);
    assert.ok(version(held) > version(sdp), 'the session version went up');
    media.close();
  });

  test('refuses what it cannot answer, with the status to reject with', async () => {
    const plain = await answerWebRtc(engine, BARESIP_OFFER, '127.0.0.1');
    assert.ok(isMediaFailure(plain) && plain.status === 488);
    const garbage = await answerWebRtc(engine, 'v=0\r\nnonsense', '127.0.0.1');
    assert.ok(isMediaFailure(garbage) && garbage.status === 400);
    const noCodec = await answerWebRtc(
      engine,
      CHROMIUM_OFFER.replace(/^m=audio (\d+) (\S+) .*$/m, 'm=audio $1 $2 9 13').replace(
        /^a=rtpmap:(0|8|111) .*\r\n/gm,
        '',
      ),
      '127.0.0.1',
    );
    assert.ok(isMediaFailure(noCodec) && noCodec.status === 488, JSON.stringify(noCodec));
  });

  test('offers to a browser: opus + telephone-event/48000, actpass, ICE-lite, BUNDLE; a bad answer is refused', async () => {
    const media = await offerWebRtc(engine, '127.0.0.1');
    assert.ok(!isMediaFailure(media), JSON.stringify(media));
    const sdp = media.localSdp;
    assert.match(sdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 110\r$/m);
    assert.match(sdp, /^a=setup:actpass\r$/m);
    assert.match(sdp, /^a=ice-lite\r$/m);
    assert.match(sdp, /^a=group:BUNDLE 0\r$/m);
    assert.match(sdp, /^a=mid:0\r$/m);
    assert.equal((sdp.match(/^a=candidate:/gm) ?? []).length, 1);
    const refused = await media.acceptAnswer('v=0\r\nnonsense');
    assert.ok(refused && refused.status === 400, JSON.stringify(refused));
    media.close();
    assert.equal(isWebSocketTarget({ transport: 'wss' }), true);
    assert.equal(isWebSocketTarget({ transport: 'udp' }), false);
  });

  test('any damaged browser offer is answered or refused with a status, never thrown', async () => {
    const lines = CHROMIUM_OFFER.split('\r\n');
    const outcomes: number[] = [];
    await fc.assert(
      fc.asyncProperty(
        // Each line kept nine times in ten: most offers stay close enough to reach werift.
        fc.array(
          fc.nat(9).map((x) => x > 0),
          { minLength: lines.length, maxLength: lines.length },
        ),
        fc.nat(lines.length - 1),
        fc.string({ maxLength: 12 }),
        async (keep, at, junk) => {
          const damaged = lines.filter((_, i) => keep[i] || i === 0);
          damaged.splice(Math.min(at, damaged.length), 0, junk);
          const media = await answerWebRtc(engine, damaged.join('\r\n'), '127.0.0.1');
          outcomes.push(isMediaFailure(media) ? media.status : 200);
          if (isMediaFailure(media)) {
            assert.ok([400, 488, 503].includes(media.status), JSON.stringify(media));
          } else {
            assert.match(media.localSdp, /a=setup:passive/);
            media.close();
          }
        },
      ),
      // The first case keeps every line and adds an unknown attribute: that one must be answered.
      { numRuns: 25, examples: [[lines.map(() => true), lines.length - 1, 'a=x-unknown']] },
    );
    assert.ok(outcomes.includes(200), `some damaged offers are still answered: ${outcomes.join(' ')}`);
  });
});
