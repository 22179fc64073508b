/**
 * The store over any `SqlDriver`: the staged configuration (draft rows, one per object), Apply (validate
 * the whole draft, write the next immutable version, all in one transaction), history and restore, plus
 * the in-memory live snapshot the PBX reads. Both engines run exactly this code.
 */
import { diffConfigurations, type ObjectChange, summarize } from './diff.ts';
import { LiveConfig } from './live-config.ts';
import { LATEST_SCHEMA_VERSION, schemaVersion } from './migrations.ts';
import {
  type Configuration,
  emptyConfiguration,
  type FieldTypes,
  OBJECT_KINDS,
  type ObjectKind,
  type ObjectTypes,
  searchText,
  sortKey,
  type VersionInfo,
} from './model.ts';
import { newId } from './secrets.ts';
import { actorName, insertAudit, pageBounds, SqlAccounts } from './sql-accounts.ts';
import type { Row, SqlDriver, SqlRunner } from './sql-driver.ts';
import {
  type AppliedListener,
  type ApplyResult,
  type Context,
  type Page,
  type PageOptions,
  type PendingChanges,
  type Store,
  StoreError,
  type StoreHooks,
  type StoreStatus,
  type View,
  type WriteOptions,
} from './store.ts';
import { type ValidationError, validateConfiguration, validateObject } from './validate.ts';

/** The fields each kind keeps; anything else in a write is ignored. */
const FIELDS: Record<ObjectKind, readonly string[]> = {
  users: ['name', 'extension', 'sipPassword', 'email', 'canCallOut'],
  conferences: ['name', 'extension', 'accessCode', 'adminExtension', 'waitForAdmin'],
  incomingNumbers: ['number', 'trunkId', 'destination'],
  trunks: [
    'name',
    'host',
    'port',
    'transport',
    'username',
    'password',
    'register',
    'callerId',
    'inboundAddresses',
  ],
};
const ID_PREFIX: Record<ObjectKind, string> = {
  users: 'u',
  conferences: 'c',
  incomingNumbers: 'n',
  trunks: 't',
};
/** Rows per multi-row INSERT: few round trips to PostgreSQL, well under SQLite's bound-parameter limit. */
const INSERT_BATCH = 300;

/** Values a field takes when a write leaves it out (or clears it with null). */
const DEFAULTS: Record<ObjectKind, Record<string, unknown>> = {
  users: { canCallOut: true },
  conferences: {},
  incomingNumbers: {},
  trunks: {},
};

function pick(kind: ObjectKind, obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS[kind]) {
    const v = obj[f] ?? DEFAULTS[kind][f];
    if (v !== undefined && v !== null) out[f] = v;
  }
  return out;
}

function fromRow<K extends ObjectKind>(r: Row): ObjectTypes[K] {
  return { id: r.id, ...JSON.parse(r.data as string), revision: Number(r.revision) } as ObjectTypes[K];
}

function configOf(rows: Row[]): Configuration {
  const config = emptyConfiguration();
  for (const r of rows) (config[r.kind as ObjectKind] as unknown[]).push(fromRow(r));
  return config;
}

export interface SqlStoreOptions {
  hooks?: StoreHooks;
  /** Where listener failures go (they are never thrown into Apply). */
  onListenerError?: (err: unknown) => void;
}

export class SqlStore extends SqlAccounts implements Store {
  readonly engine: 'sqlite' | 'postgres';
  private current: LiveConfig = new LiveConfig(0, emptyConfiguration());
  private readonly listeners = new Set<AppliedListener>();
  private readonly options: SqlStoreOptions;
  private sortedLive = new Map<ObjectKind, unknown[]>();
  private closed = false;
  private watcher?: NodeJS.Timeout;

  constructor(db: SqlDriver, options: SqlStoreOptions = {}) {
    super(db);
    this.engine = db.dialect;
    this.options = options;
  }

  /** Loads the live version; call once after migrating. */
  async load(): Promise<void> {
    const rows = await this.db.all('SELECT version, config FROM versions ORDER BY version DESC LIMIT 1');
    if (rows[0]) this.setLive(new LiveConfig(Number(rows[0].version), JSON.parse(rows[0].config as string)));
  }

  get live(): LiveConfig {
    return this.current;
  }

  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private setLive(live: LiveConfig, notify = false): void {
    const previous = this.current;
    this.current = live;
    this.sortedLive = new Map();
    if (!notify) return;
    for (const l of this.listeners) {
      try {
        l(live.version, live, previous);
      } catch (err) {
        this.options.onListenerError?.(err);
      }
    }
  }

  private async liveVersionNumber(db: SqlRunner = this.db): Promise<number> {
    return Number((await db.all('SELECT MAX(version) AS v FROM versions'))[0]?.v ?? 0);
  }

  async refresh(): Promise<LiveConfig> {
    const v = await this.liveVersionNumber();
    if (v !== this.current.version) {
      const config = await this.version(v);
      if (config) this.setLive(new LiveConfig(v, config), true);
    }
    return this.current;
  }

  async list<K extends ObjectKind>(
    kind: K,
    page?: PageOptions & { view?: View; q?: string },
  ): Promise<Page<ObjectTypes[K]>> {
    const { offset, limit } = pageBounds(page);
    const q = page?.q?.trim().toLowerCase() || undefined;
    if (page?.view === 'live') {
      let sorted = this.sortedLive.get(kind) as ObjectTypes[K][] | undefined;
      if (!sorted) {
        const keyed = (this.current.config[kind] as ObjectTypes[K][]).map(
          (o) => [sortKey(kind, o as unknown as Record<string, unknown>), o] as const,
        );
        keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1].id < b[1].id ? -1 : 1));
        sorted = keyed.map((k) => k[1]);
        this.sortedLive.set(kind, sorted);
      }
      const matching = q
        ? sorted.filter((o) => searchText(kind, o as unknown as Record<string, unknown>).includes(q))
        : sorted;
      return { items: matching.slice(offset, offset + limit), total: matching.length, offset, limit };
    }
    // LIKE's wildcards in the query are matched literally (ESCAPE), so "50%" finds "50%".
    const filter = q ? " AND search LIKE ? ESCAPE '\\'" : '';
    const like = q ? [`%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`] : [];
    const rows = await this.db.all(
      `SELECT id, revision, data FROM draft WHERE kind = ?${filter} ORDER BY sort_key, id LIMIT ? OFFSET ?`,
      [kind, ...like, limit, offset],
    );
    const total = Number(
      (await this.db.all(`SELECT COUNT(*) AS n FROM draft WHERE kind = ?${filter}`, [kind, ...like]))[0]?.n ??
        0,
    );
    return { items: rows.map((r) => fromRow<K>(r)), total, offset, limit };
  }

  async get<K extends ObjectKind>(kind: K, id: string, view?: View): Promise<ObjectTypes[K] | undefined> {
    if (view === 'live') return (this.current.config[kind] as ObjectTypes[K][]).find((o) => o.id === id);
    const rows = await this.db.all('SELECT id, revision, data FROM draft WHERE kind = ? AND id = ?', [
      kind,
      id,
    ]);
    return rows[0] ? fromRow<K>(rows[0]) : undefined;
  }

  private invalid(kind: ObjectKind, fields: Record<string, unknown>): void {
    const errors = validateObject(kind, fields as never);
    if (errors.length) throw new StoreError('INVALID', errors.map((e) => e.message).join(' '), { errors });
  }

  private async nextRevisions(db: SqlRunner, count: number): Promise<number> {
    const rows = await db.all(
      "UPDATE counters SET value = value + ? WHERE name = 'revision' RETURNING value",
      [count],
    );
    return Number(rows[0]!.value) - count + 1;
  }

  async create<K extends ObjectKind>(kind: K, input: FieldTypes[K], ctx: Context): Promise<ObjectTypes[K]> {
    const fields = pick(kind, input as unknown as Record<string, unknown>);
    this.invalid(kind, fields);
    const id = newId(ID_PREFIX[kind]);
    let revision = 0;
    await this.db.tx(async (tx) => {
      revision = await this.nextRevisions(tx, 1);
      await tx.run(
        'INSERT INTO draft (kind, id, sort_key, search, revision, data) VALUES (?, ?, ?, ?, ?, ?)',
        [kind, id, sortKey(kind, fields), searchText(kind, fields), revision, JSON.stringify(fields)],
      );
      await insertAudit(tx, ctx, `${kind}.create`, id, { fields: Object.keys(fields) });
    });
    return { id, ...fields, revision } as ObjectTypes[K];
  }

  async update<K extends ObjectKind>(
    kind: K,
    id: string,
    patch: Partial<Record<keyof FieldTypes[K], unknown>>,
    opts: WriteOptions,
  ): Promise<ObjectTypes[K]> {
    return this.db.tx(async (tx) => {
      const rows = await tx.all('SELECT revision, data FROM draft WHERE kind = ? AND id = ?', [kind, id]);
      const row = rows[0];
      if (!row) throw new StoreError('NOT_FOUND', 'No such object in the draft.');
      const current = Number(row.revision);
      if (opts.ifRevision !== undefined && opts.ifRevision !== current)
        throw new StoreError(
          'CONFLICT',
          'Someone else changed this object since you read it: reload it and try again.',
          {
            currentRevision: current,
          },
        );
      const merged: Record<string, unknown> = { ...JSON.parse(row.data as string) };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete merged[k];
        else if (v !== undefined) merged[k] = v;
      }
      const fields = pick(kind, merged);
      this.invalid(kind, fields);
      const revision = await this.nextRevisions(tx, 1);
      await tx.run(
        'UPDATE draft SET sort_key = ?, search = ?, revision = ?, data = ? WHERE kind = ? AND id = ?',
        [sortKey(kind, fields), searchText(kind, fields), revision, JSON.stringify(fields), kind, id],
      );
      const changed = Object.keys(patch).filter((k) => FIELDS[kind].includes(k));
      await insertAudit(tx, opts, `${kind}.update`, id, { fields: changed });
      return { id, ...fields, revision } as ObjectTypes[K];
    });
  }

  async remove(kind: ObjectKind, id: string, opts: WriteOptions): Promise<void> {
    await this.db.tx(async (tx) => {
      const rows = await tx.all('SELECT revision FROM draft WHERE kind = ? AND id = ?', [kind, id]);
      if (!rows[0]) throw new StoreError('NOT_FOUND', 'No such object in the draft.');
      const current = Number(rows[0].revision);
      if (opts.ifRevision !== undefined && opts.ifRevision !== current)
        throw new StoreError(
          'CONFLICT',
          'Someone else changed this object since you read it: reload it and try again.',
          {
            currentRevision: current,
          },
        );
      await tx.run('DELETE FROM draft WHERE kind = ? AND id = ?', [kind, id]);
      await insertAudit(tx, opts, `${kind}.delete`, id);
    });
  }

  private async readDraft(db: SqlRunner): Promise<Configuration> {
    return configOf(await db.all('SELECT kind, id, revision, data FROM draft ORDER BY kind, sort_key, id'));
  }

  async draft(): Promise<Configuration> {
    return this.readDraft(this.db);
  }

  async changes(): Promise<PendingChanges> {
    const live = await this.refresh();
    const draft = await this.draft();
    return {
      baseVersion: live.version,
      changes: diffConfigurations(live.config, draft),
      problems: validateConfiguration(draft),
    };
  }

  /** The live configuration as the database has it, from memory when this process is current. */
  private async baseConfig(db: SqlRunner, version: number): Promise<Configuration> {
    if (version === this.current.version) return this.current.config;
    if (version === 0) return emptyConfiguration();
    const rows = await db.all('SELECT config FROM versions WHERE version = ?', [version]);
    return JSON.parse(rows[0]!.config as string);
  }

  async apply(ctx: Context): Promise<ApplyResult> {
    let published: LiveConfig | undefined;
    const result = await this.db
      .tx(async (tx): Promise<ApplyResult> => {
        const liveVersion = await this.liveVersionNumber(tx);
        const base = await this.baseConfig(tx, liveVersion);
        const draft = await this.readDraft(tx);
        const errors = validateConfiguration(draft);
        if (errors.length) {
          throw new StoreError('INVALID', `The draft has ${errors.length} problem(s); nothing was applied.`, {
            errors,
          });
        }
        const changes = diffConfigurations(base, draft);
        if (!changes.length) return { version: liveVersion, unchanged: true };
        const version = liveVersion + 1;
        await tx.run(
          'INSERT INTO versions (version, applied_at, applied_by, summary, config) VALUES (?, ?, ?, ?, ?)',
          [
            version,
            new Date().toISOString(),
            actorName(ctx),
            JSON.stringify(summarize(changes)),
            JSON.stringify(draft),
          ],
        );
        await insertAudit(tx, ctx, 'apply', String(version), summarize(changes));
        await this.options.hooks?.beforeApplyCommit?.();
        published = new LiveConfig(version, draft);
        return { version, unchanged: false };
      })
      .catch(async (err: unknown) => {
        // The refusal is audited after the rollback, which would otherwise take the entry with it.
        if (err instanceof StoreError)
          await insertAudit(this.db, ctx, 'apply', undefined, { errors: err.errors.length }, false);
        throw err;
      });
    if (published) this.setLive(published, true);
    return result;
  }

  /** Replaces the draft inside `tx`; `keepRevisions` for configurations that came from this store. */
  private async writeDraft(tx: SqlRunner, config: Configuration, keepRevisions: boolean): Promise<void> {
    await tx.run('DELETE FROM draft');
    const rows: unknown[][] = [];
    for (const kind of OBJECT_KINDS)
      for (const o of (config[kind] ?? []) as unknown as Record<string, unknown>[]) {
        const fields = pick(kind, o);
        rows.push([
          kind,
          (o.id as string) || newId(ID_PREFIX[kind]),
          sortKey(kind, fields),
          o.revision,
          JSON.stringify(fields),
          searchText(kind, fields),
        ]);
      }
    if (!keepRevisions && rows.length) {
      const first = await this.nextRevisions(tx, rows.length);
      rows.forEach((r, i) => {
        r[3] = first + i;
      });
    }
    for (let i = 0; i < rows.length; i += INSERT_BATCH) {
      const batch = rows.slice(i, i + INSERT_BATCH);
      await tx.run(
        `INSERT INTO draft (kind, id, sort_key, revision, data, search) VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        batch.flat(),
      );
    }
  }

  async discard(ctx: Context): Promise<void> {
    await this.db.tx(async (tx) => {
      const base = await this.baseConfig(tx, await this.liveVersionNumber(tx));
      await this.writeDraft(tx, base, true);
      await insertAudit(tx, ctx, 'changes.discard', undefined);
    });
  }

  async replaceDraft(config: Configuration, ctx: Context): Promise<void> {
    // Each object on its own (paths `kind.index.field`), and ids that are well-formed and unique.
    const errors: ValidationError[] = [];
    for (const kind of OBJECT_KINDS) {
      const seen = new Set<string>();
      (config[kind] ?? []).forEach((o, i) => {
        const obj = o as unknown as Record<string, unknown>;
        for (const e of validateObject(kind, pick(kind, obj) as never))
          errors.push({ path: `${kind}.${i}.${e.path}`, message: e.message });
        const id = obj.id;
        if (id === undefined || id === '') return;
        if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id))
          errors.push({ path: `${kind}.${i}.id`, message: 'An id is letters, digits, - and _ only.' });
        else if (seen.has(id))
          errors.push({ path: `${kind}.${i}.id`, message: `The id ${id} appears twice.` });
        else seen.add(id);
      });
    }
    if (errors.length)
      throw new StoreError('INVALID', `${errors.length} problem(s) in the configuration.`, { errors });
    await this.db.tx(async (tx) => {
      await this.writeDraft(tx, config, false);
      await insertAudit(tx, ctx, 'draft.replace', undefined, {
        objects: OBJECT_KINDS.reduce((n, k) => n + (config[k]?.length ?? 0), 0),
      });
    });
  }

  async versions(page?: PageOptions): Promise<Page<VersionInfo>> {
    const { offset, limit } = pageBounds(page);
    const rows = await this.db.all(
      'SELECT version, applied_at, applied_by, summary FROM versions ORDER BY version DESC LIMIT ? OFFSET ?',
      [limit, offset],
    );
    const total = Number((await this.db.all('SELECT COUNT(*) AS n FROM versions'))[0]?.n ?? 0);
    return {
      items: rows.map((r) => ({
        version: Number(r.version),
        appliedAt: r.applied_at as string,
        appliedBy: r.applied_by as string,
        summary: JSON.parse(r.summary as string),
      })),
      total,
      offset,
      limit,
    };
  }

  async version(n: number): Promise<Configuration | undefined> {
    if (n === 0) return emptyConfiguration();
    if (n === this.current.version) return this.current.config;
    const rows = await this.db.all('SELECT config FROM versions WHERE version = ?', [n]);
    return rows[0] ? JSON.parse(rows[0].config as string) : undefined;
  }

  async diffVersions(from: number, to: number): Promise<ObjectChange[]> {
    const [a, b] = await Promise.all([this.version(from), this.version(to)]);
    if (!a || !b) throw new StoreError('NOT_FOUND', `Version ${!a ? from : to} does not exist.`);
    return diffConfigurations(a, b);
  }

  async restore(n: number, ctx: Context): Promise<void> {
    const config = await this.version(n);
    if (!config || n === 0) throw new StoreError('NOT_FOUND', `Version ${n} does not exist.`);
    await this.db.tx(async (tx) => {
      await this.writeDraft(tx, config, true);
      await insertAudit(tx, ctx, 'version.restore', String(n));
    });
  }

  async status(): Promise<StoreStatus> {
    return {
      engine: this.engine,
      schemaVersion: await schemaVersion(this.db),
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      liveVersion: await this.liveVersionNumber(),
    };
  }

  /**
   * Polls for versions applied by other servers sharing the database (PostgreSQL), so their Apply reaches
   * this PBX too; `onApplied` fires as for a local Apply.
   */
  watch(intervalMs: number, onError: (err: unknown) => void = () => {}): void {
    const tick = async () => {
      if (this.closed) return;
      try {
        await this.refresh();
      } catch (err) {
        onError(err);
      }
      if (!this.closed) this.watcher = setTimeout(tick, intervalMs).unref();
    };
    this.watcher = setTimeout(tick, intervalMs).unref();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watcher) clearTimeout(this.watcher);
    this.listeners.clear();
    await this.flushCallRecords();
    await this.db.close();
  }
}
