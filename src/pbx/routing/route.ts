/**
 * Routing: a dialled number and who dials it → where the call goes. Pure: reads one configuration
 * snapshot, no I/O, so a call is routed against one applied version from start to end.
 *
 * Rules, in order:
 * - From a trunk (the caller's address is one of the trunk's inbound addresses): only incoming numbers
 *   are reachable; the number's destination decides (none → 404, extension, conference, hangup). A trunk
 *   caller never reaches an internal extension directly nor another trunk (no toll fraud through Parley).
 * - Internal extensions: a user's or a conference's.
 * - One of Parley's own incoming numbers dialled from inside goes to that number's destination (no
 *   hairpin through the carrier).
 * - Anything else that looks like a phone number is external: only an authenticated user allowed to call
 *   out reaches a trunk; anybody else gets 403.
 */
import type {
  RoutingConference,
  RoutingConfig,
  RoutingIncomingNumber,
  RoutingTrunk,
  RoutingUser,
} from './routing-config.ts';

/** Who is calling, as the SIP layer established it. */
export type Caller =
  /** Authenticated by digest as this user (or over the console's WebSocket session). */
  | { kind: 'user'; extension: string }
  /** Arrived from one of this trunk's inbound addresses. */
  | { kind: 'trunk'; trunkId: string }
  /** Neither: not authenticated. */
  | { kind: 'anonymous' };

/** Why a call is refused, each with the SIP status to answer (RFC 3261 §21, RFC 3398 for numbers). */
export type RejectReason =
  /** No such extension or number: 404. */
  | 'not-found'
  /** An incoming number whose destination is "none": 404 (RFC 3398: unallocated number). */
  | 'unassigned-number'
  /** Calling out without being an authenticated user allowed to: 403. */
  | 'forbidden'
  /** No trunk configured for an external number: 404 (no route to destination). */
  | 'no-trunk'
  /** Empty dialled string: 484 Address Incomplete. */
  | 'incomplete';

export const REJECT_STATUS: Readonly<Record<RejectReason, number>> = {
  'not-found': 404,
  'unassigned-number': 404,
  forbidden: 403,
  'no-trunk': 404,
  incomplete: 484,
};

export type Destination =
  | { type: 'user'; user: RoutingUser; incoming?: RoutingIncomingNumber }
  | { type: 'conference'; conference: RoutingConference; incoming?: RoutingIncomingNumber }
  /** Call an external number (E.164 when the dialled string allowed it) through `trunk`. */
  | { type: 'external'; number: string; trunk: RoutingTrunk }
  /** An incoming number configured to hang up: refuse the call (603 Decline suits). */
  | { type: 'hangup'; incoming: RoutingIncomingNumber }
  | { type: 'reject'; reason: RejectReason; status: number };

function reject(reason: RejectReason): Destination {
  return { type: 'reject', reason, status: REJECT_STATUS[reason] };
}

/**
 * The dialled string without visual separators (RFC 3966 §5.1.1: `-`, `.`, `(`, `)` and spaces), or
 * undefined when it is not digits with an optional leading `+` (then nothing can match it).
 */
export function normaliseDialled(dialled: string): string | undefined {
  const s = dialled.trim().replace(/[\s\-.()]/g, '');
  return /^\+?[0-9]+$/.test(s) || /^[0-9*#]+$/.test(s) ? s : undefined;
}

/** Spellings of one number a carrier may send: as is, with `+`, international `00` prefix as `+`. */
function numberVariants(n: string): string[] {
  const out = [n];
  if (n.startsWith('00')) out.push(`+${n.slice(2)}`);
  else if (!n.startsWith('+')) out.push(`+${n}`);
  return out;
}

function findIncoming(config: RoutingConfig, n: string, trunkId?: string): RoutingIncomingNumber | undefined {
  for (const v of numberVariants(n)) {
    const hit = config.findIncoming(v, trunkId);
    if (hit) return hit;
  }
  return undefined;
}

function internal(
  config: RoutingConfig,
  extension: string,
  incoming?: RoutingIncomingNumber,
): Destination | undefined {
  const user = config.usersByExtension.get(extension);
  if (user) return incoming ? { type: 'user', user, incoming } : { type: 'user', user };
  const conference = config.conferencesByExtension.get(extension);
  if (conference)
    return incoming ? { type: 'conference', conference, incoming } : { type: 'conference', conference };
  return undefined;
}

function incomingDestination(config: RoutingConfig, incoming: RoutingIncomingNumber): Destination {
  const d = incoming.destination;
  switch (d.type) {
    case 'none':
      return reject('unassigned-number');
    case 'hangup':
      return { type: 'hangup', incoming };
    case 'extension':
      return internal(config, d.extension, incoming) ?? reject('not-found');
    case 'conference': {
      const conference = config.conferencesById.get(d.conferenceId);
      return conference ? { type: 'conference', conference, incoming } : reject('not-found');
    }
  }
}

/** Routes one call (see the file comment for the rules). */
export function route(dialled: string, caller: Caller, config: RoutingConfig): Destination {
  if (dialled.trim() === '') return reject('incomplete');
  const n = normaliseDialled(dialled);
  if (n === undefined) return reject('not-found');

  if (caller.kind === 'trunk') {
    const incoming = findIncoming(config, n, caller.trunkId);
    return incoming ? incomingDestination(config, incoming) : reject('not-found');
  }

  const inside = internal(config, n);
  if (inside) return inside;
  const own = findIncoming(config, n);
  if (own) return incomingDestination(config, own);
  if (!/^\+?[0-9]+$/.test(n)) return reject('not-found');

  if (caller.kind !== 'user') return reject('forbidden');
  const user = config.usersByExtension.get(caller.extension);
  if (!user || user.canCallOut === false) return reject('forbidden');
  const trunk = config.trunks[0];
  if (!trunk) return reject('no-trunk');
  return { type: 'external', number: n.startsWith('00') ? `+${n.slice(2)}` : n, trunk };
}
