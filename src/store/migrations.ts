/**
 * Versioned schema migrations, applied in order, each in its own transaction, recorded in
 * `schema_migrations`. Never edit a released migration: add the next one.
 */
import { type ObjectKind, searchText, sortKey } from './model.ts';
import type { SqlDriver, SqlRunner } from './sql-driver.ts';

export interface Migration {
  version: number;
  name: string;
  sql: (dialect: 'sqlite' | 'postgres') => string;
  /** Data changes that SQL alone cannot express, run after `sql` in the same transaction. */
  run?: (db: SqlRunner) => Promise<void>;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'configuration, versions, accounts, tokens, sessions, audit, call records',
    sql: (d) => `
      CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
      INSERT INTO counters (name, value) VALUES ('revision', 0);
      CREATE TABLE draft (
        kind TEXT NOT NULL, id TEXT NOT NULL, sort_key TEXT NOT NULL,
        revision INTEGER NOT NULL, data TEXT NOT NULL,
        PRIMARY KEY (kind, id));
      CREATE INDEX draft_by_sort_key ON draft (kind, sort_key, id);
      CREATE TABLE versions (
        version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL, applied_by TEXT NOT NULL,
        summary TEXT NOT NULL, config TEXT NOT NULL);
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, password_hash TEXT NOT NULL,
        permissions TEXT NOT NULL, user_id TEXT, created_at TEXT NOT NULL,
        failed_logins INTEGER NOT NULL DEFAULT 0, locked_until TEXT);
      CREATE INDEX accounts_by_user ON accounts (user_id);
      CREATE TABLE sessions (
        token_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, csrf_token TEXT NOT NULL,
        created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
      CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
        permissions TEXT NOT NULL, created_at TEXT NOT NULL, last_used_at TEXT);
      CREATE TABLE audit_log (
        id ${d === 'postgres' ? 'SERIAL' : 'INTEGER'} PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, target TEXT, ip TEXT, ok INTEGER NOT NULL, detail TEXT);
      CREATE TABLE call_records (
        id TEXT PRIMARY KEY, started_at TEXT NOT NULL, data TEXT NOT NULL);
      CREATE INDEX call_records_by_start ON call_records (started_at);
    `,
  },
  {
    version: 2,
    name: 'draft search text for list filters',
    sql: () => `ALTER TABLE draft ADD COLUMN search TEXT NOT NULL DEFAULT ''`,
    run: async (db) => {
      const rows = await db.all<{ kind: string; id: string; data: string }>(
        'SELECT kind, id, data FROM draft',
      );
      for (const r of rows)
        await db.run('UPDATE draft SET search = ? WHERE kind = ? AND id = ?', [
          searchText(r.kind as ObjectKind, JSON.parse(r.data)),
          r.kind,
          r.id,
        ]);
    },
  },
  {
    version: 3,
    name: 'runtime state (registrar bindings and the like)',
    sql: () =>
      'CREATE TABLE runtime_state (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at TEXT NOT NULL)',
  },
  {
    version: 4,
    name: 'extensions sort as numbers',
    sql: () => '',
    run: async (db) => {
      const rows = await db.all<{ kind: string; id: string; data: string }>(
        'SELECT kind, id, data FROM draft',
      );
      for (const r of rows)
        await db.run('UPDATE draft SET sort_key = ? WHERE kind = ? AND id = ?', [
          sortKey(r.kind as ObjectKind, JSON.parse(r.data)),
          r.kind,
          r.id,
        ]);
    },
  },
  {
    version: 5,
    name: 'users may call external numbers unless told otherwise',
    sql: () => '',
    // Every user so far could call out: say so in the draft and in every applied version, so that the
    // field is always present and the migration shows up as no pending change.
    run: async (db) => {
      const withPermission = (u: Record<string, unknown>) =>
        typeof u.canCallOut === 'boolean' ? u : { ...u, canCallOut: true };
      const drafts = await db.all<{ id: string; data: string }>(
        "SELECT id, data FROM draft WHERE kind = 'users'",
      );
      for (const r of drafts)
        await db.run("UPDATE draft SET data = ? WHERE kind = 'users' AND id = ?", [
          JSON.stringify(withPermission(JSON.parse(r.data))),
          r.id,
        ]);
      const versions = await db.all<{ version: number; config: string }>(
        'SELECT version, config FROM versions',
      );
      for (const v of versions) {
        const config = JSON.parse(v.config) as { users?: Record<string, unknown>[] };
        if (!Array.isArray(config.users)) continue;
        config.users = config.users.map(withPermission);
        await db.run('UPDATE versions SET config = ? WHERE version = ?', [JSON.stringify(config), v.version]);
      }
    },
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The schema version the database is at (0 when empty). */
export async function schemaVersion(db: SqlDriver): Promise<number> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  );
  const rows = await db.all<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
  return Number(rows[0]?.v ?? 0);
}

/** Brings the schema up to date; refuses a database newer than this program knows. */
export async function migrate(db: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const current = await schemaVersion(db);
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (current > latest)
    throw new Error(
      `the database schema is version ${current}, newer than this program (${latest}): upgrade Parley`,
    );
  for (const m of migrations) {
    if (m.version <= current) continue;
    await db.tx(async (tx) => {
      // Another server may have migrated while this one waited for the write lock.
      const done = await tx.all('SELECT version FROM schema_migrations WHERE version = ?', [m.version]);
      if (done.length) return;
      for (const statement of m.sql(db.dialect).split(';')) {
        if (statement.trim()) await tx.run(statement);
      }
      await m.run?.(tx);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
    });
  }
  return Math.max(current, latest);
}
