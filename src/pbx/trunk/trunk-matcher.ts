/**
 * Which trunk a request comes from, by its source address: only a trunk's configured inbound addresses
 * (IP or CIDR, IPv4 and IPv6) and its own host when that is an IP literal. Pure. Anything that matches
 * no trunk is an ordinary caller and must authenticate like everyone else.
 */
import { BlockList, isIP } from 'node:net';

export interface MatchableTrunk {
  id: string;
  host: string;
  inboundAddresses: readonly string[];
}

/** A compiled address list per trunk, built once per configuration version. */
export class TrunkMatcher<T extends MatchableTrunk> {
  readonly #lists: Array<{ trunk: T; list: BlockList }>;

  constructor(trunks: readonly T[]) {
    this.#lists = trunks.map((trunk) => ({ trunk, list: compile([trunk.host, ...trunk.inboundAddresses]) }));
  }

  /** The first trunk whose addresses contain `address`, or undefined. */
  match(address: string): T | undefined {
    const plain = address.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
    const family = isIP(plain);
    if (family === 0) return undefined;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    return this.#lists.find(({ list }) => list.check(plain, type))?.trunk;
  }
}

function compile(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.trim().split('/');
    const family = isIP(ip ?? '');
    if (family === 0) continue; // a host name: never trusted by address (it could resolve anywhere)
    const type = family === 6 ? 'ipv6' : 'ipv4';
    const max = family === 6 ? 128 : 32;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) continue;
    if (prefix === max) list.addAddress(ip!, type);
    else list.addSubnet(ip!, prefix, type);
  }
  return list;
}
