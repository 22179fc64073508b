/**
 * The commands together, as an administrator uses them: `parley admin create` and `parley token create`
 * against the data directory of a running `parley serve` (two processes on one SQLite store), the token
 * and the console login working over HTTP at once, and `parley doctor` naming the ports serve holds.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

async function parley(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, ...args]);
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('parley admin, token and doctor beside a running parley serve', () => {
  let serve: ParleyProcess;
  let dir: string;
  let base: string;
  let flags: string[];
  before(async () => {
    serve = await startParley();
    dir = serve.dataDir;
    flags = [
      '--data',
      dir,
      '--http',
      `127.0.0.1:${serve.httpPort}`,
      '--sip',
      `127.0.0.1:${serve.sipPort}`,
      '--domain',
      serve.domain,
    ];
    base = `http://127.0.0.1:${serve.httpPort}`;
  });
  after(async () => {
    await serve?.stop();
  });

  it('a token made by the CLI works on the running server at once', async () => {
    const made = await parley(['token', 'create', '--name', 'script', '--data', dir]);
    assert.equal(made.code, 0, made.stderr);
    const token = made.stdout.trimEnd().split('\n').pop()!;
    const r = await fetch(`${base}/api/users`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(r.status, 200);
    assert.deepEqual(((await r.json()) as { items: unknown[] }).items, []);
  });

  it('an admin made by the CLI logs in to the running console', async () => {
    const made = await parley([
      'admin',
      'create',
      '--username',
      'root',
      '--password',
      'root-password',
      '--data',
      dir,
    ]);
    assert.equal(made.code, 0, made.stderr);
    const r = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'root', password: 'root-password' }),
    });
    assert.equal(r.status, 200);
    const me = (await r.json()) as { permissions: string[] };
    assert.deepEqual(me.permissions, ['conferences', 'participants', 'apply', 'admin']);
  });

  it('doctor names the ports serve holds and still reads the store', async () => {
    const r = await parley(['doctor', ...flags]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /FAIL {2}HTTP port \d+ on 127\.0\.0\.1 is already in use/);
    assert.match(r.stdout, /FAIL {2}SIP UDP port \d+ on 127\.0\.0\.1 is already in use/);
    assert.match(r.stdout, /OK {4}the store in .* is reachable, schema up to date/);
  });
});
