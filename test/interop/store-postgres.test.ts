/** The store contract suite on a real PostgreSQL server (Debian's package, started for this test). */
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/store/index.ts';
import { storeContract } from '../../src/store/store.case.test.ts';
import { type PostgresServer, postgresBin, startPostgres } from '../helpers/postgres.ts';

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
}
