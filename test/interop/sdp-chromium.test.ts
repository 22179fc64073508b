/**
 * Parley's SDP offer/answer against Chromium's own WebRTC stack: Chromium takes Parley's answer to its
 * offer and settles on the codec Parley chose; Chromium answers Parley's offer and Parley reads that
 * answer (codec, payload numbers, telephone-event, rtcp-mux, hold). No media flows: the DTLS/ICE values
 * here are well-formed stand-ins for what the WebRTC adapter would supply.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { PCMU } from '../../src/media/sdp/audio-codecs.ts';
import { createOffer } from '../../src/media/sdp/create-offer.ts';
import { answerOffer } from '../../src/media/sdp/offer-answer.ts';
import { parseSdp } from '../../src/media/sdp/parse-sdp.ts';
import { readAnswer } from '../../src/media/sdp/read-answer.ts';
import { isSdpError, type Sdp, type SdpAttribute } from '../../src/media/sdp/sdp.ts';
import { serializeSdp } from '../../src/media/sdp/serialize-sdp.ts';
import { SdpSessionVersion } from '../../src/media/sdp/session-version.ts';
import { type Browser, launchChromium } from './console-harness.ts';
import { NO_CHROMIUM } from './helpers/console-session.ts';

/** Stand-ins for what the WebRTC adapter would add: ICE credentials and a DTLS fingerprint. */
function webrtcAttributes(setup: 'actpass' | 'passive'): SdpAttribute[] {
  const fingerprint = Array.from({ length: 32 }, (_, i) =>
    ((i * 37 + 11) & 0xff).toString(16).padStart(2, '0'),
  )
    .join(':')
    .toUpperCase();
  return [
    { name: 'mid', value: '0' },
    { name: 'ice-ufrag', value: 'prly' },
    { name: 'ice-pwd', value: 'parleyparleyparleyparley' },
    { name: 'fingerprint', value: `sha-256 ${fingerprint}` },
    { name: 'setup', value: setup },
    { name: 'candidate', value: '1 1 udp 2130706431 127.0.0.1 40000 typ host' },
  ];
}

function sdpOf(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(`${sdp.error}: ${sdp.message}`);
  return sdp;
}

describe('SDP offer/answer with Chromium', { skip: NO_CHROMIUM }, () => {
  let browser: Browser | undefined;
  let page: Page;

  before(async () => {
    browser = await launchChromium();
    page = browser.page;
  });

  after(async () => {
    await browser?.close();
  });

  /** Chromium makes an offer; Parley answers; Chromium applies it and reports the codec it will send. */
  async function chromiumTakesOurAnswer(codecs?: (typeof PCMU)[]) {
    const offerText: string = await page.evaluate(async () => {
      const pc = new RTCPeerConnection({ iceServers: [] });
      (globalThis as unknown as { pc: RTCPeerConnection }).pc = pc;
      pc.addTransceiver('audio', { direction: 'sendrecv' });
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      return offer.sdp ?? '';
    });
    const answer = answerOffer(sdpOf(offerText), {
      address: '127.0.0.1',
      port: 40000,
      session: new SdpSessionVersion(),
      protocols: ['UDP/TLS/RTP/SAVPF'],
      mediaAttributes: webrtcAttributes('passive').filter((a) => a.name !== 'mid'),
      ...(codecs ? { codecs } : {}),
    });
    if ('error' in answer) throw new Error(answer.message);
    const sent = await page.evaluate(async (sdp) => {
      const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      const params = pc.getTransceivers()[0]!.sender.getParameters();
      const result = {
        codecs: params.codecs.map((c) => `${c.payloadType} ${c.mimeType}/${c.clockRate}`),
        direction: pc.getTransceivers()[0]!.currentDirection,
      };
      pc.close();
      return result;
    }, serializeSdp(answer.sdp));
    return { answer, sent };
  }

  test('Chromium accepts Parley’s answer to its offer and sends what Parley chose (opus, then PCMU)', async () => {
    const opus = await chromiumTakesOurAnswer();
    assert.equal(opus.answer.audio.codec.encoding, 'opus');
    assert.equal(opus.sent.codecs[0], `${opus.answer.audio.codec.sendPayloadType} audio/opus/48000`);
    assert.ok(
      opus.sent.codecs.includes(
        `${opus.answer.audio.telephoneEvent!.sendPayloadType} audio/telephone-event/48000`,
      ),
      opus.sent.codecs.join(' | '),
    );
    assert.equal(opus.sent.direction, 'sendrecv');

    const pcmu = await chromiumTakesOurAnswer([PCMU]);
    assert.deepEqual(pcmu.sent.codecs, ['0 audio/PCMU/8000', '126 audio/telephone-event/8000']);
  });

  /** Parley offers; Chromium answers; Parley reads the answer. */
  async function chromiumAnswersOurOffer(offer: Sdp, hold = false) {
    const answerText: string = await page.evaluate(
      async ({ sdp, hold }) => {
        const pc = new RTCPeerConnection({ iceServers: [] });
        await pc.setRemoteDescription({ type: 'offer', sdp });
        // A transceiver made by a remote offer only receives until told otherwise (a phone with a microphone
        // would send too); `hold` keeps it receive-only, as a browser putting Parley on hold would.
        pc.getTransceivers()[0]!.direction = hold ? 'recvonly' : 'sendrecv';
        const answer = await pc.createAnswer();
        await pc.setLocalDescription(answer);
        pc.close();
        return answer.sdp ?? '';
      },
      { sdp: serializeSdp(offer), hold },
    );
    return readAnswer(offer, sdpOf(answerText));
  }

  test('Chromium answers Parley’s offer; Parley reads codec, numbers, events, rtcp-mux and direction', async () => {
    const session = new SdpSessionVersion();
    const base = {
      address: '127.0.0.1',
      port: 40000,
      session,
      protocol: 'UDP/TLS/RTP/SAVPF',
      mediaAttributes: webrtcAttributes('actpass'),
    };
    const offer = createOffer(base);
    const audio = await chromiumAnswersOurOffer(offer);
    if ('error' in audio) throw new Error(audio.message);
    assert.equal(audio.codec.encoding, 'opus');
    assert.equal(audio.codec.receivePayloadType, 111);
    assert.equal(audio.codec.sendPayloadType, 111);
    assert.deepEqual(audio.telephoneEvent, {
      clockRate: 48000,
      sendPayloadType: 110,
      receivePayloadType: 110,
    });
    assert.equal(audio.rtcpMux, true);
    assert.equal(audio.direction, 'sendrecv');
    assert.equal(audio.protocol, 'UDP/TLS/RTP/SAVPF');

    // Parley puts Chromium on hold: sendonly; Chromium answers recvonly.
    const hold = createOffer({ ...base, direction: 'sendonly' });
    assert.equal(BigInt(hold.origin.sessionVersion), BigInt(offer.origin.sessionVersion) + 1n);
    const held = await chromiumAnswersOurOffer(hold);
    if ('error' in held) throw new Error(held.message);
    assert.equal(held.direction, 'sendonly');

    // Chromium's side holds (its transceiver only receives): Parley must not expect audio.
    const theirs = await chromiumAnswersOurOffer(createOffer(base), true);
    if ('error' in theirs) throw new Error(theirs.message);
    assert.equal(theirs.direction, 'sendonly');
  });
});
