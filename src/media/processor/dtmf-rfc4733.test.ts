import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRtp, type RtpPacket } from '../rtp/rtp-packet.ts';
import { parseTelephoneEvent, Rfc4733Receiver, Rfc4733Sender } from './dtmf-rfc4733.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const pkt = (s: string): RtpPacket => {
  const p = parseRtp(hex(s));
  if ('error' in p) throw new Error(p.message);
  return p;
};

test('parses the telephone-event payload fields', () => {
  assert.deepEqual(parseTelephoneEvent(hex('0b 8a 0320')), {
    event: 11,
    end: true,
    volume: 10,
    duration: 800,
  });
  assert.equal(parseTelephoneEvent(hex('0b8a03')), undefined);
});

test('a begin, updates and three end packets make exactly one digit (hand-made bytes)', () => {
  const r = new Rfc4733Receiver({ clockRate: 8000, payloadType: 101 });
  // PT 101 (0x65), marker on the first, ts 0x00001000; event 5, volume 10, durations 160, 320, 800, end ×3.
  const seq = [
    '80 e5 0001 00001000 0000abcd 05 0a 00a0',
    '80 65 0002 00001000 0000abcd 05 0a 0140',
    '80 65 0003 00001000 0000abcd 05 8a 0320',
    '80 65 0004 00001000 0000abcd 05 8a 0320',
    '80 65 0005 00001000 0000abcd 05 8a 0320',
  ];
  assert.equal(r.pending(), undefined);
  assert.deepEqual(r.process(pkt(seq[0]!)), []);
  assert.deepEqual(r.pending(), { digit: '5', timestamp: 0x1000 });
  const digits = seq.slice(1).flatMap((s) => r.process(pkt(s)));
  assert.deepEqual(digits, [{ digit: '5', durationMs: 100, timestamp: 0x1000, source: 'rfc4733' }]);
  assert.equal(r.pending(), undefined);
  assert.equal(r.stats().duplicates, 2);
});

test('an event without a begin packet, a lost end, and other payload types', () => {
  const r = new Rfc4733Receiver({ clockRate: 48000, payloadType: 110 });
  // '#' starts mid-way (no marker), its end is lost; then '*' begins at a new timestamp.
  assert.deepEqual(r.process(pkt('80 6e 0010 00010000 00000001 0b 0a 0780')), []);
  assert.deepEqual(r.process(pkt('80 00 0011 00010000 00000001 ffffffff')), []); // PCMU: ignored
  const d = r.process(pkt('80 ee 0012 00020000 00000001 0a 0a 03c0'));
  assert.equal(d.length, 1);
  assert.equal(d[0]!.digit, '#');
  assert.equal(d[0]!.durationMs, 40);
  assert.equal(r.stats().endsInferred, 1);
  // '*' stalls: reported by poll once its time is up.
  assert.deepEqual(r.poll(100), []);
  assert.equal(r.process(pkt('80 6e 0013 00020000 00000001 0a 0a 0780'), 120).length, 0);
  assert.deepEqual(
    r.poll(800).map((x) => x.digit),
    ['*'],
  );
  // Late end packets of an already reported event are duplicates.
  assert.deepEqual(r.process(pkt('80 6e 0014 00020000 00000001 0a 8a 0780')), []);
  assert.equal(r.stats().duplicates, 1);
});

test('short and non-DTMF payloads are ignored, never thrown', () => {
  const r = new Rfc4733Receiver({ clockRate: 8000 });
  assert.deepEqual(r.process(pkt('80 65 0001 00000001 00000001 05')), []);
  assert.deepEqual(r.process(pkt('80 65 0002 00000002 00000001 10 8a 0320')), []); // flash (16)
  assert.equal(r.stats().ignored, 2);
});

test('the sender builds begin, updates and 3 ends that the receiver reads back, at 8000 and 48000', () => {
  for (const clockRate of [8000, 48000]) {
    const s = new Rfc4733Sender({ payloadType: 101, clockRate });
    const out = s.build('9', 100, { ssrc: 7, sequenceNumber: 65534, timestamp: 0xfffffff0 });
    assert.equal(out.length, 5 + 3);
    assert.equal(out[0]!.packet.marker, true);
    assert.ok(out.slice(1).every((p) => !p.packet.marker));
    assert.deepEqual(
      out.map((p) => p.packet.sequenceNumber),
      [65534, 65535, 0, 1, 2, 3, 4, 5],
    );
    const events = out.map((p) => parseTelephoneEvent(p.packet.payload)!);
    assert.deepEqual(
      events.map((e) => e.end),
      [false, false, false, false, false, true, true, true],
    );
    assert.equal(events.at(-1)!.duration, (100 * clockRate) / 1000);
    assert.equal(events[0]!.duration, (20 * clockRate) / 1000);
    const r = new Rfc4733Receiver({ clockRate });
    const digits = out.flatMap((p) => r.process(p.packet, p.atMs));
    assert.deepEqual(digits, [{ digit: '9', durationMs: 100, timestamp: 0xfffffff0, source: 'rfc4733' }]);
  }
  const s = new Rfc4733Sender({ payloadType: 101, clockRate: 48000 });
  assert.equal(s.build('x', 100, { ssrc: 1, sequenceNumber: 0, timestamp: 0 }).length, 0);
  const long = s.build('#', 5000, { ssrc: 1, sequenceNumber: 0, timestamp: 0 });
  assert.equal(parseTelephoneEvent(long.at(-1)!.packet.payload)!.duration, 0xffff);
});

test('a long event sent in segments (§2.5.1.3) is one digit with the whole duration', () => {
  const r = new Rfc4733Receiver({ clockRate: 48000 });
  const mk = (seq: number, ts: number, duration: number, end = false): RtpPacket => ({
    version: 2,
    padding: false,
    marker: seq === 1,
    payloadType: 110,
    sequenceNumber: seq,
    timestamp: ts,
    ssrc: 9,
    csrc: [],
    payload: Uint8Array.of(1, end ? 0x8a : 0x0a, duration >> 8, duration & 0xff),
  });
  const digits = [
    mk(1, 1000, 960),
    mk(2, 1000, 0xffff),
    mk(3, 1000 + 0xffff, 960),
    mk(4, 1000 + 0xffff, 4800, true),
    mk(5, 1000 + 0xffff, 4800, true),
  ].flatMap((p) => r.process(p));
  assert.deepEqual(digits, [
    { digit: '1', durationMs: (0xffff + 4800) / 48, timestamp: 1000, source: 'rfc4733' },
  ]);
});

test('a sender reusing the timestamp for the next key still gets both digits', () => {
  const r = new Rfc4733Receiver({ clockRate: 8000 });
  const digits = [
    '80 e5 0001 00002000 00000001 03 0a 00a0',
    '80 65 0002 00002000 00000001 03 8a 0320',
    '80 65 0003 00002000 00000001 03 8a 0320',
    '80 e5 0004 00002000 00000001 07 0a 00a0',
    '80 65 0005 00002000 00000001 07 8a 0320',
    '80 65 0006 00002000 00000001 07 8a 0320',
  ].flatMap((s) => r.process(pkt(s)));
  assert.deepEqual(
    digits.map((d) => d.digit),
    ['3', '7'],
  );
});
