/**
 * The one store interface both engines implement (SQLite embedded, PostgreSQL), and its error set.
 *
 * Staging: writes change the draft; `apply` validates the whole draft and publishes it as a new immutable
 * version in one transaction; `live` is that version in memory for the PBX. Accounts, tokens, sessions,
 * the audit log and call records are not staged: a revoked permission must not wait for an Apply.
 *
 * A conference removed by an Apply while people are in it: the PBX keeps the running room until its last
 * member leaves (nobody is dropped), and nobody new can join it, since lookups go to the new version.
 */
import type { ObjectChange } from './diff.ts';
import type { LiveConfig } from './live-config.ts';
import type {
  Account,
  Actor,
  ApiToken,
  AuditEntry,
  CallRecord,
  Configuration,
  FieldTypes,
  ObjectKind,
  ObjectTypes,
  Permission,
  VersionInfo,
} from './model.ts';
import type { ValidationError } from './validate.ts';

export type StoreErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'INVALID' | 'DUPLICATE';

/** A refusal the caller can act on; anything else thrown by a store is an operational failure. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  /** For INVALID: each problem with its field path. */
  readonly errors: ValidationError[];
  /** For CONFLICT: the object's current revision. */
  readonly currentRevision?: number;

  constructor(
    code: StoreErrorCode,
    message: string,
    extra: { errors?: ValidationError[]; currentRevision?: number } = {},
  ) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
    this.errors = extra.errors ?? [];
    this.currentRevision = extra.currentRevision;
  }
}

export interface PageOptions {
  offset?: number;
  limit?: number;
}

/** Which configuration a read looks at: the draft (default) or the applied one. */
export type View = 'draft' | 'live';

export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
  limit: number;
}

/** Who is doing it and from where, recorded in the audit log with every change. */
export interface Context {
  actor: Actor;
  ip?: string;
}

export interface WriteOptions extends Context {
  /** The revision the writer last saw; a different current revision makes the write fail with CONFLICT. */
  ifRevision?: number;
}

export interface PendingChanges {
  /** The live version the draft is compared with. */
  baseVersion: number;
  changes: ObjectChange[];
  /** What Apply would refuse right now (empty when the draft is valid). */
  problems: ValidationError[];
}

export interface ApplyResult {
  version: number;
  /** True when the draft equalled the live version: nothing was published. */
  unchanged: boolean;
}

/** A console account with what login needs; never leaves the server. */
export interface AccountSecret extends Account {
  passwordHash: string;
  failedLogins: number;
}

export interface NewAccount {
  username: string;
  password: string;
  permissions: Permission[];
  userId?: string;
}

export interface SessionRecord {
  account: Account;
  csrfToken: string;
  expiresAt: string;
}

export interface StoreStatus {
  engine: 'sqlite' | 'postgres';
  schemaVersion: number;
  latestSchemaVersion: number;
  liveVersion: number;
}

/**
 * Told of each new live version, with the one it replaces (so the PBX can see, e.g., which rooms went away:
 * it lets their calls finish and lets nobody new in).
 */
export type AppliedListener = (version: number, live: LiveConfig, previous: LiveConfig) => void;

export interface Store {
  readonly engine: 'sqlite' | 'postgres';
  /** The applied configuration in memory; replaced (never mutated) on Apply. */
  readonly live: LiveConfig;
  /** Called after every successful Apply (and restore-then-apply) with the new snapshot. */
  onApplied(listener: AppliedListener): () => void;
  /** Re-reads the live version if another process applied one (PostgreSQL shared by several servers). */
  refresh(): Promise<LiveConfig>;

  /**
   * Sorted by extension (users, conferences), number, or name (trunks); `q` keeps the objects whose name,
   * extension, number, email or host contains it (case-insensitive).
   */
  list<K extends ObjectKind>(
    kind: K,
    page?: PageOptions & { view?: View; q?: string },
  ): Promise<Page<ObjectTypes[K]>>;
  get<K extends ObjectKind>(kind: K, id: string, view?: View): Promise<ObjectTypes[K] | undefined>;
  create<K extends ObjectKind>(kind: K, fields: FieldTypes[K], ctx: Context): Promise<ObjectTypes[K]>;
  /** Merges `patch` (a `null` value removes an optional field). */
  update<K extends ObjectKind>(
    kind: K,
    id: string,
    patch: Partial<Record<keyof FieldTypes[K], unknown>>,
    opts: WriteOptions,
  ): Promise<ObjectTypes[K]>;
  remove(kind: ObjectKind, id: string, opts: WriteOptions): Promise<void>;

  draft(): Promise<Configuration>;
  changes(): Promise<PendingChanges>;
  /** Validates the whole draft and publishes it as the next version, all or nothing (INVALID). */
  apply(ctx: Context): Promise<ApplyResult>;
  /** Makes the draft equal to the live version again. */
  discard(ctx: Context): Promise<void>;
  /** Replaces the whole draft (import, restore). */
  replaceDraft(config: Configuration, ctx: Context): Promise<void>;
  versions(page?: PageOptions): Promise<Page<VersionInfo>>;
  /** One applied version's configuration (0 is the empty configuration). */
  version(n: number): Promise<Configuration | undefined>;
  diffVersions(from: number, to: number): Promise<ObjectChange[]>;
  /** Copies version `n` into the draft (Apply then publishes it as a new version). */
  restore(n: number, ctx: Context): Promise<void>;

  createAccount(account: NewAccount, ctx: Context): Promise<Account>;
  updateAccount(
    id: string,
    patch: { username?: string; password?: string; permissions?: Permission[] },
    ctx: Context,
  ): Promise<Account>;
  deleteAccount(id: string, ctx: Context): Promise<void>;
  listAccounts(): Promise<Account[]>;
  getAccount(id: string): Promise<Account | undefined>;
  accountForUser(userId: string): Promise<Account | undefined>;
  findAccountByUsername(username: string): Promise<AccountSecret | undefined>;
  /** Records a login outcome: the failure counter and the lock-out deadline. */
  setLoginState(id: string, state: { failedLogins: number; lockedUntil?: string }): Promise<void>;

  createSession(
    accountId: string,
    ttlMs: number,
  ): Promise<{ token: string; csrfToken: string; expiresAt: string }>;
  findSession(token: string): Promise<SessionRecord | undefined>;
  deleteSession(token: string): Promise<void>;

  /** The secret is returned once here and stored only as a hash. */
  createToken(
    name: string,
    permissions: Permission[],
    ctx: Context,
  ): Promise<{ token: string; info: ApiToken }>;
  listTokens(): Promise<ApiToken[]>;
  deleteToken(id: string, ctx: Context): Promise<void>;
  findToken(secret: string): Promise<ApiToken | undefined>;

  audit(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<void>;
  listAudit(page?: PageOptions): Promise<Page<AuditEntry>>;
  /**
   * Runtime state that is not configuration, as JSON under a key: e.g. the registrar's bindings
   * (`{ load: () => store.getState('bindings'), save: (b) => store.setState('bindings', b) }`).
   */
  getState<T = unknown>(key: string): Promise<T | undefined>;
  setState(key: string, value: unknown): Promise<void>;
  addCallRecord(record: CallRecord): Promise<void>;
  listCallRecords(page?: PageOptions): Promise<Page<CallRecord>>;

  status(): Promise<StoreStatus>;
  /** Idempotent. */
  close(): Promise<void>;
}

/** Test hooks: let a test stop an Apply inside its transaction (the crash test). */
export interface StoreHooks {
  /** Runs inside the Apply transaction after the new version is written and before it commits. */
  beforeApplyCommit?: () => Promise<void>;
}
