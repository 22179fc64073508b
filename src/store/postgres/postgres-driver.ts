/**
 * The PostgreSQL engine through `pg`: a connection pool; write transactions serialised by a
 * transaction-scoped advisory lock, the same guarantee SQLite's `BEGIN IMMEDIATE` gives.
 */
import pg from 'pg';
import type { Row, SqlDriver, SqlRunner } from '../sql-driver.ts';

/** An arbitrary constant naming Parley's write lock among the database's advisory locks. */
const WRITE_LOCK = 0x5041524c; // "PARL"

const numbered = new Map<string, string>();
/** `?` → `$1, $2…` (Parley's SQL has no `?` inside literals). */
function toPg(sql: string): string {
  let out = numbered.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    numbered.set(sql, out);
  }
  return out;
}

function bind(params: unknown[]): unknown[] {
  return params.map((p) => (p === undefined ? null : p));
}

function runner(client: pg.Pool | pg.PoolClient): SqlRunner {
  return {
    all: async <T extends Row>(sql: string, params: unknown[] = []) =>
      (await client.query(toPg(sql), bind(params))).rows as T[],
    run: async (sql: string, params: unknown[] = []) =>
      (await client.query(toPg(sql), bind(params))).rowCount ?? 0,
  };
}

export class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly direct: SqlRunner;
  private closed = false;

  constructor(url: string, onError: (err: Error) => void = () => {}) {
    // A server that does not answer must not hang start-up or `parley doctor`.
    this.pool = new pg.Pool({ connectionString: url, max: 8, connectionTimeoutMillis: 10_000 });
    // An idle connection dropped by the server must not crash the process; the next query reconnects.
    this.pool.on('error', onError);
    this.direct = runner(this.pool);
  }

  all<T extends Row = Row>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.direct.all<T>(sql, params);
  }

  run(sql: string, params: unknown[] = []): Promise<number> {
    return this.direct.run(sql, params);
  }

  async tx<T>(fn: (db: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [WRITE_LOCK]);
      const result = await fn(runner(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackErr) {
        broken = rollbackErr as Error;
      }
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}
