import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isRtcp, isRtpParseError, parseRtp, type RtpPacket, serializeRtp } from './rtp-packet.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('parses a plain PCMU packet from hand-made bytes', () => {
  // V=2, no P/X, CC=0 | M=1, PT=0 | seq 0x1234 | ts 0xdeadbeef | ssrc 0x01020304 | payload ff 7f
  const r = parseRtp(hex('80 80 1234 deadbeef 01020304 ff7f'));
  assert.ok(!isRtpParseError(r));
  assert.equal(r.version, 2);
  assert.equal(r.marker, true);
  assert.equal(r.payloadType, 0);
  assert.equal(r.sequenceNumber, 0x1234);
  assert.equal(r.timestamp, 0xdeadbeef);
  assert.equal(r.ssrc, 0x01020304);
  assert.deepEqual(r.csrc, []);
  assert.deepEqual([...r.payload], [0xff, 0x7f]);
  assert.equal(r.extension, undefined);
});

test('parses CSRCs, a header extension and padding', () => {
  // V=2 P=1 X=1 CC=2 | PT=8 | seq 1 | ts 160 | ssrc 5 | csrc 7, 8 | ext profile beef len 1 word | payload aabb | pad 2
  const r = parseRtp(hex('b2 08 0001 000000a0 00000005 00000007 00000008 beef0001 01020304 aabb 0002'));
  assert.ok(!isRtpParseError(r));
  assert.equal(r.padding, true);
  assert.deepEqual(r.csrc, [7, 8]);
  assert.equal(r.extension?.profile, 0xbeef);
  assert.deepEqual([...r.extension!.data], [1, 2, 3, 4]);
  assert.deepEqual([...r.payload], [0xaa, 0xbb]);
});

test('malformed packets are error values, never exceptions', () => {
  const cases: [string, string][] = [
    ['80 00 0001', 'too-short'],
    ['40 00 0001 00000000 00000000', 'bad-version'],
    ['83 00 0001 00000000 00000000 00000001', 'bad-csrc'],
    ['90 00 0001 00000000 00000000 beef00', 'bad-extension'],
    ['90 00 0001 00000000 00000000 beef0002 00000000', 'bad-extension'],
    ['a0 00 0001 00000000 00000000 aa 00', 'bad-padding'],
    ['a0 00 0001 00000000 00000000 aa 09', 'bad-padding'],
    ['80 c8 0006 00000000 00000000', 'is-rtcp'],
  ];
  for (const [bytes, kind] of cases) {
    const r = parseRtp(hex(bytes));
    assert.ok(isRtpParseError(r), bytes);
    assert.equal(r.error, kind, bytes);
  }
});

test('isRtcp demultiplexes by payload type 64-95 (RFC 5761 §4)', () => {
  assert.equal(isRtcp(hex('80 c8 0006')), true); // SR, PT 200
  assert.equal(isRtcp(hex('81 c9 0007')), true); // RR
  assert.equal(isRtcp(hex('80 00 0001')), false); // PCMU
  assert.equal(isRtcp(hex('80 e0 0001')), false); // marker + PT 96: dynamic RTP
  assert.equal(isRtcp(hex('80')), false);
});

test('serialize then parse is the identity on any packet', () => {
  const arb = fc.record({
    marker: fc.boolean(),
    payloadType: fc.integer({ min: 0, max: 127 }).filter((pt) => pt < 64 || pt > 95),
    sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
    timestamp: fc.integer({ min: 0, max: 0xffffffff }),
    ssrc: fc.integer({ min: 0, max: 0xffffffff }),
    csrc: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
    padding: fc.boolean(),
    ext: fc.option(fc.uint8Array({ maxLength: 12 }).map((a) => a.subarray(0, a.length - (a.length % 4)))),
    payload: fc.uint8Array({ maxLength: 200 }),
  });
  fc.assert(
    fc.property(arb, (a) => {
      const p: RtpPacket = {
        version: 2,
        padding: a.padding,
        marker: a.marker,
        payloadType: a.payloadType,
        sequenceNumber: a.sequenceNumber,
        timestamp: a.timestamp,
        ssrc: a.ssrc,
        csrc: a.csrc,
        payload: a.payload,
      };
      if (a.ext) p.extension = { profile: 0xbede, data: a.ext };
      const bytes = serializeRtp(p);
      if (a.padding) assert.equal(bytes.length % 4, 0);
      const back = parseRtp(bytes);
      assert.ok(!isRtpParseError(back));
      assert.deepEqual(
        { ...back, payload: [...back.payload], extension: back.extension && [...back.extension.data] },
        {
          ...p,
          payload: [...p.payload],
          extension: p.extension && [...p.extension.data],
        },
      );
    }),
  );
});

test('random bytes never throw', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      parseRtp(b);
      isRtcp(b);
    }),
  );
});
