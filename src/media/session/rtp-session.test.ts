import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { after, test } from 'node:test';
import { pcma } from '../codec/g711.ts';
import type { DtmfDigit } from '../processor/dtmf-digit.ts';
import { generateDtmf } from '../processor/dtmf-inband.ts';
import { Rfc4733Sender } from '../processor/dtmf-rfc4733.ts';
import { generateTone, goertzelPower } from '../processor/goertzel.ts';
import { isRtcpParseError, parseRtcp, serializeRtcp } from '../rtp/rtcp.ts';
import { isRtcp, isRtpParseError, parseRtp, type RtpPacket, serializeRtp } from '../rtp/rtp-packet.ts';
import type { PacketSink, PacketTransport, TransportStats } from './packet-transport.ts';
import { RtpSession } from './rtp-session.ts';
import { UdpTransport } from './udp-transport.ts';

const sockets: Socket[] = [];
const sessions: RtpSession[] = [];
after(() => {
  for (const s of sockets) s.close();
  for (const s of sessions) s.close();
});

async function peer(): Promise<Socket> {
  const s = createSocket('udp4');
  sockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

function tonePacket(freq: number, seq: number, ssrc: number, phaseFrame = seq): Uint8Array {
  const pcm = generateTone(freq, 8000, 160, 8000, (2 * Math.PI * freq * 160 * phaseFrame) / 8000);
  return serializeRtp({
    version: 2,
    padding: false,
    marker: false,
    payloadType: 8,
    sequenceNumber: seq & 0xffff,
    timestamp: (seq * 160) >>> 0,
    ssrc,
    csrc: [],
    payload: pcma.create().encode(pcm),
  });
}

async function send(from: Socket, port: number, packets: Uint8Array[]): Promise<void> {
  for (const p of packets) await new Promise<void>((r) => from.send(p, port, '127.0.0.1', () => r()));
}

const settle = () => new Promise((r) => setTimeout(r, 50));

async function openSession(events: ConstructorParameters<typeof RtpSession>[3] = {}) {
  const t = await UdpTransport.open({ localAddress: '127.0.0.1', port: 0, rtcpMux: true });
  assert.ok(t instanceof UdpTransport, JSON.stringify(t));
  const session = new RtpSession(
    {
      id: 's1',
      codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 },
      telephoneEvent: { payloadType: 101, clockRate: 8000 },
    },
    pcma,
    t,
    events,
  );
  sessions.push(session);
  return { session, transport: t };
}

function pullAll(session: RtpSession, ticks: number): Int16Array {
  const out = new Int16Array(ticks * 160);
  for (let i = 0; i < ticks; i++) {
    session.pull(i * 20);
    const f = session.frame;
    if (f) out.set(f, i * 160);
  }
  return out;
}

test('audio arrives decoded; a second source is dropped and counted after latching', async () => {
  const { session, transport } = await openSession();
  const a = await peer();
  const b = await peer();
  await send(
    a,
    transport.port,
    Array.from({ length: 30 }, (_, i) => tonePacket(1000, 1000 + i, 11)),
  );
  await settle();
  assert.equal(transport.latch().latched, true);
  // The stranger sends a different tone on the same port, with "better" sequence numbers.
  await send(
    b,
    transport.port,
    Array.from({ length: 20 }, (_, i) => tonePacket(300, 1030 + i, 11)),
  );
  await settle();
  const pcm = pullAll(session, 45);
  const tail = pcm.subarray(160 * 5, 160 * 28);
  assert.ok(goertzelPower(tail, 8000, 1000) > 1e6, 'the latched tone is heard');
  assert.ok(goertzelPower(pcm, 8000, 300) < 1e3, 'the injected tone is not');
  const st = session.stats();
  assert.equal(st.transport.droppedForeignSource, 20);
  assert.equal(st.malformed, 0);
  session.close();
});

test('setRemote re-learns: the new source is latched and the old one dropped', async () => {
  const { session, transport } = await openSession();
  const a = await peer();
  const b = await peer();
  await send(
    a,
    transport.port,
    Array.from({ length: 5 }, (_, i) => tonePacket(1000, i, 1)),
  );
  await settle();
  transport.setRemote({ address: '127.0.0.1', port: b.address().port });
  await send(
    b,
    transport.port,
    Array.from({ length: 5 }, (_, i) => tonePacket(300, 500 + i, 2)),
  );
  await settle();
  await send(
    a,
    transport.port,
    Array.from({ length: 3 }, (_, i) => tonePacket(1000, 5 + i, 1)),
  );
  await settle();
  assert.deepEqual(transport.latch(), {
    latched: true,
    address: '127.0.0.1',
    port: b.address().port,
    ssrc: 2,
  });
  assert.equal(session.stats().transport.droppedForeignSource, 3);
  session.close();
});

test('malformed and oversized packets are dropped and counted, nothing crashes', async () => {
  const { session, transport } = await openSession();
  const a = await peer();
  const junk = [
    new Uint8Array([1, 2, 3]),
    new Uint8Array(12).fill(0x40), // version 1
    Uint8Array.of(0x8f, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1), // 15 CSRCs that are not there
    new Uint8Array(4000).fill(0x80), // oversized
    Uint8Array.of(0x80, 99, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 5, 5), // unnegotiated payload type
  ];
  await send(a, transport.port, junk);
  await settle();
  pullAll(session, 3);
  const st = session.stats();
  assert.equal(st.transport.droppedOversized, 1);
  assert.equal(st.malformed, 3);
  assert.equal(st.unknownPayloadType, 1);
  session.close();
});

test('RFC 4733 digits are reported once each with their duration; digits are sent as RFC 4733', async () => {
  const digits: DtmfDigit[] = [];
  const { session, transport } = await openSession({ digit: (d) => digits.push(d) });
  const a = await peer();
  const sender = new Rfc4733Sender({ payloadType: 101, clockRate: 8000 });
  let seq = 10;
  const packets: Uint8Array[] = [];
  for (const [i, d] of ['5', '#'].entries()) {
    for (const sp of sender.build(d, 120, { ssrc: 77, sequenceNumber: seq, timestamp: 8000 * (i + 1) })) {
      packets.push(serializeRtp(sp.packet));
      seq++;
    }
  }
  await send(a, transport.port, packets);
  await settle();
  assert.deepEqual(
    digits.map((d) => [d.digit, d.durationMs, d.source]),
    [
      ['5', 120, 'rfc4733'],
      ['#', 120, 'rfc4733'],
    ],
  );
  // Sending: packets go back to the latched source (symmetric RTP).
  const got: Uint8Array[] = [];
  a.on('message', (m) => got.push(m));
  assert.equal(session.sendDigits('78', 60), true);
  for (let i = 0; i < 30; i++) {
    session.pull(i * 20);
    session.sendPcm(new Int16Array(160));
  }
  await settle();
  const parsed = got.map((m) => parseRtp(m)).filter((p): p is RtpPacket => !isRtpParseError(p));
  const events = parsed.filter((p) => p.payloadType === 101);
  assert.ok(events.length >= 8, `only ${events.length} event packets`);
  // The two digits in order, each begun with the marker and ended with the E bit.
  const codes = events.map((p) => p.payload[0]);
  const firstEight = codes.indexOf(8);
  assert.ok(
    firstEight > 0 &&
      codes.slice(0, firstEight).every((c) => c === 7) &&
      codes.slice(firstEight).every((c) => c === 8),
  );
  for (const start of [0, firstEight]) assert.equal(events[start]!.marker, true);
  assert.ok((events[firstEight - 1]!.payload[1]! & 0x80) !== 0, 'the first digit ends with the E bit');
  assert.ok((events.at(-1)!.payload[1]! & 0x80) !== 0, 'and so does the second');
  // Audio goes on between the digits (the gap) and after them.
  const lastSeven = parsed.indexOf(events[firstEight - 1]!);
  const firstOfEight = parsed.indexOf(events[firstEight]!);
  assert.ok(
    parsed.slice(lastSeven + 1, firstOfEight).some((p) => p.payloadType === 8),
    'audio in the gap',
  );
  assert.equal(parsed.at(-1)!.payloadType, 8, 'audio after the digits');
  // Sequence numbers run on without gaps across audio and events.
  for (let i = 1; i < parsed.length; i++) {
    assert.equal(parsed[i]!.sequenceNumber, (parsed[i - 1]!.sequenceNumber + 1) & 0xffff);
  }
  session.close();
});

test('an RFC 4733 event whose end packets are all lost is reported by the media clock once it stalls', async () => {
  const digits: DtmfDigit[] = [];
  const { session, transport } = await openSession({ digit: (d) => digits.push(d) });
  const a = await peer();
  const sender = new Rfc4733Sender({ payloadType: 101, clockRate: 8000 });
  // The first two packets of a 200 ms '9' (start and one update): no end packet ever comes.
  const built = sender.build('9', 200, { ssrc: 78, sequenceNumber: 40, timestamp: 16000 });
  await send(
    a,
    transport.port,
    built.slice(0, 2).map((sp) => serializeRtp(sp.packet)),
  );
  await settle();
  const t0 = performance.now();
  for (let k = 0; k < 20; k++) session.pull(t0 + k * 20);
  assert.equal(digits.length, 0, 'still held 400 ms after its last packet');
  for (let k = 20; k < 40; k++) session.pull(t0 + k * 20);
  assert.deepEqual(
    digits.map((d) => [d.digit, d.source]),
    [['9', 'rfc4733']],
  );
  // Reported once: later ticks add nothing.
  for (let k = 40; k < 60; k++) session.pull(t0 + k * 20);
  assert.equal(digits.length, 1);
  session.close();
});

test('RTP timeout fires once per silence; a failing transport closes the session', () => {
  let sink: PacketSink | undefined;
  const fake: PacketTransport = {
    kind: 'fake',
    start: (s) => {
      sink = s;
    },
    sendRtp: () => {},
    sendRtcp: () => {},
    stats: () => ({}) as TransportStats,
    close: () => {},
  };
  let timeouts = 0;
  const closed: string[] = [];
  const session = new RtpSession(
    { id: 'x', codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 }, rtpTimeoutMs: 100 },
    pcma,
    fake,
    { rtpTimeout: () => timeouts++, closed: (r) => closed.push(r) },
  );
  for (let t = 0; t < 400; t += 20) session.pull(t);
  assert.equal(timeouts, 1);
  sink!.rtp(tonePacket(1000, 1, 1), 400);
  for (let t = 400; t < 600; t += 20) session.pull(t);
  assert.equal(timeouts, 2);
  sink!.failed('socket error: boom');
  sink!.failed('again');
  assert.deepEqual(closed, ['socket error: boom']);
  assert.equal(session.closed, true);
});

test('in-band DTMF tones in the audio are reported when asked for (trunks)', async () => {
  const t = await UdpTransport.open({ localAddress: '127.0.0.1', port: 0, rtcpMux: true });
  assert.ok(t instanceof UdpTransport);
  const digits: DtmfDigit[] = [];
  const session = new RtpSession(
    { id: 'trunk', codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 }, inbandDtmf: true },
    pcma,
    t,
    { digit: (d) => digits.push(d) },
  );
  sessions.push(session);
  const a = await peer();
  const pcm = generateDtmf('4#', { toneMs: 100, gapMs: 100 });
  const codec = pcma.create();
  const packets: Uint8Array[] = [];
  for (let i = 0; i * 160 < pcm.length + 1600; i++) {
    const frame = new Int16Array(160);
    frame.set(pcm.subarray(i * 160, i * 160 + 160));
    packets.push(
      serializeRtp({
        version: 2,
        padding: false,
        marker: false,
        payloadType: 8,
        sequenceNumber: i,
        timestamp: i * 160,
        ssrc: 5,
        csrc: [],
        payload: codec.encode(frame),
      }),
    );
  }
  await send(a, t.port, packets);
  await settle();
  pullAll(session, packets.length + 5);
  assert.deepEqual(
    digits.map((d) => [d.digit, d.source]),
    [
      ['4', 'inband'],
      ['#', 'inband'],
    ],
  );
});

test('RTCP: receiver reports on the incoming stream go to the peer; its reports about our stream are read', async () => {
  const t = await UdpTransport.open({ localAddress: '127.0.0.1', port: 0, rtcpMux: true });
  assert.ok(t instanceof UdpTransport);
  const session = new RtpSession(
    { id: 'rtcp-test', codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 }, rtcpIntervalMs: 500 },
    pcma,
    t,
  );
  sessions.push(session);
  const a = await peer();
  const got: Uint8Array[] = [];
  a.on('message', (m) => got.push(m));
  await send(
    a,
    t.port,
    Array.from({ length: 30 }, (_, i) => tonePacket(1000, 200 + i, 4242)),
  );
  await settle();
  for (let i = 0; i < 100; i++) {
    session.pull(i * 20);
    session.sendPcm(new Int16Array(160));
  }
  await settle();
  const compounds = got.filter((m) => isRtcp(m)).map((m) => parseRtcp(m));
  assert.ok(compounds.length >= 2, `${compounds.length} RTCP compounds`);
  const first = compounds[0]!;
  assert.ok(!isRtcpParseError(first));
  const report = first.find((p) => p.type === 'rr' || p.type === 'sr');
  assert.ok(report && (report.type === 'rr' || report.type === 'sr'));
  const block = report.reports.find((b) => b.ssrc === 4242);
  assert.ok(block, 'a report block on the stream we receive');
  assert.equal(block.cumulativeLost, 0);
  assert.ok(first.some((p) => p.type === 'sdes'));
  // Our audio went out, so later reports are sender reports, each counting the audio sent before it.
  let audioBefore = 0;
  let senderReports = 0;
  for (const m of got) {
    if (!isRtcp(m)) {
      audioBefore++;
      continue;
    }
    const c = parseRtcp(m);
    const sr = isRtcpParseError(c) ? undefined : c.find((p) => p.type === 'sr');
    if (sr?.type !== 'sr') continue;
    senderReports++;
    assert.equal(sr.packetCount, audioBefore);
    assert.equal(sr.octetCount, audioBefore * 160);
  }
  assert.ok(senderReports >= 1, 'sender reports');
  assert.equal(session.stats().rtcp.sent.packets, 100);
  // The peer reports 25 % loss on our stream.
  const ourSsrc = ssrcOf(got);
  const rr = serializeRtcp([
    {
      type: 'rr',
      ssrc: 4242,
      reports: [
        {
          ssrc: ourSsrc,
          fractionLost: 64,
          cumulativeLost: 5,
          highestSequence: 100,
          jitter: 80,
          lastSr: 0,
          delaySinceLastSr: 0,
        },
      ],
    },
  ]);
  await send(a, t.port, [rr, new Uint8Array([0x81, 201, 0, 9])]);
  await settle();
  const st = session.stats();
  assert.equal(st.rtcp.remote?.fractionLost, 0.25);
  assert.equal(st.rtcp.remote?.jitterMs, 10);
  assert.equal(st.rtcpMalformed, 1);
});

/** Our SSRC, read from an audio packet we sent. */
function ssrcOf(packets: Uint8Array[]): number {
  const audio = packets.map((m) => parseRtp(m)).find((p): p is RtpPacket => !isRtpParseError(p));
  assert.ok(audio);
  return audio.ssrc;
}

test('sendMix: the N−1 mix is limited softly and encoded straight into the packet', () => {
  const sent: Uint8Array[] = [];
  const fake: PacketTransport = {
    kind: 'fake',
    start: () => {},
    sendRtp: (p) => sent.push(p),
    sendRtcp: () => {},
    stats: () => ({}) as TransportStats,
    close: () => {},
  };
  const session = new RtpSession(
    { id: 'mix', codec: { name: 'PCMA', payloadType: 8, clockRate: 8000 } },
    pcma,
    fake,
  );
  session.pull(0);
  const sum = new Int32Array(160).map((_, i) => (i % 2 ? 90000 : 1000));
  const minus = new Int16Array(160).fill(500);
  assert.equal(session.sendMix(sum, minus), true);
  const p = parseRtp(sent[0]!);
  assert.ok(!isRtpParseError(p));
  const pcm = pcma.create().decode(p.payload);
  for (let i = 0; i < 160; i++) {
    if (i % 2) assert.ok(pcm[i]! > 24000 && pcm[i]! <= 32767, `loud sample ${pcm[i]}`);
    else assert.ok(Math.abs(pcm[i]! - 500) <= 16, `quiet sample ${pcm[i]}`);
  }
  assert.equal(session.sendMix(new Int32Array(320), new Int16Array(320)), false, 'another frame size');
  session.close();
});
