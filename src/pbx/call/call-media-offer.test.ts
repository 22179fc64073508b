/**
 * Parley's own offer (`CallMedia.offer`) over a real media engine and loopback UDP: it lists every engine
 * codec with telephone-event at 8 and 48 kHz, and the session then runs the codec the answer chose (an
 * A-law-only answer gets A-law packets carrying the prompt's tone), on the port of the offer.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { rtpTestRange } from '../../../test/helpers/rtp-ports.ts';
import { ALAW_DECODE } from '../../media/codec/g711.ts';
import { MediaEngine } from '../../media/engine.ts';
import { encodeWav } from '../../media/player/wav.ts';
import { generateTone, toneSnr } from '../../media/processor/goertzel.ts';
import { isRtpParseError, parseRtp } from '../../media/rtp/rtp-packet.ts';
import { isSdpError, parseSdp } from '../../media/sdp/index.ts';
import { CallMedia, isMediaFailure } from './call-media.ts';

const dir = mkdtempSync(join(tmpdir(), 'call-media-offer-'));
const tone = join(dir, 'tone.wav');
writeFileSync(tone, encodeWav(generateTone(1000, 8000, 8000, 8000), 8000));
const engine = new MediaEngine({ workers: 0, rtpPorts: rtpTestRange(200) });
after(async () => {
  await engine.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the offer lists every engine codec; an A-law answer gets A-law on the same port', async (t) => {
  const media = await CallMedia.offer(engine, '127.0.0.1');
  assert.ok(!isMediaFailure(media), JSON.stringify(media));
  t.after(() => media.close());
  const offer = parseSdp(media.localSdp);
  assert.ok(!isSdpError(offer));
  const m = offer.media[0]!;
  const rtpmaps = m.attributes.filter((a) => a.name === 'rtpmap').map((a) => a.value);
  for (const codec of ['0 PCMU/8000', '8 PCMA/8000', '9 G722/8000', '111 opus/48000/2']) {
    assert.ok(rtpmaps.includes(codec), `${codec} offered: ${rtpmaps.join(', ')}`);
  }
  assert.ok(rtpmaps.includes('101 telephone-event/8000'), rtpmaps.join(', '));
  assert.ok(rtpmaps.includes('110 telephone-event/48000'), rtpmaps.join(', '));

  const peer = createSocket('udp4');
  t.after(() => peer.close());
  await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
  const payloadTypes = new Set<number>();
  const sources = new Set<number>();
  const samples: number[] = [];
  peer.on('message', (msg, rinfo) => {
    const rtp = parseRtp(msg);
    if (isRtpParseError(rtp)) return;
    payloadTypes.add(rtp.payloadType);
    sources.add(rinfo.port);
    for (const b of rtp.payload) samples.push(ALAW_DECODE[b]!);
  });
  const answer = [
    'v=0',
    'o=carrier 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${peer.address().port} RTP/AVP 8 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    '',
  ].join('\r\n');
  assert.equal(await media.acceptAnswer(answer), undefined);
  assert.equal(media.audio?.codec.encoding, 'PCMA');
  assert.equal(await engine.play(media.sessionId, [tone]), 'done');
  assert.deepEqual([...payloadTypes], [8], 'every packet is A-law');
  assert.deepEqual([...sources], [media.localPort], 'sent from the port of the offer');
  const pcm = Int16Array.from(samples.slice(800));
  assert.ok(pcm.length >= 4000, `${pcm.length} samples arrived`);
  const snr = toneSnr(pcm, 8000, 1000);
  assert.ok(snr > 10, `the 1 kHz prompt decodes as A-law: SNR ${snr.toFixed(1)} dB`);
});
