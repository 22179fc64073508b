/**
 * What the shared SQL store needs from a database engine. SQL is written once with `?` placeholders;
 * the PostgreSQL driver numbers them. Each engine's driver lives in its own folder and is the only code
 * that imports its database library.
 */
export type Row = Record<string, unknown>;

export interface SqlRunner {
  all<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
}

export interface SqlDriver extends SqlRunner {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Runs `fn` in a write transaction. Write transactions are serialised (SQLite `BEGIN IMMEDIATE`,
   * PostgreSQL a transaction-scoped advisory lock), so read-check-write inside one is safe.
   */
  tx<T>(fn: (db: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs a script of several statements (migrations). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}
