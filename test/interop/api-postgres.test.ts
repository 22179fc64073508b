/** The API on the PostgreSQL engine, over real HTTP: stage, refuse an invalid Apply, apply, log in. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ApiFixture, apiFixture, SYSTEM } from '../../src/api/testing.ts';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/store.ts';
import { type PostgresServer, postgresBin, startPostgres } from '../helpers/postgres.ts';

describe('API on PostgreSQL', () => {
  let server: PostgresServer | undefined;
  let store: Store;
  let fx: ApiFixture;
  let base: string;
  let auth: Record<string, string>;
  before(async () => {
    if (!postgresBin()) return;
    server = await startPostgres();
    store = await openStore({ data: '', database: server.url });
    fx = await apiFixture({ store });
    auth = await fx.bearer(['admin']);
    base = await fx.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await fx?.close();
    await store?.close();
    await server?.stop();
  });

  it('stages, refuses an invalid draft as a whole, applies a valid one', async (t) => {
    if (!server) return t.skip('PostgreSQL is not installed (apt-get install postgresql)');
    const post = (path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: body ? JSON.stringify(body) : undefined,
      });
    assert.equal(
      (await post('/api/users', { name: 'Alice', extension: '101', sipPassword: 'alice-pw' })).status,
      201,
    );
    const room = await post('/api/conferences', { name: 'Room', extension: '101' });
    assert.equal(room.status, 201);
    const refused = await post('/api/apply');
    assert.equal(refused.status, 422);
    const body = (await refused.json()) as { errors: Array<{ path: string; message: string }> };
    assert.equal(body.errors.length, 2);
    assert.equal(store.live.version, 0);
    const { id } = (await room.json()) as { id: string };
    const fix = await fetch(`${base}/api/conferences/${id}`, {
      method: 'PATCH',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ extension: '800' }),
    });
    assert.equal(fix.status, 200);
    const applied = await post('/api/apply');
    assert.deepEqual(await applied.json(), { version: 1, unchanged: false });
    assert.equal(store.live.findConference('800')?.name, 'Room');
  });

  it('logs in against an argon2id hash stored in PostgreSQL', async (t) => {
    if (!server) return t.skip('PostgreSQL is not installed (apt-get install postgresql)');
    await store.createAccount(
      { username: 'root', password: 'root-password', permissions: ['admin'] },
      SYSTEM,
    );
    const r = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'root-password' }),
    });
    assert.equal(r.status, 200);
    assert.match((await store.findAccountByUsername('root'))!.passwordHash, /^\$argon2id\$/);
  });
});
