/**
 * The commands together, as an administrator uses them: `parley admin create` and `parley token create`
 * against the data directory of a running `parley serve` (two processes on one SQLite store), the token
 * and the console login working over HTTP at once, and `parley doctor` naming the ports serve holds.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
  let dir: string;
  let serve: ChildProcess;
  let base: string;
  let flags: string[];
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-serve-cli-'));
    const http = await freePort();
    const sip = await freePort();
    flags = [
      '--data',
      dir,
      '--http',
      `127.0.0.1:${http}`,
      '--sip',
      `127.0.0.1:${sip}`,
      '--domain',
      'pbx.test',
    ];
    base = `http://127.0.0.1:${http}`;
    serve = spawn(process.execPath, [MAIN, 'serve', ...flags, '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    serve.stderr!.on('data', (d) => {
      stderr += d;
    });
    for (;;) {
      if (serve.exitCode !== null) throw new Error(`parley serve exited: ${stderr}`);
      try {
        if ((await fetch(`${base}/api/health`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  after(async () => {
    if (serve && serve.exitCode === null) {
      const exited = new Promise((r) => serve.once('exit', r));
      serve.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
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
