/**
 * The embedded engine: Node's built-in SQLite in write-ahead-log mode, one file in the data directory.
 * node:sqlite is synchronous, so one async mutex keeps a transaction that awaits (the Apply hook) from
 * interleaving with other statements on the same connection.
 */
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { Row, SqlDriver, SqlRunner } from '../sql-driver.ts';

/**
 * Loads node:sqlite without its "experimental" warning: the CLI's output is for people, and the module is
 * what the project's pinned Node provides, not a choice the user can act on.
 */
function loadSqlite(): typeof import('node:sqlite') {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (/SQLite is an experimental feature/.test(String(warning))) return;
    (original as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return process.getBuiltinModule('node:sqlite');
  } finally {
    process.emitWarning = original;
  }
}

type SqlValue = null | number | bigint | string | Uint8Array;

function bind(params: unknown[]): SqlValue[] {
  return params.map((p) => {
    if (p === undefined || p === null) return null;
    if (typeof p === 'boolean') return p ? 1 : 0;
    return p as SqlValue;
  });
}

export class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private queue: Promise<void> = Promise.resolve();
  private inTx = false;
  private closed = false;
  private readonly direct: SqlRunner;

  constructor(path: string) {
    this.path = path;
    this.db = new (loadSqlite().DatabaseSync)(path);
    // WAL: readers never block the writer, and a commit is one append (https://sqlite.org/wal.html).
    // synchronous=NORMAL in WAL mode survives a process crash; only a power loss can drop the last commits.
    this.db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;');
    this.direct = {
      all: async <T extends Row>(sql: string, params: unknown[] = []) =>
        this.prepare(sql).all(...bind(params)) as T[],
      run: async (sql: string, params: unknown[] = []) =>
        Number(this.prepare(sql).run(...bind(params)).changes),
    };
  }

  private prepare(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  private async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise((r) => {
      release = r;
    });
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }

  async all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.inTx) return this.direct.all<T>(sql, params);
    return this.exclusive(() => this.direct.all<T>(sql, params));
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    if (!this.inTx) return this.direct.run(sql, params);
    return this.exclusive(() => this.direct.run(sql, params));
  }

  tx<T>(fn: (db: SqlRunner) => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      this.inTx = true;
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
        throw err;
      } finally {
        this.inTx = false;
      }
    });
  }

  async exec(sql: string): Promise<void> {
    await this.exclusive(async () => this.db.exec(sql));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.exclusive(async () => {
      this.statements.clear();
      this.db.close();
    });
  }
}
