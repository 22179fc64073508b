/**
 * STUN keep-alives on the SIP UDP port (RFC 5626 §4.4.2, RFC 5389): an outbound client sends STUN
 * Binding requests to the SIP port to keep its NAT binding and learn its public address; the registrar's
 * port must answer them. Only Binding is answered, with XOR-MAPPED-ADDRESS.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |0 0|     STUN Message Type     |         Message Length        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         Magic Cookie                          |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                     Transaction ID (96 bits)                  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 */
import { isIPv4 } from 'node:net';

const MAGIC = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

/** True when the datagram is a STUN message (RFC 5389 §6: top two bits zero, magic cookie, length fits). */
export function isStun(buf: Uint8Array): boolean {
  if (buf.length < 20 || (buf[0]! & 0xc0) !== 0) return false;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return view.getUint32(4) === MAGIC && view.getUint16(2) + 20 === buf.length;
}

/** The Binding success response for a Binding request from `address:port`; undefined for anything else. */
export function stunBindingResponse(
  request: Uint8Array,
  address: string,
  port: number,
): Uint8Array | undefined {
  if (!isStun(request)) return undefined;
  const view = new DataView(request.buffer, request.byteOffset, request.byteLength);
  if (view.getUint16(0) !== BINDING_REQUEST) return undefined;
  const v4 = isIPv4(address);
  const addrLen = v4 ? 4 : 16;
  const out = new Uint8Array(20 + 4 + 4 + addrLen);
  const o = new DataView(out.buffer);
  o.setUint16(0, BINDING_SUCCESS);
  o.setUint16(2, 4 + 4 + addrLen);
  out.set(request.subarray(4, 20), 4); // magic cookie and transaction id
  o.setUint16(20, XOR_MAPPED_ADDRESS);
  o.setUint16(22, 4 + addrLen);
  o.setUint8(25, v4 ? 0x01 : 0x02);
  o.setUint16(26, port ^ (MAGIC >>> 16));
  // §15.2: the address is XORed with the cookie (IPv4) or the cookie followed by the transaction id (IPv6).
  const key = out.subarray(4, 20);
  const bytes = v4 ? address.split('.').map(Number) : ipv6Bytes(address);
  for (let i = 0; i < addrLen; i++) out[28 + i] = bytes[i]! ^ key[i]!;
  return out;
}

function ipv6Bytes(address: string): number[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = Number.parseInt(g, 16) || 0;
    return [n >> 8, n & 0xff];
  });
}
