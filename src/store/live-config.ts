/**
 * The applied configuration in memory, indexed for the PBX: read synchronously on every call, replaced
 * as a whole on Apply (so a call sees one version from start to end of a lookup, never a half-applied mix).
 */
import { BlockList, isIP } from 'node:net';
import type { SipUser, UserDirectory } from './directory.ts';
import type { Conference, Configuration, IncomingNumber, Trunk, User } from './model.ts';

export class LiveConfig implements UserDirectory {
  /** The applied version this snapshot is (0 before the first Apply). */
  readonly version: number;
  readonly config: Configuration;
  readonly usersByExtension: ReadonlyMap<string, User>;
  readonly usersById: ReadonlyMap<string, User>;
  readonly conferencesByExtension: ReadonlyMap<string, Conference>;
  readonly conferencesById: ReadonlyMap<string, Conference>;
  /** Keyed by E.164 number; several entries when a number is bound to different trunks. */
  readonly incomingByNumber: ReadonlyMap<string, readonly IncomingNumber[]>;
  readonly trunksById: ReadonlyMap<string, Trunk>;

  /** Per trunk, the source addresses accepted as that trunk (its inbound list, plus its host when an IP). */
  private readonly trunkSources: Array<[Trunk, BlockList]>;

  constructor(version: number, config: Configuration) {
    this.version = version;
    this.config = config;
    this.usersByExtension = new Map(config.users.map((u) => [u.extension, u]));
    this.usersById = new Map(config.users.map((u) => [u.id, u]));
    this.conferencesByExtension = new Map(config.conferences.map((c) => [c.extension, c]));
    this.conferencesById = new Map(config.conferences.map((c) => [c.id, c]));
    const numbers = new Map<string, IncomingNumber[]>();
    for (const n of config.incomingNumbers) {
      const list = numbers.get(n.number) ?? [];
      list.push(n);
      numbers.set(n.number, list);
    }
    this.incomingByNumber = numbers;
    this.trunksById = new Map(config.trunks.map((t) => [t.id, t]));
    this.trunkSources = config.trunks.map((t) => {
      const list = new BlockList();
      const add = (entry: string) => {
        const [addr, bits] = entry.split('/');
        const family = isIP(addr ?? '');
        if (!family) return;
        const type = family === 4 ? 'ipv4' : 'ipv6';
        if (bits === undefined) list.addAddress(addr!, type);
        else list.addSubnet(addr!, Number(bits), type);
      };
      for (const a of t.inboundAddresses ?? []) add(a);
      add(t.host);
      return [t, list];
    });
  }

  /**
   * The trunk a request from `address` comes from, if any: the first whose inbound addresses (IPs or
   * CIDR networks) or IP-literal host contain it. Unknown sources get undefined (treat as untrusted).
   */
  trunkForAddress(address: string): Trunk | undefined {
    const family = isIP(address);
    if (!family) return undefined;
    const type = family === 4 ? 'ipv4' : 'ipv6';
    for (const [trunk, list] of this.trunkSources) if (list.check(address, type)) return trunk;
    return undefined;
  }

  /** UserDirectory: the live user with this extension. */
  findUser(extension: string): SipUser | undefined {
    return this.usersByExtension.get(extension);
  }

  findConference(extension: string): Conference | undefined {
    return this.conferencesByExtension.get(extension);
  }

  /**
   * The incoming-number entry for a call to `number` arriving from `trunkId`: an entry bound to that
   * trunk wins over one bound to any trunk.
   */
  findIncoming(number: string, trunkId?: string): IncomingNumber | undefined {
    const list = this.incomingByNumber.get(number);
    if (!list) return undefined;
    return (
      list.find((n) => n.trunkId !== undefined && n.trunkId === trunkId) ??
      list.find((n) => n.trunkId === undefined)
    );
  }

  get trunks(): readonly Trunk[] {
    return this.config.trunks;
  }
}
