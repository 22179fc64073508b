import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../index.ts';
import { storeContract } from '../store.case.test.ts';

storeContract('SQLite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'parley-store-'));
  return {
    open: () => openStore({ data: dir }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
