/**
 * `npm run bench -- store`: Apply of a configuration with 10,000 users and 1,000 conferences on SQLite
 * (and PostgreSQL when its package is installed), then `GET /api/users` over real HTTP on loopback:
 * requests per second and latency percentiles under a bounded in-process load loop.
 * Last line: one JSON object with every figure.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi } from '../src/api/build-api.ts';
import { openStore } from '../src/store/index.ts';
import { type Configuration, emptyConfiguration } from '../src/store/model.ts';
import type { Context, Store } from '../src/store/store.ts';
import { postgresBin, startPostgres } from '../test/helpers/postgres.ts';

const USERS = 10_000;
const CONFERENCES = 1_000;
const LOAD_SECONDS = 3;
const CONCURRENCY = 16;
const ctx: Context = { actor: { kind: 'system', name: 'bench', permissions: ['admin'] } };

function bigConfiguration(): Configuration {
  const c = emptyConfiguration();
  for (let i = 0; i < USERS; i++)
    c.users.push({
      id: '',
      revision: 0,
      name: `User ${i}`,
      extension: String(10_000 + i),
      sipPassword: `secret-${i}-pw`,
    });
  for (let i = 0; i < CONFERENCES; i++)
    c.conferences.push({
      id: '',
      revision: 0,
      name: `Room ${i}`,
      extension: String(50_000 + i),
      accessCode: String(1000 + i),
      adminExtension: String(10_000 + i),
      waitForAdmin: i % 2 === 0,
    });
  return c;
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}

async function applyFigures(store: Store) {
  const [, importMs] = await time(() => store.replaceDraft(bigConfiguration(), ctx));
  const [first, applyMs] = await time(() => store.apply(ctx));
  const one = (await store.list('users', { limit: 1 })).items[0]!;
  await store.update('users', one.id, { name: 'Renamed' }, ctx);
  const [, reapplyMs] = await time(() => store.apply(ctx));
  if (first.unchanged || store.live.usersByExtension.size !== USERS) throw new Error('apply did not publish');
  return {
    importMs: Math.round(importMs),
    applyMs: Math.round(applyMs),
    reapplyOneChangeMs: Math.round(reapplyMs),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function httpLoad(store: Store) {
  const app = buildApi({ store, staticDir: false });
  const { token } = await store.createToken('bench', ['admin'], ctx);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as { port: number };
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/api/users?limit=100',
          agent,
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end();
    });
  const latencies: number[] = [];
  for (let i = 0; i < 50; i++) await get(); // warm-up
  const deadline = performance.now() + LOAD_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await get();
        latencies.push(performance.now() - t);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  await app.close();
  latencies.sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    requests: latencies.length,
    concurrency: CONCURRENCY,
    rps: Math.round(latencies.length / elapsed),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    pageSize: 100,
  };
}

export default async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-store-'));
  const result: Record<string, unknown> = { bench: 'store', users: USERS, conferences: CONFERENCES };
  try {
    const store = await openStore({ data: dir });
    const sqlite = await applyFigures(store);
    result.sqlite = sqlite;
    console.log(
      `SQLite: import ${USERS} users + ${CONFERENCES} rooms into the draft ${sqlite.importMs} ms, Apply ${sqlite.applyMs} ms (target ≤ 2000), Apply after one change ${sqlite.reapplyOneChangeMs} ms`,
    );
    const http = await httpLoad(store);
    result.http = http;
    console.log(
      `GET /api/users (100 per page, ${USERS} users, bearer token) over loopback HTTP, ${CONCURRENCY} in flight for ${LOAD_SECONDS} s, client in the same process: ${http.rps} req/s, p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms`,
    );
    await store.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (postgresBin()) {
    const server = await startPostgres();
    try {
      const store = await openStore({ data: '', database: server.url });
      const pg = await applyFigures(store);
      result.postgres = pg;
      console.log(
        `PostgreSQL (local, fsync off): import ${pg.importMs} ms, Apply ${pg.applyMs} ms, Apply after one change ${pg.reapplyOneChangeMs} ms`,
      );
      await store.close();
    } finally {
      await server.stop();
    }
  } else console.log('PostgreSQL: not installed, skipped');
  console.log(JSON.stringify(result));
}
