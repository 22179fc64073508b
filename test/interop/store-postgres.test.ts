/** The store contract suite on a real PostgreSQL server (Debian's package, started for this test). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { storeContract } from '../../src/store/store.case.test.ts';
import { freshDatabase, type PostgresServer, postgresBin, startPostgres } from '../helpers/postgres.ts';

if (!postgresBin()) {
  describe('store contract on PostgreSQL', () => {
    it('needs the postgresql package', (t) =>
      t.skip('PostgreSQL is not installed (apt-get install postgresql)'));
  });
} else {
  let server: PostgresServer;
  before(async () => {
    server = await startPostgres();
  });
  after(async () => {
    await server?.stop();
  });
  storeContract('PostgreSQL', async () => ({
    open: () => openStore({ data: '', database: server.url }),
    cleanup: async () => {},
  }));

  describe('two servers sharing one PostgreSQL database', () => {
    it('the second sees the Apply of the first (by polling, and on refresh)', async () => {
      const url = await freshDatabase(server, 'shared');
      const ctx = { actor: { kind: 'system' as const, name: 'a', permissions: ['admin' as const] } };
      const a = await openStore({ data: '', database: url, pollMs: 0 });
      const b = await openStore({ data: '', database: url, pollMs: 50 });
      try {
        const heard = new Promise<number>((resolve) => b.onApplied((v) => resolve(v)));
        await a.create('users', { name: 'Alice', extension: '101', sipPassword: 'alice-pw' }, ctx);
        assert.equal((await a.apply(ctx)).version, 1);
        assert.equal(await heard, 1);
        assert.equal(b.live.findUser('101')?.name, 'Alice');
        await a.create('users', { name: 'Bob', extension: '102', sipPassword: 'bob-pw-1' }, ctx);
        await b.apply(ctx);
        assert.equal((await a.refresh()).findUser('102')?.name, 'Bob');
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
}
