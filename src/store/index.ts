/**
 * The store's public surface: `openStore` picks the engine (PostgreSQL for a `postgres://` URL, else the
 * embedded SQLite file `parley.db` in the data directory), migrates it and loads the live version.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { LATEST_SCHEMA_VERSION, migrate } from './migrations.ts';
import { PostgresDriver } from './postgres/postgres-driver.ts';
import type { SqlDriver } from './sql-driver.ts';
import { SqlStore } from './sql-store.ts';
import { SqliteDriver } from './sqlite/sqlite-driver.ts';
import type { Store, StoreHooks } from './store.ts';

export type { ObjectChange } from './diff.ts';
export { LiveConfig } from './live-config.ts';
export * from './model.ts';
export * from './store.ts';
export type { ValidationError } from './validate.ts';

export interface OpenStoreOptions {
  /** The data directory (the SQLite file goes there). */
  data: string;
  /** `postgres://…` to use PostgreSQL instead. */
  database?: string;
  logger?: Pick<Logger, 'error' | 'warn' | 'info'>;
  /** Skip migrating (doctor: only look). */
  migrate?: boolean;
  hooks?: StoreHooks;
  /**
   * PostgreSQL only: how often to look for versions applied by another server sharing the database
   * (default 2000 ms; 0: never — call `refresh()`).
   */
  pollMs?: number;
}

/** The SQLite file's name inside the data directory. */
export const SQLITE_FILE = 'parley.db';

/** Opens, migrates and loads the store. Throws with a plain-words message when it cannot. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  let driver: SqlDriver;
  if (options.database) {
    if (!/^postgres(ql)?:\/\//.test(options.database))
      throw new Error(`--database: "${options.database}" is not a postgres:// URL`);
    driver = new PostgresDriver(options.database, (err) =>
      options.logger?.warn({ err }, 'database connection lost'),
    );
  } else {
    try {
      mkdirSync(options.data, { recursive: true });
      driver = new SqliteDriver(join(options.data, SQLITE_FILE));
    } catch (err) {
      throw new Error(`cannot open the store in ${options.data}: ${(err as Error).message}`);
    }
  }
  try {
    if (options.migrate !== false) await migrate(driver);
    const store = new SqlStore(driver, {
      hooks: options.hooks,
      onListenerError: (err) => options.logger?.error({ err }, 'an onApplied listener failed'),
    });
    await store.load();
    if (options.database && options.pollMs !== 0)
      store.watch(options.pollMs ?? 2000, (err) =>
        options.logger?.warn({ err }, 'cannot check for new versions'),
      );
    return store;
  } catch (err) {
    await driver.close().catch(() => {});
    const what = options.database ? 'the PostgreSQL database' : `the store in ${options.data}`;
    throw new Error(`cannot open ${what}: ${(err as Error).message}`);
  }
}

export interface StoreInspection {
  engine: 'sqlite' | 'postgres';
  /** False when the SQLite file does not exist yet (`serve` creates it). */
  exists: boolean;
  schemaVersion: number;
  latestSchemaVersion: number;
  liveVersion: number;
}

/** Looks at a store without creating or migrating anything (for `parley doctor`). Throws when unreachable. */
export async function inspectStore(options: { data: string; database?: string }): Promise<StoreInspection> {
  const engine = options.database ? 'postgres' : 'sqlite';
  if (!options.database && !existsSync(join(options.data, SQLITE_FILE)))
    return {
      engine,
      exists: false,
      schemaVersion: 0,
      latestSchemaVersion: LATEST_SCHEMA_VERSION,
      liveVersion: 0,
    };
  const driver: SqlDriver = options.database
    ? new PostgresDriver(options.database)
    : new SqliteDriver(join(options.data, SQLITE_FILE));
  try {
    const one = async (sql: string): Promise<number> => {
      try {
        return Number((await driver.all<{ v: number | null }>(sql))[0]?.v ?? 0);
      } catch (err) {
        // A missing table means an empty (unmigrated) database; anything else is a real failure.
        if (/no such table|does not exist/.test((err as Error).message)) return 0;
        throw err;
      }
    };
    const schemaVersion = await one('SELECT MAX(version) AS v FROM schema_migrations');
    const liveVersion = schemaVersion ? await one('SELECT MAX(version) AS v FROM versions') : 0;
    return { engine, exists: true, schemaVersion, latestSchemaVersion: LATEST_SCHEMA_VERSION, liveVersion };
  } finally {
    await driver.close().catch(() => {});
  }
}
