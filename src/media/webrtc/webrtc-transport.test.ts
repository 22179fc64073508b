/**
 * WebRTC termination against Chromium: the browser offers (opus, G.711, telephone-event, BUNDLE,
 * rtcp-mux), the media engine opens a WebRTC session on a worker thread and answers ICE-lite + DTLS
 * passive; the browser's tone arrives decoded at its frequency in the engine, a tone the engine plays is
 * heard in the page, and digits the browser sends with its DTMF sender (RFC 4733) arrive as digits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { MediaEngine } from '../engine.ts';
import { isWavError, parseWav } from '../player/wav.ts';
import { goertzelPower, meanSquare } from '../processor/goertzel.ts';
import { OPUS, PCMA, PCMU } from '../sdp/audio-codecs.ts';
import { parseSdp } from '../sdp/parse-sdp.ts';
import { isSdpError, type Sdp } from '../sdp/sdp.ts';
import { serializeSdp } from '../sdp/serialize-sdp.ts';
import { SdpSessionVersion } from '../sdp/session-version.ts';
import {
  type ChromiumPeer,
  chromiumMissing,
  launchChromium,
  makeToneWav,
  waitForTones,
} from './chromium-test-peer.ts';
import { answerWebRtcOffer, createWebRtcOffer, isWebRtcSdp } from './webrtc-sdp.ts';

const BROWSER_HZ = 440;
const ENGINE_HZ = 1000;

function sdpOf(text: string): Sdp {
  const sdp = parseSdp(text);
  if (isSdpError(sdp)) throw new Error(`${sdp.error}: ${sdp.message}`);
  return sdp;
}

/**
 * Share of a recording's last second that is the tone at `hz` (≈1 for a clean tone): the median over
 * 100 ms windows, so a phase jump (a frame the jitter buffer dropped or concealed) does not cancel the tone.
 */
function toneShare(file: string, hz: number): number {
  const wav = parseWav(readFileSync(file));
  if (isWavError(wav)) throw new Error(wav.message);
  const win = wav.sampleRate / 10;
  const shares: number[] = [];
  for (let end = wav.samples.length; end - win >= 0 && shares.length < 10; end -= win) {
    const x = wav.samples.subarray(end - win, end);
    const ms = meanSquare(x);
    shares.push(ms > 0 ? goertzelPower(x, wav.sampleRate, hz) / ms : 0);
  }
  shares.sort((a, b) => a - b);
  return shares[Math.floor(shares.length / 2)] ?? 0;
}

describe('WebRtcTransport with Chromium', { skip: chromiumMissing() ?? false }, () => {
  let dir: string;
  let browser: ChromiumPeer;
  let engine: MediaEngine;
  let engineTone: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-webrtc-'));
    engineTone = makeToneWav(dir, ENGINE_HZ, 5);
    browser = await launchChromium(makeToneWav(dir, BROWSER_HZ));
    engine = new MediaEngine({ workers: 1, rtpPorts: rtpTestRange(100) });
  });

  after(async () => {
    await browser?.close();
    await engine?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The page makes its offer (microphone track), the engine answers; returns the session and codec. */
  async function call(codecs?: (typeof PCMU)[]) {
    const offerText: string = await browser.page.evaluate(async () => {
      const g = globalThis as unknown as Record<string, unknown>;
      (g.pc as RTCPeerConnection | undefined)?.close();
      const pc = new RTCPeerConnection({ iceServers: [] });
      g.pc = pc;
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      pc.addTrack(stream.getAudioTracks()[0]!, stream);
      pc.ontrack = (e) =>
        (g.__parleyProbe as { listen(s: MediaStream): void }).listen(
          e.streams[0] ?? new MediaStream([e.track]),
        );
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      return pc.localDescription!.sdp;
    });
    const offer = sdpOf(offerText);
    assert.ok(isWebRtcSdp(offer));
    const session = new SdpSessionVersion();
    const base = { address: '127.0.0.1', port: 9, session, ...(codecs ? { codecs } : {}) };
    const dry = answerWebRtcOffer(offer, base);
    if ('error' in dry) throw new Error(dry.message);
    const opened = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: {
        name: dry.audio.codec.encoding,
        payloadType: dry.audio.codec.sendPayloadType,
        clockRate: dry.audio.codec.clockRate,
      },
      telephoneEvent: {
        payloadType: dry.audio.telephoneEvent!.sendPayloadType,
        clockRate: dry.audio.telephoneEvent!.clockRate,
      },
      rtcpMux: true,
      webrtc: { remoteSdp: offerText },
    });
    assert.ok(opened.webrtc, 'a WebRTC session reports its ICE/DTLS parameters');
    const answer = answerWebRtcOffer(offer, { ...base, port: opened.localPort }, opened.webrtc);
    if ('error' in answer) throw new Error(answer.message);
    const answerText = serializeSdp(answer.sdp);
    assert.match(answerText, /a=setup:passive/);
    assert.match(answerText, /a=ice-lite/);
    assert.match(answerText, /a=group:BUNDLE 0/);
    assert.match(answerText, /a=rtcp-mux/);
    assert.doesNotMatch(answerText, /a=candidate:(?!.* 127\.0\.0\.1 )/, 'only the configured address');
    const state: string = await browser.page.evaluate(async (sdp) => {
      const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
      await pc.setRemoteDescription({ type: 'answer', sdp });
      for (let i = 0; i < 100 && pc.connectionState !== 'connected'; i++) {
        if (pc.connectionState === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return pc.connectionState;
    }, answerText);
    assert.equal(state, 'connected');
    return { id: opened.id, codec: dry.audio.codec.encoding };
  }

  /** Tones both ways and the browser's DTMF sender, on an open call. */
  async function checkMedia(id: string, label: string): Promise<void> {
    // Browser → engine: record what the session receives, after the stream settles.
    await new Promise((r) => setTimeout(r, 1000));
    const file = join(dir, `in-${label}.wav`);
    const rec = await engine.record({ sessionId: id }, file);
    await new Promise((r) => setTimeout(r, 1500));
    await engine.stopRecording(rec);
    const heard = toneShare(file, BROWSER_HZ);
    assert.ok(heard > 0.8, `the engine hears ${BROWSER_HZ} Hz: share ${heard.toFixed(3)}`);

    // Engine → browser: a looped tone, analysed in the page.
    void engine.play(id, { file: engineTone, loop: true });
    const report = await waitForTones(
      browser.page,
      [ENGINE_HZ, BROWSER_HZ],
      (r) => (r.shares[ENGINE_HZ] ?? 0) > 0.8,
    );
    assert.ok(
      (report.shares[ENGINE_HZ] ?? 0) > 0.8,
      `the page hears ${ENGINE_HZ} Hz: ${JSON.stringify(report)}`,
    );
    assert.ok((report.shares[BROWSER_HZ] ?? 0) < 0.1, 'and not its own tone back');

    // RFC 4733 digits from the browser's DTMF sender arrive as digits.
    const digits: string[] = [];
    const off = engine.onDigit(id, (e) => digits.push(e.digit));
    const canDtmf = await browser.page.evaluate(() => {
      const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
      const dtmf = pc.getSenders()[0]!.dtmf!;
      dtmf.insertDTMF('47#', 100, 70);
      return dtmf.canInsertDTMF;
    });
    assert.ok(canDtmf, 'Chromium can send DTMF on this stream');
    for (let i = 0; i < 30 && digits.length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    off();
    assert.deepEqual(digits, ['4', '7', '#']);
    await engine.closeSession(id);
  }

  for (const codecs of [undefined, [PCMU], [PCMA]]) {
    const label = codecs ? codecs[0]!.encoding : 'opus (Chromium’s preference)';
    test(`${label}: the browser’s tone arrives in the engine, the engine’s tone in the page`, async () => {
      const { id, codec } = await call(codecs);
      assert.equal(codec, codecs ? codecs[0]!.encoding : 'opus');
      await checkMedia(id, codec);
    });
  }

  test('Parley offers (a call to a browser): Chromium answers active, tones both ways, DTMF', async () => {
    const opened = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'opus', payloadType: OPUS.payloadType, clockRate: 48000 },
      telephoneEvent: { payloadType: 110, clockRate: 48000 },
      rtcpMux: true,
      webrtc: {},
    });
    assert.equal(opened.webrtc?.setup, 'actpass');
    const offer = serializeSdp(
      createWebRtcOffer({
        address: '127.0.0.1',
        port: opened.localPort,
        session: new SdpSessionVersion(),
        codec: OPUS,
        local: opened.webrtc!,
      }),
    );
    const answer: string = await browser.page.evaluate(async (sdp) => {
      const g = globalThis as unknown as Record<string, unknown>;
      (g.pc as RTCPeerConnection | undefined)?.close();
      const pc = new RTCPeerConnection({ iceServers: [] });
      g.pc = pc;
      pc.ontrack = (e) =>
        (g.__parleyProbe as { listen(s: MediaStream): void }).listen(
          e.streams[0] ?? new MediaStream([e.track]),
        );
      await pc.setRemoteDescription({ type: 'offer', sdp });
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      const t = pc.getTransceivers()[0]!;
      await t.sender.replaceTrack(stream.getAudioTracks()[0]!);
      t.direction = 'sendrecv';
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
      });
      return pc.localDescription!.sdp;
    }, offer);
    assert.match(answer, /a=setup:active/);
    await engine.acceptWebRtcAnswer(opened.id, answer);
    const state = await browser.page.evaluate(async () => {
      const pc = (globalThis as unknown as { pc: RTCPeerConnection }).pc;
      for (let i = 0; i < 100 && pc.connectionState !== 'connected'; i++) {
        if (pc.connectionState === 'failed') break;
        await new Promise((r) => setTimeout(r, 100));
      }
      return pc.connectionState;
    });
    assert.equal(state, 'connected');
    await checkMedia(opened.id, 'offered');
  });
});
