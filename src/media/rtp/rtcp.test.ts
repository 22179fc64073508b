import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findCname, isRtcpParseError, parseRtcp, type RtcpPacket, serializeRtcp } from './rtcp.ts';
import { isRtcp } from './rtp-packet.ts';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

// SR with one report block + SDES CNAME "parle" + BYE "done", built by hand from RFC 3550 §6.4.1, 6.5, 6.6.
const COMPOUND = hex(`
  81 c8 000c 11223344 e3e3e3e3 80000000 00000fa0 00000064 00003e80
  55667788 40fffffe 0001000a 00000020 e3e38000 00010000
  81 ca 0003 11223344 01 05 7061726c65 00
  81 cb 0003 11223344 04 646f6e65 000000
`);

test('parses a hand-made SR + SDES + BYE compound packet', () => {
  assert.equal(isRtcp(COMPOUND), true);
  const r = parseRtcp(COMPOUND);
  assert.ok(!isRtcpParseError(r), JSON.stringify(r));
  assert.equal(r.length, 3);
  assert.deepEqual(r[0], {
    type: 'sr',
    ssrc: 0x11223344,
    ntpSeconds: 0xe3e3e3e3,
    ntpFraction: 0x80000000,
    rtpTimestamp: 4000,
    packetCount: 100,
    octetCount: 16000,
    reports: [
      {
        ssrc: 0x55667788,
        fractionLost: 0x40,
        cumulativeLost: -2,
        highestSequence: 0x1000a,
        jitter: 32,
        lastSr: 0xe3e38000,
        delaySinceLastSr: 0x10000,
      },
    ],
  });
  assert.deepEqual(r[1], {
    type: 'sdes',
    chunks: [{ ssrc: 0x11223344, items: [{ type: 1, text: 'parle' }] }],
  });
  assert.deepEqual(r[2], { type: 'bye', ssrcs: [0x11223344], reason: 'done' });
  assert.equal(findCname(r, 0x11223344), 'parle');
  assert.equal(findCname(r, 1), undefined);
});

test('serializes back to the same bytes', () => {
  const r = parseRtcp(COMPOUND);
  assert.ok(!isRtcpParseError(r));
  assert.deepEqual(serializeRtcp(r), COMPOUND);
});

test('malformed compounds are error values', () => {
  const cases: [string, string][] = [
    ['81', 'too-short'],
    ['41 c9 0001 00000001', 'bad-version'],
    ['81 c9 0007 00000001', 'bad-length'],
    ['80 c9 0001 00000001 00', 'bad-length'],
    ['81 c9 0001 00000001', 'bad-body'], // RR claims one block, has none
    ['a0 c9 0001 00000001 80 c9 0001 00000001', 'bad-padding'], // padding not on the last part
    ['a0 c9 0001 00000009', 'bad-padding'],
    ['81 ca 0002 00000001 01 05 7061', 'bad-body'], // SDES item overruns
    ['81 cb 0002 00000001 09 646f6e', 'bad-body'], // BYE reason overruns
  ];
  for (const [bytes, kind] of cases) {
    const r = parseRtcp(hex(bytes));
    assert.ok(isRtcpParseError(r), bytes);
    assert.equal(r.error, kind, bytes);
  }
});

test('unknown packet types (feedback, APP) pass through as raw bytes', () => {
  const pli = hex('81 ce 0002 00000001 00000002'); // PSFB PLI, RFC 4585
  const r = parseRtcp(pli);
  assert.ok(!isRtcpParseError(r));
  assert.deepEqual(r, [{ type: 'other', packetType: 206, count: 1, body: hex('00000001 00000002') }]);
  assert.deepEqual(serializeRtcp(r), pli);
});

test('serialize then parse is the identity, and random bytes never throw', () => {
  const u32 = fc.integer({ min: 0, max: 0xffffffff });
  const block = fc.record({
    ssrc: u32,
    fractionLost: fc.integer({ min: 0, max: 255 }),
    cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
    highestSequence: u32,
    jitter: u32,
    lastSr: u32,
    delaySinceLastSr: u32,
  });
  const text = fc.string({ maxLength: 40 });
  const packet: fc.Arbitrary<RtcpPacket> = fc.oneof(
    fc.record({
      type: fc.constant('sr' as const),
      ssrc: u32,
      ntpSeconds: u32,
      ntpFraction: u32,
      rtpTimestamp: u32,
      packetCount: u32,
      octetCount: u32,
      reports: fc.array(block, { maxLength: 3 }),
    }),
    fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(block, { maxLength: 3 }) }),
    fc.record({
      type: fc.constant('sdes' as const),
      chunks: fc.array(
        fc.record({
          ssrc: u32,
          items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), text }), { maxLength: 3 }),
        }),
        { maxLength: 3 },
      ),
    }),
    fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 3 }), reason: text }),
  );
  fc.assert(
    fc.property(fc.array(packet, { minLength: 1, maxLength: 4 }), (ps) => {
      const back = parseRtcp(serializeRtcp(ps));
      assert.ok(!isRtcpParseError(back));
      assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(ps)));
    }),
  );
  fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => void parseRtcp(b)));
});

test('reads, and writes byte for byte, a compound made by another stack (werift 0.25: SR + SDES + RR)', () => {
  const bytes = hex(`
    81c8000c 11223344 e5e5e5e5 40000000 0001e240 000001f4 00013880
    5566aabb 190004d2 0002fffe 0000004d 12345678 00018000
    81ca0006 11223344 0110 776572696674403132372e302e302e31 0000
    81c90007 00000099 5566aabb 190004d2 0002fffe 0000004d 12345678 00018000
  `);
  const parsed = parseRtcp(bytes);
  assert.ok(!isRtcpParseError(parsed));
  const block = {
    ssrc: 0x5566aabb,
    fractionLost: 25,
    cumulativeLost: 1234,
    highestSequence: 0x2fffe,
    jitter: 77,
    lastSr: 0x12345678,
    delaySinceLastSr: 0x18000,
  };
  assert.deepEqual(JSON.parse(JSON.stringify(parsed)), [
    {
      type: 'sr',
      ssrc: 0x11223344,
      ntpSeconds: 0xe5e5e5e5,
      ntpFraction: 0x40000000,
      rtpTimestamp: 123456,
      packetCount: 500,
      octetCount: 80000,
      reports: [block],
    },
    { type: 'sdes', chunks: [{ ssrc: 0x11223344, items: [{ type: 1, text: 'werift@127.0.0.1' }] }] },
    { type: 'rr', ssrc: 0x99, reports: [block] },
  ]);
  assert.deepEqual(serializeRtcp(parsed), bytes);
});
