/** `parley admin` and `parley token` as a user runs them: the real command in a child process. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { openStore } from '../store/index.ts';
import { verifyPassword } from '../store/secrets.ts';

const MAIN = join(import.meta.dirname, 'main.ts');

async function parley(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args], {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('parley admin / parley token', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-cli-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates an admin account with every permission, argon2id-hashed', async () => {
    const r = await parley([
      'admin',
      'create',
      '--username',
      'root',
      '--password',
      'root-password',
      '--data',
      dir,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /created console account "root"/);
    assert.equal(r.stderr, '');
    const again = await parley(['admin', 'create', '--username', 'root', '--password', 'other-password'], {
      PARLEY_DATA: dir,
    });
    assert.equal(again.code, 1);
    assert.equal(again.stderr, 'parley admin: The username "root" is already taken.\n');
    const reset = await parley([
      'admin',
      'password',
      '--username',
      'root',
      '--password',
      'new-password',
      '--data',
      dir,
    ]);
    assert.equal(reset.code, 0, reset.stderr);
    const store = await openStore({ data: dir });
    try {
      const account = await store.findAccountByUsername('root');
      assert.deepEqual(account?.permissions, ['conferences', 'participants', 'apply', 'admin']);
      assert.match(account!.passwordHash, /^\$argon2id\$/);
      assert.equal(await verifyPassword(account!.passwordHash, 'new-password'), true);
    } finally {
      await store.close();
    }
  });

  it('refuses bad usage with one plain line and exit code 2', async () => {
    const short = await parley(['admin', 'create', '--username', 'x', '--password', 'short', '--data', dir]);
    assert.equal(short.code, 2);
    assert.equal(short.stderr, 'parley admin: the password needs at least 8 characters\n');
    const unknown = await parley(['token', 'create', '--name', 'x', '--bogus', '1']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^parley token: unknown option "--bogus"/);
    const help = await parley(['token', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: parley token create/);
  });

  it('prints a working token alone on its last line', async () => {
    const r = await parley(['token', 'create', '--name', 'backup', '--data', dir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const token = lines[lines.length - 1]!;
    assert.match(token, /^parley_[A-Za-z0-9_-]{43}$/);
    const store = await openStore({ data: dir });
    try {
      const found = await store.findToken(token);
      assert.equal(found?.name, 'backup');
      assert.deepEqual(found?.permissions, ['admin']);
    } finally {
      await store.close();
    }
    const list = await parley(['token', 'list', '--data', dir]);
    assert.match(list.stdout, /backup {2}\[admin\]/);
    assert.equal(list.stdout.includes(token), false);
    const id = /^(k_\S+)/m.exec(list.stdout)![1]!;
    assert.equal((await parley(['token', 'revoke', '--id', id, '--data', dir])).code, 0);
    assert.match((await parley(['token', 'list', '--data', dir])).stdout, /no API tokens/);
  });

  it('says plainly when the store cannot be reached', async () => {
    const r = await parley(['token', 'create', '--name', 'x', '--database', 'mysql://nope']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'parley token: --database: "mysql://nope" is not a postgres:// URL\n');
  });
});
