/**
 * The part of the live configuration that routing reads. The store's `LiveConfig` satisfies it as it is;
 * tests build it from plain maps with `routingConfigOf`.
 */

/** A user as routing sees it. */
export interface RoutingUser {
  extension: string;
  name?: string;
  /** May this user call external numbers through a trunk? Absent means yes (every authenticated user). */
  canCallOut?: boolean;
}

/** A conference as routing and the conference flow see it. */
export interface RoutingConference {
  id: string;
  name?: string;
  extension: string;
  /** Digits the caller types then `#`; absent or empty: straight in. */
  accessCode?: string;
  /** Extension of the user who is the room's administrator. */
  adminExtension?: string;
  /** Others wait with music until the administrator has joined. */
  waitForAdmin: boolean;
}

/** Where an incoming number sends its calls (the store's `Destination`). */
export type IncomingDestination =
  | { type: 'none' }
  | { type: 'extension'; extension: string }
  | { type: 'conference'; conferenceId: string }
  | { type: 'hangup' };

export interface RoutingIncomingNumber {
  id?: string;
  /** E.164, e.g. +3221234567. */
  number: string;
  /** Only calls from this trunk match; absent: any trunk. */
  trunkId?: string;
  destination: IncomingDestination;
}

export interface RoutingTrunk {
  id: string;
  name?: string;
  /** E.164 caller id the carrier expects on outgoing calls. */
  callerId?: string;
}

export interface RoutingConfig {
  readonly usersByExtension: ReadonlyMap<string, RoutingUser>;
  readonly conferencesByExtension: ReadonlyMap<string, RoutingConference>;
  readonly conferencesById: ReadonlyMap<string, RoutingConference>;
  /** The incoming-number entry for `number` arriving from `trunkId` (a trunk-bound entry wins). */
  findIncoming(number: string, trunkId?: string): RoutingIncomingNumber | undefined;
  /** Trunks in configuration order; outbound calls use the first. */
  readonly trunks: readonly RoutingTrunk[];
}

/** A `RoutingConfig` over plain lists (tests, benchmarks, a harness without a store). */
export function routingConfigOf(parts: {
  users?: RoutingUser[];
  conferences?: RoutingConference[];
  incomingNumbers?: RoutingIncomingNumber[];
  trunks?: RoutingTrunk[];
}): RoutingConfig {
  const conferences = parts.conferences ?? [];
  const incoming = parts.incomingNumbers ?? [];
  return {
    usersByExtension: new Map((parts.users ?? []).map((u) => [u.extension, u])),
    conferencesByExtension: new Map(conferences.map((c) => [c.extension, c])),
    conferencesById: new Map(conferences.map((c) => [c.id, c])),
    findIncoming(number, trunkId) {
      const list = incoming.filter((n) => n.number === number);
      return (
        list.find((n) => n.trunkId !== undefined && n.trunkId === trunkId) ??
        list.find((n) => n.trunkId === undefined)
      );
    },
    trunks: parts.trunks ?? [],
  };
}
