/**
 * Test support: an API over a fresh SQLite store in a temporary directory, with helpers to make tokens
 * of given permissions. Used by the API tests here and in test/interop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openStore } from '../store/index.ts';
import type { Permission } from '../store/model.ts';
import type { Store } from '../store/store.ts';
import { type ApiOptions, buildApi } from './build-api.ts';

export interface ApiFixture {
  app: FastifyInstance;
  store: Store;
  dir: string;
  /** The data directory (empty when the store was given). */
  /** A bearer token with these permissions, as an Authorization header. */
  bearer(permissions: Permission[]): Promise<{ authorization: string }>;
  close(): Promise<void>;
}

export const SYSTEM = {
  actor: { kind: 'system' as const, name: 'test', permissions: ['admin' as Permission] },
};

export async function apiFixture(options: Partial<ApiOptions> = {}): Promise<ApiFixture> {
  const own = !options.store;
  const dir = own ? await mkdtemp(join(tmpdir(), 'parley-api-')) : '';
  const store = options.store ?? (await openStore({ data: dir }));
  const app = buildApi({ staticDir: false, ...options, store });
  let closed = false;
  return {
    app,
    store,
    dir,
    async bearer(permissions) {
      const { token } = await store.createToken(
        `test-${permissions.join('+') || 'none'}`,
        permissions,
        SYSTEM,
      );
      return { authorization: `Bearer ${token}` };
    },
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      if (!own) return;
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
