/**
 * The store's public surface: `openStore` picks the engine (PostgreSQL for a `postgres://` URL, else the
 * embedded SQLite file `parley.db` in the data directory), migrates it and loads the live version.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log.ts';
import { migrate } from './migrations.ts';
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
    return store;
  } catch (err) {
    await driver.close().catch(() => {});
    const what = options.database ? 'the PostgreSQL database' : `the store in ${options.data}`;
    throw new Error(`cannot open ${what}: ${(err as Error).message}`);
  }
}
