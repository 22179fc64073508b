/**
 * A small reader of classic libpcap files (not pcapng), for tests that replay captured traffic: it yields
 * the UDP datagrams of IPv4/IPv6 packets over Ethernet (with VLAN tags), Linux cooked capture, BSD loopback
 * or raw IP link types. Fragmented IP packets are skipped. A test helper, not product code.
 */

/** One UDP datagram from a capture. */
export interface PcapUdpPacket {
  /** Capture time, ms since the Unix epoch (µs or ns precision kept as a fraction). */
  timeMs: number;
  src: { address: string; port: number };
  dst: { address: string; port: number };
  payload: Uint8Array;
}

/** What `readPcapUdp` found. */
export interface PcapUdpCapture {
  linkType: number;
  packets: PcapUdpPacket[];
  /** Records that were not UDP over IP, or were truncated or fragmented. */
  skipped: number;
}

const LINK_NULL = 0;
const LINK_ETHERNET = 1;
const LINK_RAW = 101;
const LINK_RAW_ALT = 12;
const LINK_IPV4 = 228;
const LINK_IPV6 = 229;
const LINK_LINUX_SLL = 113;

function ipv4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

function ipv6(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(((b[o + i]! << 8) | b[o + i + 1]!).toString(16));
  return parts.join(':');
}

/** Parses an IP packet starting at `o`; returns the UDP datagram or undefined. */
function udpFromIp(b: Uint8Array, o: number, end: number): Omit<PcapUdpPacket, 'timeMs'> | undefined {
  if (o >= end) return undefined;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const version = b[o]! >> 4;
  let udp: number;
  let src: string;
  let dst: string;
  if (version === 4) {
    const ihl = (b[o]! & 0x0f) * 4;
    if (ihl < 20 || o + ihl > end || b[o + 9] !== 17) return undefined;
    const flagsFrag = view.getUint16(o + 6);
    if ((flagsFrag & 0x1fff) !== 0 || (flagsFrag & 0x2000) !== 0) return undefined; // a fragment
    const total = view.getUint16(o + 2);
    end = Math.min(end, o + total);
    src = ipv4(b, o + 12);
    dst = ipv4(b, o + 16);
    udp = o + ihl;
  } else if (version === 6) {
    if (o + 40 > end || b[o + 6] !== 17) return undefined; // no extension headers
    end = Math.min(end, o + 40 + view.getUint16(o + 4));
    src = ipv6(b, o + 8);
    dst = ipv6(b, o + 24);
    udp = o + 40;
  } else {
    return undefined;
  }
  if (udp + 8 > end) return undefined;
  const length = view.getUint16(udp + 4);
  const payloadEnd = Math.min(end, udp + Math.max(8, length));
  return {
    src: { address: src, port: view.getUint16(udp) },
    dst: { address: dst, port: view.getUint16(udp + 2) },
    payload: b.slice(udp + 8, payloadEnd),
  };
}

/** Reads every UDP datagram of a classic pcap file's bytes. Throws on a file that is not pcap. */
export function readPcapUdp(file: Uint8Array): PcapUdpCapture {
  if (file.length < 24) throw new Error('not a pcap file: too short');
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const magic = view.getUint32(0, true);
  let little: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    little = true;
    nano = magic === 0xa1b23c4d;
  } else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) {
    little = false;
    nano = magic === 0x4d3cb2a1;
  } else {
    throw new Error(`not a pcap file: magic ${magic.toString(16)}`);
  }
  const linkType = view.getUint32(20, little) & 0xffff;
  const packets: PcapUdpPacket[] = [];
  let skipped = 0;
  let o = 24;
  while (o + 16 <= file.length) {
    const sec = view.getUint32(o, little);
    const frac = view.getUint32(o + 4, little);
    const incl = view.getUint32(o + 8, little);
    const start = o + 16;
    const end = Math.min(file.length, start + incl);
    o = start + incl;
    const timeMs = sec * 1000 + (nano ? frac / 1e6 : frac / 1e3);
    let ip: number | undefined;
    switch (linkType) {
      case LINK_ETHERNET: {
        let p = start + 12;
        let type = p + 2 <= end ? view.getUint16(p) : 0;
        while ((type === 0x8100 || type === 0x88a8) && p + 6 <= end) {
          p += 4; // VLAN tag
          type = view.getUint16(p);
        }
        if (type === 0x0800 || type === 0x86dd) ip = p + 2;
        break;
      }
      case LINK_LINUX_SLL:
        ip = start + 16;
        break;
      case LINK_NULL:
        ip = start + 4;
        break;
      case LINK_RAW:
      case LINK_RAW_ALT:
      case LINK_IPV4:
      case LINK_IPV6:
        ip = start;
        break;
    }
    const udp = ip === undefined ? undefined : udpFromIp(file, ip, end);
    if (udp) packets.push({ timeMs, ...udp });
    else skipped++;
  }
  return { linkType, packets, skipped };
}
