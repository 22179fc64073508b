import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readPcapUdp } from './pcap.ts';

const hex = (s: string): number[] => [...Buffer.from(s.replace(/\s+/g, ''), 'hex')];

/** A pcap file: 24-byte global header, then records (ts, incl, orig, data), in either byte order. */
function pcap(
  opts: { big: boolean; nano: boolean; link: number },
  records: { sec: number; frac: number; data: number[] }[],
) {
  const u32 = (v: number) =>
    opts.big
      ? [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255]
      : [v & 255, (v >>> 8) & 255, (v >>> 16) & 255, v >>> 24];
  const u16 = (v: number) => (opts.big ? [v >> 8, v & 255] : [v & 255, v >> 8]);
  const bytes = [
    ...u32(opts.nano ? 0xa1b23c4d : 0xa1b2c3d4),
    ...u16(2),
    ...u16(4),
    ...u32(0),
    ...u32(0),
    ...u32(65535),
    ...u32(opts.link),
  ];
  for (const r of records)
    bytes.push(...u32(r.sec), ...u32(r.frac), ...u32(r.data.length), ...u32(r.data.length), ...r.data);
  return Uint8Array.from(bytes);
}

// IPv4 header (20 bytes, proto 17, 127.0.0.1 → 127.0.0.2) + UDP 4000 → 5000 with a 3-byte payload.
const IPV4_UDP = hex('4500 001f 0000 4000 4011 0000 7f000001 7f000002  0fa0 1388 000b 0000 aabbcc');
// IPv6 header (40 bytes, next header 17, ::1 → ::2) + UDP 6000 → 7000 with 2 bytes.
const IPV6_UDP = hex(
  '6000 0000 000a 1140 00000000000000000000000000000001 00000000000000000000000000000002 1770 1b58 000a 0000 ddee',
);

test('reads UDP over Linux cooked capture, big-endian, microseconds', () => {
  const sll = hex('0000 0304 0006 000000000000 0000 0800');
  const c = readPcapUdp(
    pcap({ big: true, nano: false, link: 113 }, [{ sec: 10, frac: 500_000, data: [...sll, ...IPV4_UDP] }]),
  );
  assert.equal(c.linkType, 113);
  assert.deepEqual(c.packets, [
    {
      timeMs: 10_500,
      src: { address: '127.0.0.1', port: 4000 },
      dst: { address: '127.0.0.2', port: 5000 },
      payload: Uint8Array.from([0xaa, 0xbb, 0xcc]),
    },
  ]);
});

test('reads IPv6 behind an Ethernet VLAN tag, little-endian, nanoseconds; raw IP too', () => {
  const eth = hex('020000000001 020000000002 8100 0064 86dd');
  const c = readPcapUdp(
    pcap({ big: false, nano: true, link: 1 }, [{ sec: 1, frac: 250_000_000, data: [...eth, ...IPV6_UDP] }]),
  );
  assert.equal(c.packets.length, 1);
  assert.equal(c.packets[0]!.timeMs, 1250);
  assert.equal(c.packets[0]!.src.address, '0:0:0:0:0:0:0:1');
  assert.equal(c.packets[0]!.dst.port, 7000);
  assert.deepEqual([...c.packets[0]!.payload], [0xdd, 0xee]);
  const raw = readPcapUdp(
    pcap({ big: false, nano: false, link: 101 }, [{ sec: 0, frac: 0, data: IPV4_UDP }]),
  );
  assert.equal(raw.packets[0]!.src.port, 4000);
});

test('skips what is not a whole UDP datagram; rejects a file that is not pcap', () => {
  const tcp = [...IPV4_UDP];
  tcp[9] = 6;
  const fragment = [...IPV4_UDP];
  fragment[6] = 0x20; // more fragments
  const truncated = IPV4_UDP.slice(0, 24);
  const c = readPcapUdp(
    pcap({ big: false, nano: false, link: 101 }, [
      { sec: 0, frac: 0, data: tcp },
      { sec: 0, frac: 0, data: fragment },
      { sec: 0, frac: 0, data: truncated },
      { sec: 0, frac: 0, data: IPV4_UDP },
    ]),
  );
  assert.equal(c.packets.length, 1);
  assert.equal(c.skipped, 3);
  assert.throws(() => readPcapUdp(new Uint8Array(24)), /not a pcap file/);
  assert.throws(() => readPcapUdp(new Uint8Array(3)), /not a pcap file/);
});
