/**
 * The store's unstaged half over SQL: console accounts, sessions, API tokens, the audit log and call
 * records. Shared by both engines; `SqlStore` adds the staged configuration on top.
 */
import type { Account, ApiToken, AuditEntry, CallRecord, Permission } from './model.ts';
import { hashPassword, newId, randomSecret, sha256 } from './secrets.ts';
import type { Row, SqlDriver, SqlRunner } from './sql-driver.ts';
import {
  type AccountSecret,
  type Context,
  type NewAccount,
  type Page,
  type PageOptions,
  type SessionRecord,
  StoreError,
} from './store.ts';

/** A token's last use is written at most this often, so authenticated reads stay reads. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * Call records are written together, in one transaction, at most this long after the first of them (or as
 * soon as this many wait): one commit per call cost more than the rest of a short call's SIP handling.
 */
const RECORD_FLUSH_MS = 100;
const RECORD_BATCH = 256;
/** Rows per multi-row INSERT, in powers of two down from this, so only a few statements are prepared. */
const RECORD_ROWS = 64;

/** A call record waiting for its batch, and who waits for it to be written. */
interface PendingRecord {
  record: CallRecord;
  resolve(): void;
  reject(err: unknown): void;
}

export function pageBounds(page: PageOptions = {}): { offset: number; limit: number } {
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const limit = Math.max(1, Math.min(10_000, Math.floor(page.limit ?? 100)));
  return { offset, limit };
}

function permissionsOf(text: unknown): Permission[] {
  try {
    const v = JSON.parse(String(text));
    return Array.isArray(v) ? (v as Permission[]) : [];
  } catch {
    return [];
  }
}

function toAccount(r: Row): Account {
  const a: Account = {
    id: r.id as string,
    username: r.username as string,
    permissions: permissionsOf(r.permissions),
    createdAt: r.created_at as string,
  };
  if (r.user_id) a.userId = r.user_id as string;
  if (r.locked_until) a.lockedUntil = r.locked_until as string;
  return a;
}

function toToken(r: Row): ApiToken {
  const t: ApiToken = {
    id: r.id as string,
    name: r.name as string,
    permissions: permissionsOf(r.permissions),
    createdAt: r.created_at as string,
  };
  if (r.last_used_at) t.lastUsedAt = r.last_used_at as string;
  return t;
}

export function actorName(ctx: Context): string {
  return ctx.actor.kind === 'system' ? `system:${ctx.actor.name}` : `${ctx.actor.kind}:${ctx.actor.name}`;
}

/** Writes one audit entry with the runner given (inside the change's own transaction when there is one). */
export async function insertAudit(
  db: SqlRunner,
  ctx: Context,
  action: string,
  target: string | undefined,
  detail?: Record<string, unknown>,
  ok = true,
): Promise<void> {
  await db.run(
    'INSERT INTO audit_log (at, actor, action, target, ip, ok, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [
      new Date().toISOString(),
      actorName(ctx),
      action,
      target ?? null,
      ctx.ip ?? null,
      ok ? 1 : 0,
      detail ? JSON.stringify(detail) : null,
    ],
  );
}

export class SqlAccounts {
  protected readonly db: SqlDriver;
  #pendingRecords: PendingRecord[] = [];
  #recordTimer: NodeJS.Timeout | undefined;
  /** The batches written so far, in order: each waits for the one before. */
  #recordWrites: Promise<void> = Promise.resolve();

  constructor(db: SqlDriver) {
    this.db = db;
  }

  async createAccount(account: NewAccount, ctx: Context): Promise<Account> {
    const passwordHash = await hashPassword(account.password);
    const id = newId('a');
    const createdAt = new Date().toISOString();
    await this.db.tx(async (tx) => {
      const clash = await tx.all('SELECT id FROM accounts WHERE username = ?', [account.username]);
      if (clash.length)
        throw new StoreError('DUPLICATE', `The username "${account.username}" is already taken.`);
      await tx.run(
        'INSERT INTO accounts (id, username, password_hash, permissions, user_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [
          id,
          account.username,
          passwordHash,
          JSON.stringify(account.permissions),
          account.userId ?? null,
          createdAt,
        ],
      );
      await insertAudit(tx, ctx, 'account.create', id, {
        username: account.username,
        permissions: account.permissions,
      });
    });
    return (await this.getAccount(id))!;
  }

  async updateAccount(
    id: string,
    patch: { username?: string; password?: string; permissions?: Permission[] },
    ctx: Context,
  ): Promise<Account> {
    const passwordHash = patch.password !== undefined ? await hashPassword(patch.password) : undefined;
    await this.db.tx(async (tx) => {
      const rows = await tx.all('SELECT id FROM accounts WHERE id = ?', [id]);
      if (!rows.length) throw new StoreError('NOT_FOUND', 'No such account.');
      if (patch.username !== undefined) {
        const clash = await tx.all('SELECT id FROM accounts WHERE username = ? AND id <> ?', [
          patch.username,
          id,
        ]);
        if (clash.length)
          throw new StoreError('DUPLICATE', `The username "${patch.username}" is already taken.`);
        await tx.run('UPDATE accounts SET username = ? WHERE id = ?', [patch.username, id]);
      }
      if (passwordHash !== undefined)
        await tx.run(
          'UPDATE accounts SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?',
          [passwordHash, id],
        );
      if (patch.permissions !== undefined)
        await tx.run('UPDATE accounts SET permissions = ? WHERE id = ?', [
          JSON.stringify(patch.permissions),
          id,
        ]);
      const fields = Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined);
      await insertAudit(tx, ctx, 'account.update', id, { fields, permissions: patch.permissions });
    });
    return (await this.getAccount(id))!;
  }

  async deleteAccount(id: string, ctx: Context): Promise<void> {
    await this.db.tx(async (tx) => {
      const n = await tx.run('DELETE FROM accounts WHERE id = ?', [id]);
      if (!n) throw new StoreError('NOT_FOUND', 'No such account.');
      await tx.run('DELETE FROM sessions WHERE account_id = ?', [id]);
      await insertAudit(tx, ctx, 'account.delete', id);
    });
  }

  async listAccounts(): Promise<Account[]> {
    return (await this.db.all('SELECT * FROM accounts ORDER BY username')).map(toAccount);
  }

  async getAccount(id: string): Promise<Account | undefined> {
    const rows = await this.db.all('SELECT * FROM accounts WHERE id = ?', [id]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async accountForUser(userId: string): Promise<Account | undefined> {
    const rows = await this.db.all('SELECT * FROM accounts WHERE user_id = ?', [userId]);
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  async findAccountByUsername(username: string): Promise<AccountSecret | undefined> {
    const rows = await this.db.all('SELECT * FROM accounts WHERE username = ?', [username]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      ...toAccount(r),
      passwordHash: r.password_hash as string,
      failedLogins: Number(r.failed_logins),
    };
  }

  async setLoginState(id: string, state: { failedLogins: number; lockedUntil?: string }): Promise<void> {
    await this.db.run('UPDATE accounts SET failed_logins = ?, locked_until = ? WHERE id = ?', [
      state.failedLogins,
      state.lockedUntil ?? null,
      id,
    ]);
  }

  async createSession(
    accountId: string,
    ttlMs: number,
  ): Promise<{ token: string; csrfToken: string; expiresAt: string }> {
    const token = randomSecret();
    const csrfToken = randomSecret();
    const now = Date.now();
    const expiresAt = new Date(now + ttlMs).toISOString();
    await this.db.run('DELETE FROM sessions WHERE expires_at < ?', [new Date(now).toISOString()]);
    await this.db.run(
      'INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      [sha256(token), accountId, csrfToken, new Date(now).toISOString(), expiresAt],
    );
    return { token, csrfToken, expiresAt };
  }

  async findSession(token: string): Promise<SessionRecord | undefined> {
    const rows = await this.db.all(
      'SELECT s.csrf_token, s.expires_at, a.* FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token_hash = ?',
      [sha256(token)],
    );
    const r = rows[0];
    if (!r || (r.expires_at as string) < new Date().toISOString()) return undefined;
    return { account: toAccount(r), csrfToken: r.csrf_token as string, expiresAt: r.expires_at as string };
  }

  async deleteSession(token: string): Promise<void> {
    await this.db.run('DELETE FROM sessions WHERE token_hash = ?', [sha256(token)]);
  }

  async createToken(
    name: string,
    permissions: Permission[],
    ctx: Context,
  ): Promise<{ token: string; info: ApiToken }> {
    const token = `parley_${randomSecret()}`;
    const id = newId('k');
    await this.db.tx(async (tx) => {
      await tx.run(
        'INSERT INTO api_tokens (id, name, token_hash, permissions, created_at) VALUES (?, ?, ?, ?, ?)',
        [id, name, sha256(token), JSON.stringify(permissions), new Date().toISOString()],
      );
      await insertAudit(tx, ctx, 'token.create', id, { name, permissions });
    });
    const rows = await this.db.all('SELECT * FROM api_tokens WHERE id = ?', [id]);
    return { token, info: toToken(rows[0]!) };
  }

  async listTokens(): Promise<ApiToken[]> {
    return (await this.db.all('SELECT * FROM api_tokens ORDER BY created_at, id')).map(toToken);
  }

  async deleteToken(id: string, ctx: Context): Promise<void> {
    await this.db.tx(async (tx) => {
      const n = await tx.run('DELETE FROM api_tokens WHERE id = ?', [id]);
      if (!n) throw new StoreError('NOT_FOUND', 'No such token.');
      await insertAudit(tx, ctx, 'token.delete', id);
    });
  }

  async findToken(secret: string): Promise<ApiToken | undefined> {
    const rows = await this.db.all('SELECT * FROM api_tokens WHERE token_hash = ?', [sha256(secret)]);
    const r = rows[0];
    if (!r) return undefined;
    const now = Date.now();
    const last = r.last_used_at ? Date.parse(r.last_used_at as string) : 0;
    if (now - last > LAST_USED_RESOLUTION_MS) {
      r.last_used_at = new Date(now).toISOString();
      await this.db.run('UPDATE api_tokens SET last_used_at = ? WHERE id = ?', [r.last_used_at, r.id]);
    }
    return toToken(r);
  }

  async audit(entry: Omit<AuditEntry, 'id' | 'at'> & { at?: string }): Promise<void> {
    await this.db.run(
      'INSERT INTO audit_log (at, actor, action, target, ip, ok, detail) VALUES (?, ?, ?, ?, ?, ?, ?)',
      [
        entry.at ?? new Date().toISOString(),
        entry.actor,
        entry.action,
        entry.target ?? null,
        entry.ip ?? null,
        entry.ok ? 1 : 0,
        entry.detail ? JSON.stringify(entry.detail) : null,
      ],
    );
  }

  async listAudit(page?: PageOptions): Promise<Page<AuditEntry>> {
    const { offset, limit } = pageBounds(page);
    const rows = await this.db.all('SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?', [
      limit,
      offset,
    ]);
    const total = Number((await this.db.all('SELECT COUNT(*) AS n FROM audit_log'))[0]?.n ?? 0);
    const items = rows.map((r) => {
      const e: AuditEntry = {
        id: Number(r.id),
        at: r.at as string,
        actor: r.actor as string,
        action: r.action as string,
        ok: Number(r.ok) === 1,
      };
      if (r.target) e.target = r.target as string;
      if (r.ip) e.ip = r.ip as string;
      if (r.detail) e.detail = JSON.parse(r.detail as string);
      return e;
    });
    return { items, total, offset, limit };
  }

  async getState<T = unknown>(key: string): Promise<T | undefined> {
    const rows = await this.db.all('SELECT value FROM runtime_state WHERE key = ?', [key]);
    return rows[0] ? (JSON.parse(rows[0].value as string) as T) : undefined;
  }

  async setState(key: string, value: unknown): Promise<void> {
    await this.db.run(
      'INSERT INTO runtime_state (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
      [key, JSON.stringify(value), new Date().toISOString()],
    );
  }

  /**
   * Keeps a call record; resolves once it is written, which happens with others in one transaction within
   * `RECORD_FLUSH_MS` (see `flushCallRecords`). Rejects when this record could not be written.
   */
  addCallRecord(record: CallRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pendingRecords.push({ record, resolve, reject });
      if (this.#pendingRecords.length >= RECORD_BATCH) void this.flushCallRecords();
      else this.#recordTimer ??= setTimeout(() => void this.flushCallRecords(), RECORD_FLUSH_MS);
    });
  }

  /**
   * Writes the call records waiting for their batch now; resolves when they (and earlier batches) are
   * written or failed (each failure goes to its `addCallRecord`). Never rejects. Call before closing.
   */
  flushCallRecords(): Promise<void> {
    if (this.#recordTimer) clearTimeout(this.#recordTimer);
    this.#recordTimer = undefined;
    const batch = this.#pendingRecords;
    if (batch.length > 0) {
      this.#pendingRecords = [];
      this.#recordWrites = this.#recordWrites.then(() => this.#writeRecords(batch));
    }
    return this.#recordWrites;
  }

  async #writeRecords(batch: PendingRecord[]): Promise<void> {
    try {
      await this.db.tx(async (tx) => {
        for (let i = 0; i < batch.length; ) {
          let rows = RECORD_ROWS;
          while (rows > batch.length - i) rows >>= 1;
          const params: unknown[] = [];
          for (const { record } of batch.slice(i, i + rows))
            params.push(record.id, record.startedAt, JSON.stringify(record));
          await tx.run(
            `INSERT INTO call_records (id, started_at, data) VALUES ${Array(rows).fill('(?, ?, ?)').join(', ')}`,
            params,
          );
          i += rows;
        }
      });
    } catch {
      // One bad record (a Call-ID seen twice) fails the whole transaction: write them one at a time, so
      // only that one is lost and reported.
      for (const p of batch) {
        try {
          await this.db.run('INSERT INTO call_records (id, started_at, data) VALUES (?, ?, ?)', [
            p.record.id,
            p.record.startedAt,
            JSON.stringify(p.record),
          ]);
          p.resolve();
        } catch (err) {
          p.reject(err);
        }
      }
      return;
    }
    for (const p of batch) p.resolve();
  }

  async listCallRecords(page?: PageOptions): Promise<Page<CallRecord>> {
    // Records still waiting for their batch are part of the list.
    await this.flushCallRecords();
    const { offset, limit } = pageBounds(page);
    const rows = await this.db.all(
      'SELECT data FROM call_records ORDER BY started_at DESC, id LIMIT ? OFFSET ?',
      [limit, offset],
    );
    const total = Number((await this.db.all('SELECT COUNT(*) AS n FROM call_records'))[0]?.n ?? 0);
    return { items: rows.map((r) => JSON.parse(r.data as string) as CallRecord), total, offset, limit };
  }
}
