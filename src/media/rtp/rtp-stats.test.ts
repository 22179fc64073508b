import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RtpPacket } from './rtp-packet.ts';
import { ntpMiddle, RtpReceiverStats, RtpSenderStats, RtpTimeout, roundTripMs } from './rtp-stats.ts';

const pkt = (seq: number, timestamp = seq * 160, ssrc = 0xabc): RtpPacket => ({
  version: 2,
  padding: false,
  marker: false,
  payloadType: 0,
  sequenceNumber: seq & 0xffff,
  timestamp: timestamp >>> 0,
  ssrc,
  csrc: [],
  payload: new Uint8Array(160),
});

test('a new source passes probation, then counts an in-order stream with no loss and no jitter', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  const verdicts = Array.from({ length: 100 }, (_, k) => r.process(pkt(1000 + k), k * 20));
  assert.equal(verdicts[0], 'probation');
  assert.ok(verdicts.slice(1).every((v) => v === 'valid'));
  const s = r.stats();
  assert.equal(s.received, 99);
  assert.equal(s.expected, 99);
  assert.equal(s.lost, 0);
  assert.equal(s.jitter, 0);
  const b = r.reportBlock(2000)!;
  assert.equal(b.fractionLost, 0);
  assert.equal(b.highestSequence, 1099);
});

test('sequence wrap extends the highest sequence number with a cycle', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  for (let k = 0; k < 100; k++) r.process(pkt(65500 + k), k * 20);
  const b = r.reportBlock(2000)!;
  assert.equal(b.highestSequence, 0x10000 + ((65500 + 99) & 0xffff));
  assert.equal(b.cumulativeLost, 0);
});

test('loss gives cumulative lost and the fraction lost per report interval (A.3)', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  for (let k = 0; k < 101; k++) if (k < 2 || k % 10 !== 5) r.process(pkt(k), k * 20);
  const first = r.reportBlock(2000)!;
  assert.equal(first.cumulativeLost, 10);
  assert.equal(first.fractionLost, Math.floor((10 * 256) / 100));
  // Next interval: no loss, so the fraction goes back to 0 while the cumulative stays.
  for (let k = 101; k < 150; k++) r.process(pkt(k), k * 20);
  const second = r.reportBlock(3000)!;
  assert.equal(second.fractionLost, 0);
  assert.equal(second.cumulativeLost, 10);
  // Duplicates count as received: cumulative lost can shrink (and go negative, §6.4.1).
  for (let k = 0; k < 20; k++) r.process(pkt(149), 3000 + k);
  assert.equal(r.reportBlock(3100)!.cumulativeLost, -10);
});

test('interarrival jitter converges to the mean deviation (A.8)', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  // Every other packet 10 ms late: |D| = 10 ms = 80 units every packet.
  for (let k = 0; k < 400; k++) r.process(pkt(k), k * 20 + (k % 2) * 10);
  assert.ok(Math.abs(r.stats().jitter - 80) < 1, `${r.stats().jitter}`);
  assert.ok(Math.abs(r.stats().jitterMs - 10) < 0.2);
  assert.equal(r.reportBlock(9000)!.jitter, 79);
});

test('a big jump is bad until confirmed by the next packet, then the sender is taken as restarted', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  for (let k = 0; k < 10; k++) r.process(pkt(k), k * 20);
  assert.equal(r.process(pkt(20000), 200), 'bad-sequence');
  assert.equal(r.process(pkt(20001), 220), 'valid');
  assert.equal(r.stats().restarts, 1);
  assert.equal(r.stats().badSequence, 1);
  assert.equal(r.stats().lost, 0);
  // A stray packet far away is rejected and does not disturb the stream.
  assert.equal(r.process(pkt(5), 240), 'bad-sequence');
  assert.equal(r.process(pkt(20002), 240), 'valid');
  assert.equal(r.stats().highestSequence, 20002);
});

test('a new SSRC is a new source', () => {
  const r = new RtpReceiverStats({ clockRate: 8000 });
  for (let k = 0; k < 10; k++) r.process(pkt(k), k * 20);
  assert.equal(r.process(pkt(500, 0, 0xdef), 200), 'probation');
  assert.equal(r.process(pkt(501, 160, 0xdef), 220), 'valid');
  const s = r.stats();
  assert.equal(s.ssrc, 0xdef);
  assert.equal(s.ssrcChanges, 1);
  assert.equal(s.received, 1);
  assert.equal(r.reportBlock(300)!.ssrc, 0xdef);
});

test('SR → LSR/DLSR → round-trip time', () => {
  const sender = new RtpSenderStats({ clockRate: 8000, ssrc: 0xabc });
  for (let k = 0; k < 50; k++) sender.process(pkt(k), k * 20);
  const wall0 = 1_800_000_000_000;
  const sr = sender.senderReport(wall0, 49 * 20 + 10);
  assert.equal(sr.packetCount, 50);
  assert.equal(sr.octetCount, 50 * 160);
  assert.equal(sr.rtpTimestamp, 49 * 160 + 80);
  // The peer receives the SR 30 ms later, and sends its RR 200 ms after that.
  const peer = new RtpReceiverStats({ clockRate: 8000 });
  peer.process(pkt(0), 0);
  peer.process(pkt(1), 20);
  peer.onSenderReport(sr, 1000);
  const block = peer.reportBlock(1200)!;
  assert.equal(block.lastSr, ntpMiddle(sr.ntpSeconds, sr.ntpFraction));
  assert.equal(block.delaySinceLastSr, Math.round(0.2 * 65536));
  // We get it back 30 ms later: RTT 60 ms.
  const rtt = roundTripMs(block, wall0 + 30 + 200 + 30)!;
  assert.ok(Math.abs(rtt - 60) < 0.1, `${rtt}`);
  assert.equal(roundTripMs({ ...block, lastSr: 0 }, wall0), undefined);
});

test('the RTP timeout fires once after N ms of silence and reports resumption', () => {
  const t = new RtpTimeout(3000, 0);
  assert.deepEqual(t.poll(2999), []);
  t.packet(2000);
  assert.deepEqual(t.poll(4999), []);
  assert.deepEqual(t.poll(5000), [{ type: 'timeout', silentMs: 3000 }]);
  assert.deepEqual(t.poll(9000), []);
  assert.equal(t.timedOut, true);
  assert.deepEqual(t.packet(9500), [{ type: 'resumed', silentMs: 7500 }]);
  assert.deepEqual(t.poll(10000), []);
  assert.equal(t.stats().timeouts, 1);
});
