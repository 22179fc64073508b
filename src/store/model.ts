/**
 * The configuration model: what the console edits, what Apply publishes, what the PBX reads. Plain JSON
 * objects, so a whole configuration is one serialisable value (a version is an immutable copy of it).
 */

/** What a console account or token may do. `admin` implies every other permission. */
export type Permission = 'conferences' | 'participants' | 'apply' | 'admin';
export const PERMISSIONS: readonly Permission[] = ['conferences', 'participants', 'apply', 'admin'];

/** The kinds of staged configuration objects, in the order a configuration lists them. */
export type ObjectKind = 'users' | 'conferences' | 'incomingNumbers' | 'trunks';
export const OBJECT_KINDS: readonly ObjectKind[] = ['users', 'conferences', 'incomingNumbers', 'trunks'];

/** Every staged object carries its id and a revision (the optimistic-concurrency tag, also the ETag). */
export interface Stored {
  id: string;
  /** Bumped on every write of the object; a write naming an older revision is refused (409). */
  revision: number;
}

export interface UserFields {
  name: string;
  /** Digits only; unique across users and conferences. Also the SIP digest username. */
  extension: string;
  sipPassword: string;
  email?: string;
  /**
   * May this user call external numbers through a trunk? The store writes `true` when a write leaves it
   * out (and schema migration 5 wrote it into older data), so stored users always carry it.
   */
  canCallOut?: boolean;
}
export type User = UserFields & Stored;

export interface ConferenceFields {
  name: string;
  extension: string;
  /** Digits the caller types (then `#`) to get in; absent or empty means straight in. */
  accessCode?: string;
  /** The extension of the user who is this room's administrator. */
  adminExtension?: string;
  /** Others wait with music until the administrator has joined. */
  waitForAdmin: boolean;
}
export type Conference = ConferenceFields & Stored;

/** Where a call to an incoming number goes. */
export type Destination =
  | { type: 'none' }
  | { type: 'extension'; extension: string }
  | { type: 'conference'; conferenceId: string }
  | { type: 'hangup' };

export interface IncomingNumberFields {
  /** E.164, e.g. +3221234567. */
  number: string;
  /** Only calls arriving from this trunk match; absent means any trunk. */
  trunkId?: string;
  destination: Destination;
}
export type IncomingNumber = IncomingNumberFields & Stored;

export type TrunkTransport = 'udp' | 'tcp' | 'tls';

export interface TrunkFields {
  name: string;
  host: string;
  port: number;
  transport: TrunkTransport;
  username?: string;
  password?: string;
  /** Register to the provider (RFC 3261 §10) with username/password. */
  register: boolean;
  /** E.164 caller id presented on outgoing calls. */
  callerId?: string;
  /** Source addresses (IP or CIDR) whose requests are accepted as coming from this trunk. */
  inboundAddresses: string[];
}
export type Trunk = TrunkFields & Stored;

export interface ObjectTypes {
  users: User;
  conferences: Conference;
  incomingNumbers: IncomingNumber;
  trunks: Trunk;
}
export interface FieldTypes {
  users: UserFields;
  conferences: ConferenceFields;
  incomingNumbers: IncomingNumberFields;
  trunks: TrunkFields;
}

/** A whole configuration: the draft, or one applied version. */
export interface Configuration {
  users: User[];
  conferences: Conference[];
  incomingNumbers: IncomingNumber[];
  trunks: Trunk[];
}

export function emptyConfiguration(): Configuration {
  return { users: [], conferences: [], incomingNumbers: [], trunks: [] };
}

/** Fields never shown back once written (their diffs say "changed" without values). */
export const SECRET_FIELDS: ReadonlySet<string> = new Set(['sipPassword', 'password']);

/** The key lists sort on: what people look for first in each kind (stored: a change needs a migration). */
export function sortKey(kind: ObjectKind, obj: Record<string, unknown>): string {
  switch (kind) {
    case 'users':
    case 'conferences':
      // Zero-padded so extensions sort as numbers: 101, 102, 1000 (not 1000, 101, 102).
      return String(obj.extension ?? '').padStart(20, '0');
    case 'incomingNumbers':
      return String(obj.number ?? '');
    case 'trunks':
      return String(obj.name ?? '');
  }
}

/** What a list's `q` filter looks in: the names and numbers people search by (never a secret). */
export function searchText(kind: ObjectKind, obj: Record<string, unknown>): string {
  const fields: Record<ObjectKind, string[]> = {
    users: ['name', 'extension', 'email'],
    conferences: ['name', 'extension'],
    incomingNumbers: ['number'],
    trunks: ['name', 'host'],
  };
  return fields[kind]
    .map((f) => obj[f])
    .filter((v) => typeof v === 'string' && v !== '')
    .join(' ')
    .toLowerCase();
}

/** One applied version, as listed in the history. */
export interface VersionInfo {
  version: number;
  appliedAt: string;
  appliedBy: string;
  /** How many objects this version added, changed and removed relative to the one before. */
  summary: { added: number; changed: number; removed: number };
}

/** A console login. Not staged: accounts and permissions take effect at once (see store.ts). */
export interface Account {
  id: string;
  username: string;
  permissions: Permission[];
  /** The staged user this login belongs to, if any (accounts made by `parley admin create` have none). */
  userId?: string;
  createdAt: string;
  lockedUntil?: string;
}

export interface ApiToken {
  id: string;
  name: string;
  permissions: Permission[];
  createdAt: string;
  lastUsedAt?: string;
}

/** Who did something: an account, a token, or the system itself (the CLI). */
export interface Actor {
  kind: 'account' | 'token' | 'system';
  id?: string;
  name: string;
  permissions: Permission[];
}

export interface AuditEntry {
  id: number;
  at: string;
  actor: string;
  action: string;
  target?: string;
  ip?: string;
  ok: boolean;
  detail?: Record<string, unknown>;
}

export interface CallRecord {
  id: string;
  startedAt: string;
  answeredAt?: string;
  endedAt?: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound' | 'internal';
  disposition: 'answered' | 'busy' | 'failed' | 'no-answer' | 'cancelled';
  conferenceId?: string;
  durationSeconds?: number;
}

export interface Session {
  accountId: string;
  csrfToken: string;
  expiresAt: string;
}

export function hasPermission(granted: readonly Permission[], needed: Permission): boolean {
  return granted.includes('admin') || granted.includes(needed);
}

/** Removes secrets (SIP and trunk passwords) from an object before it leaves the server. */
export function redact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!SECRET_FIELDS.has(k)) out[k] = v;
  return out as T;
}
