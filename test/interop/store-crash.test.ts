/**
 * Apply is atomic against a crash: a child process serving the API is SIGKILLed while its Apply is inside
 * the transaction (a store hook pauses there and says so); on reopening, the previous version is live and
 * the draft is intact, on SQLite and on a real PostgreSQL. This file is also the child's program.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { buildApi } from '../../src/api/build-api.ts';
import { openStore } from '../../src/store/index.ts';
import type { Context, Store } from '../../src/store/store.ts';
import { type PostgresServer, postgresBin, startPostgres } from '../helpers/postgres.ts';

const ctx: Context = { actor: { kind: 'system', name: 'crash-test', permissions: ['admin'] } };

async function child(): Promise<void> {
  const store = await openStore({
    data: process.env.CRASH_DATA!,
    database: process.env.CRASH_DATABASE || undefined,
    hooks: {
      beforeApplyCommit: async () => {
        process.stdout.write('PAUSED\n');
        await new Promise(() => {}); // held here, inside the transaction, until killed
      },
    },
  });
  const app = buildApi({ store, staticDir: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`LISTENING ${url}\n`);
}

async function crashDuringApply(open: () => Promise<Store>, env: Record<string, string>): Promise<void> {
  let store = await open();
  await store.create('users', { name: 'Alice', extension: '101', sipPassword: 'alice-pw' }, ctx);
  await store.create('conferences', { name: 'Room', extension: '800', waitForAdmin: false }, ctx);
  assert.equal((await store.apply(ctx)).version, 1);
  await store.create('users', { name: 'Bob', extension: '102', sipPassword: 'bob-pw-1' }, ctx);
  const room = (await store.list('conferences')).items[0]!;
  await store.update('conferences', room.id, { accessCode: '4321' }, ctx);
  const { token } = await store.createToken('crash', ['admin'], ctx);
  const draftBefore = await store.draft();
  await store.close();

  const childEnv: Record<string, string | undefined> = { ...process.env, ...env, PARLEY_CRASH_CHILD: '1' };
  delete childEnv.NODE_TEST_CONTEXT;
  const proc = spawn(process.execPath, [import.meta.filename], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.once('exit', (_code, signal) => resolve(signal)),
  );
  try {
    const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
    const first = (await lines.next()).value as string;
    assert.match(first, /^LISTENING /);
    const url = first.slice('LISTENING '.length);
    const applying = fetch(`${url}/api/apply`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    }).then(
      (r) => `answered ${r.status}`,
      () => 'connection lost',
    );
    assert.equal((await lines.next()).value, 'PAUSED');
    proc.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(await applying, 'connection lost');
  } finally {
    proc.kill('SIGKILL');
  }

  store = await open();
  try {
    assert.equal(store.live.version, 1, 'the previous version is live');
    assert.equal(store.live.findUser('102'), undefined);
    assert.equal(store.live.findConference('800')?.accessCode, undefined);
    assert.equal((await store.versions()).total, 1);
    assert.deepEqual(await store.draft(), draftBefore, 'the draft is intact');
    assert.equal((await store.apply(ctx)).version, 2, 'and it applies normally afterwards');
    assert.equal(store.live.findUser('102')?.name, 'Bob');
  } finally {
    await store.close();
  }
}

if (process.env.PARLEY_CRASH_CHILD) {
  await child();
} else {
  describe('SIGKILL in the middle of an Apply', () => {
    it('on SQLite: the previous version stays live, the draft intact', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
      try {
        await crashDuringApply(() => openStore({ data: dir }), { CRASH_DATA: dir });
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    describe('on PostgreSQL', () => {
      let server: PostgresServer | undefined;
      before(async () => {
        if (postgresBin()) server = await startPostgres();
      });
      after(async () => {
        await server?.stop();
      });
      it('the previous version stays live, the draft intact', async (t) => {
        if (!server) return t.skip('PostgreSQL is not installed (apt-get install postgresql)');
        const url = server.url;
        await crashDuringApply(() => openStore({ data: '', database: url }), {
          CRASH_DATA: '',
          CRASH_DATABASE: url,
        });
      });
    });
  });
}
