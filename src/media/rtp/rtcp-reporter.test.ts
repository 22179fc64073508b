import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRtcpParseError, parseRtcp } from './rtcp.ts';
import { RtcpReporter } from './rtcp-reporter.ts';
import type { RtpPacket } from './rtp-packet.ts';

const rtp = (ssrc: number, seq: number): RtpPacket => ({
  version: 2,
  padding: false,
  marker: false,
  payloadType: 0,
  sequenceNumber: seq & 0xffff,
  timestamp: (seq * 160) >>> 0,
  ssrc,
  csrc: [],
  payload: new Uint8Array(160),
});

const WALL0 = 1_800_000_000_000;

test('two ends exchange media and reports: loss, jitter, RTT and CNAME come through', () => {
  const a = new RtcpReporter({ ssrc: 0xaaaa, cname: 'a@pbx', clockRate: 8000, random: () => 0.5 });
  const b = new RtcpReporter({ ssrc: 0xbbbb, cname: 'b@phone', clockRate: 8000, random: () => 0.5 });
  const oneWay = 40; // ms each way
  const inFlight: { at: number; to: RtcpReporter; bytes: Uint8Array }[] = [];
  const firstFromA: Uint8Array[] = [];
  for (let k = 0; k < 600; k++) {
    const now = k * 20;
    // A sends to B, losing every 20th packet; B sends to A without loss.
    const pa = rtp(0xaaaa, k);
    a.sent(pa, now);
    if (k % 20 !== 7) b.received(pa, now + oneWay);
    const pb = rtp(0xbbbb, 1000 + k);
    b.sent(pb, now);
    a.received(pb, now + oneWay);
    for (const m of inFlight.filter((m) => m.at <= now)) {
      inFlight.splice(inFlight.indexOf(m), 1);
      const input = m.to.receiveRtcp(m.bytes, now, WALL0 + now);
      assert.ok(!isRtcpParseError(input), JSON.stringify(input));
    }
    const ra = a.poll(now, WALL0 + now);
    if (ra) {
      firstFromA.push(ra);
      inFlight.push({ at: now + oneWay, to: b, bytes: ra });
    }
    const rb = b.poll(now, WALL0 + now);
    if (rb) inFlight.push({ at: now + oneWay, to: a, bytes: rb });
  }
  // Reports every 5 s (the first after 2.5 s) over 12 s: at 2.5 s and 7.5 s.
  assert.equal(a.stats().reportsSent, 2);
  const first = parseRtcp(firstFromA[0]!);
  assert.ok(!isRtcpParseError(first));
  assert.equal(first[0]!.type, 'sr');
  assert.equal(first[1]!.type, 'sdes');
  const remote = a.stats().remote!;
  assert.ok(Math.abs(remote.fractionLost - 0.05) < 0.01, `${remote.fractionLost}`);
  assert.ok(remote.cumulativeLost >= 18 && remote.cumulativeLost <= 19, `${remote.cumulativeLost}`);
  assert.ok(Math.abs(remote.rttMs! - 2 * oneWay) < 0.1, `rtt ${remote.rttMs}`);
  assert.equal(remote.jitterMs, 0);
  assert.equal(a.stats().remoteCname, 'b@phone');
  assert.equal(b.stats().remoteCname, 'a@pbx');
  assert.equal(b.stats().remote!.cumulativeLost, 0);
});

test('an RR when we sent nothing, BYE at the end, malformed input counted', () => {
  const r = new RtcpReporter({ ssrc: 1, cname: 'x', clockRate: 8000, random: () => 0 });
  r.received(rtp(2, 1), 0);
  r.received(rtp(2, 2), 20);
  assert.equal(r.poll(0, WALL0), undefined);
  const report = r.poll(3000, WALL0 + 3000)!;
  const parsed = parseRtcp(report);
  assert.ok(!isRtcpParseError(parsed));
  assert.equal(parsed[0]!.type, 'rr');
  const bye = parseRtcp(r.bye(4000, WALL0 + 4000, 'hangup'));
  assert.ok(!isRtcpParseError(bye));
  assert.deepEqual(bye.at(-1), { type: 'bye', ssrcs: [1], reason: 'hangup' });
  assert.ok(isRtcpParseError(r.receiveRtcp(Uint8Array.of(0x80, 0xc9, 0, 9), 0, WALL0)));
  assert.equal(r.stats().malformed, 1);
  const other = new RtcpReporter({ ssrc: 2, cname: 'y', clockRate: 8000 });
  other.received(rtp(1, 5), 0);
  const input = other.receiveRtcp(r.bye(5000, WALL0 + 5000), 10, WALL0);
  assert.ok(!isRtcpParseError(input) && input.bye);
  assert.equal(other.stats().byeReceived, true);
});
