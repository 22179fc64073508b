import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion } from './migrations.ts';
import { SqliteDriver } from './sqlite/sqlite-driver.ts';

it('migrates an older database step by step, data included, and refuses a newer one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-migrate-'));
  const db = new SqliteDriver(join(dir, 'test.db'));
  try {
    assert.equal(await migrate(db, MIGRATIONS.slice(0, 1)), 1);
    await db.run(
      "INSERT INTO draft (kind, id, sort_key, revision, data) VALUES ('users', 'u_1', '101', 1, ?)",
      [JSON.stringify({ name: 'Alice Liddell', extension: '101', sipPassword: 'secret' })],
    );
    await db.run(
      "INSERT INTO versions (version, applied_at, applied_by, summary, config) VALUES (1, '', 'test', '', ?)",
      [
        JSON.stringify({
          users: [{ id: 'u_1', revision: 1, name: 'Alice', extension: '101', sipPassword: 'secret' }],
          conferences: [],
          incomingNumbers: [],
          trunks: [],
        }),
      ],
    );
    assert.equal(await migrate(db), LATEST_SCHEMA_VERSION);
    assert.equal(await schemaVersion(db), LATEST_SCHEMA_VERSION);
    const rows = await db.all<{ search: string }>('SELECT search FROM draft');
    assert.deepEqual(
      rows.map((r) => r.search),
      ['alice liddell 101'],
    );
    // Migration 5: users from before the call-out permission keep calling out.
    const [user] = await db.all<{ data: string }>("SELECT data FROM draft WHERE kind = 'users'");
    assert.equal(JSON.parse(user!.data).canCallOut, true);
    const [version] = await db.all<{ config: string }>('SELECT config FROM versions');
    assert.equal(JSON.parse(version!.config).users[0].canCallOut, true);
    assert.equal(await migrate(db), LATEST_SCHEMA_VERSION, 'nothing left to do');
    await db.run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '')");
    await assert.rejects(migrate(db), /schema is version 99, newer than this program/);
  } finally {
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
});
