/**
 * sipp as the far end of a media session. A SIP stub in the test answers sipp's INVITE with SDP that points
 * at a MediaEngine session (sipp plays its captures to the address in the answer); sipp then plays
 * sip-tester's G.711 A-law capture and four RFC 4733 digit captures. The session's recording must hold the
 * capture's audio sample for sample, and the digits must be read as 1, 5, 9, #.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pcma } from '../../src/media/codec/g711.ts';
import { MediaEngine } from '../../src/media/engine.ts';
import { isWavError, parseWav } from '../../src/media/player/wav.ts';
import { isRtpParseError, parseRtp } from '../../src/media/rtp/rtp-packet.ts';
import type { MediaEvent } from '../../src/media/worker/messages.ts';
import { readPcapUdp } from '../helpers/pcap.ts';
import { rtpTestRange } from '../helpers/rtp-ports.ts';
import { describeSipp, runSipp, sippPath } from './helpers/sipp.ts';

const PCAPS = '/usr/share/sip-tester';
const SCENARIO = join(import.meta.dirname, 'scenarios', 'media-pcap-to-session.xml');

/** Answers INVITE with SDP pointing at `mediaPort`, and BYE with 200; enough SIP to make sipp play. */
function sipStub(mediaPort: number) {
  const socket = createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    const text = msg.toString('utf8');
    const method = text.slice(0, text.indexOf(' '));
    if (method !== 'INVITE' && method !== 'BYE') return;
    const header = (name: string) =>
      text
        .split('\r\n')
        .filter((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`))
        .join('\r\n');
    const sdp =
      method === 'INVITE'
        ? [
            'v=0',
            'o=parley 1 1 IN IP4 127.0.0.1',
            's=-',
            'c=IN IP4 127.0.0.1',
            't=0 0',
            `m=audio ${mediaPort} RTP/AVP 8 101`,
            'a=rtpmap:8 PCMA/8000',
            'a=rtpmap:101 telephone-event/8000',
            'a=fmtp:101 0-15',
            '',
          ].join('\r\n')
        : '';
    const to = header('To');
    const response = [
      'SIP/2.0 200 OK',
      header('Via'),
      header('From'),
      to.includes('tag=') ? to : `${to};tag=stub1`,
      header('Call-ID'),
      header('CSeq'),
      `Contact: <sip:stub@127.0.0.1:${socket.address().port}>`,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    socket.send(response, rinfo.port, rinfo.address);
  });
  return new Promise<typeof socket>((r) => socket.bind(0, '127.0.0.1', () => r(socket)));
}

/** The capture's audio, decoded, one array per packet. */
function captureFrames(): Int16Array[] {
  const capture = readPcapUdp(readFileSync(join(PCAPS, 'g711a.pcap')));
  const codec = pcma.create();
  return capture.packets.map((p) => {
    const rtp = parseRtp(p.payload);
    assert.ok(!isRtpParseError(rtp));
    return codec.decode(rtp.payload).slice();
  });
}

/** Whether `hay` holds `needle[from…]` at `at + from`. */
function equalAt(hay: Int16Array, at: number, needle: Int16Array, from: number): boolean {
  if (at + needle.length > hay.length) return false;
  for (let k = from; k < needle.length; k++) if (hay[at + k] !== needle[k]) return false;
  return true;
}

/** Where `needle` (ignoring its first `from` samples) starts in `hay`, searching from `start` on; -1 if absent. */
function find(hay: Int16Array, needle: Int16Array, from: number, start: number): number {
  for (let i = start; i + needle.length <= hay.length; i++)
    if (equalAt(hay, i, needle, from)) return i + from;
  return -1;
}

test('sipp plays G.711 A-law and RFC 4733 digits to a media session: audio intact, digits read', async (t) => {
  if (!sippPath()) {
    t.skip('sipp is not installed (Debian package sip-tester)');
    return;
  }
  if (!existsSync(join(PCAPS, 'g711a.pcap'))) {
    t.skip('sip-tester pcap files missing');
    return;
  }
  const engine = new MediaEngine({ workers: 1, rtpPorts: rtpTestRange(1000) });
  try {
    const session = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 },
      telephoneEvent: { payloadType: 101, clockRate: 8000 },
    });
    const sip = await sipStub(session.localPort);
    const digits: Extract<MediaEvent, { type: 'digit' }>[] = [];
    engine.onDigit(session.id, (d) => digits.push(d));
    const dir = mkdtempSync(join(tmpdir(), 'media-sipp-'));
    const recording = await engine.record({ sessionId: session.id }, join(dir, 'heard.wav'));
    const result = await runSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${sip.address().port}`,
      calls: 1,
      pcap: true,
      timeoutSeconds: 40,
    });
    sip.close();
    assert.equal(result.exitCode, 0, describeSipp(result));
    const rec = await engine.stopRecording(recording);
    const stats = await engine.stats({ perSession: true });
    const figures = stats.workers.flatMap((w) => w.perSession ?? [])[0]!;

    // Digits: each exactly once, with the capture's duration (280 ms), in order.
    assert.deepEqual(
      digits.map((d) => [d.digit, d.durationMs, d.source]),
      [
        ['1', 280, 'rfc4733'],
        ['5', 280, 'rfc4733'],
        ['9', 280, 'rfc4733'],
        ['#', 280, 'rfc4733'],
      ],
    );

    // Audio: every packet of the capture is in the recording, in order, sample for sample. Where the
    // machine stalled, the jitter buffer may have grown its delay by inserting concealment between two
    // packets, and G.711 Appendix I cross-fades the first 10 ms after such a gap: those are skipped.
    const wav = parseWav(readFileSync(rec.file));
    assert.ok(!isWavError(wav));
    const packets = captureFrames();
    const heard = wav.samples;
    let at = find(heard, packets[0]!, 0, 0);
    assert.ok(at >= 0, 'the first packet of the capture is in the recording');
    let exact = 0;
    for (const [i, frame] of packets.entries()) {
      if (equalAt(heard, at, frame, 0)) {
        exact++;
      } else {
        // A gap was inserted before this packet: find its tail (after the cross-fade) further on.
        const tail = find(heard, frame, 80, at);
        assert.ok(tail >= 0, `packet ${i} of ${packets.length} is missing from the recording`);
        at = tail - 80;
      }
      at += frame.length;
    }
    assert.ok(
      exact >= packets.length - 2 * figures.framesConcealed - 2,
      `only ${exact} packets sample-exact`,
    );
    assert.ok(exact >= packets.length * 0.9, `only ${exact} of ${packets.length} packets sample-exact`);
    assert.equal(figures.malformed, 0);
    assert.ok(figures.latched, 'the session latched onto sipp');
  } finally {
    await engine.close();
  }
});
