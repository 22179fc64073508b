import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../store/index.ts';
import { diagnose } from './doctor.ts';

function listen(): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as { port: number }).port }),
    );
  });
}

describe('parley doctor', () => {
  let dir: string;
  let busy: { server: Server; port: number };
  let free: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'parley-doctor-'));
    busy = await listen();
    const f = await listen();
    free = f.port;
    await new Promise((r) => f.server.close(r));
  });
  after(async () => {
    busy.server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const base = () => ['--data', dir, '--sip', `127.0.0.1:${free}`];

  it('is content with a fresh data directory and free ports', async () => {
    const findings = await diagnose([...base(), '--http', `127.0.0.1:${free}`], {});
    assert.deepEqual(
      findings.filter((f) => f.level !== 'ok'),
      [],
    );
    assert.ok(findings.some((f) => /does not exist yet; parley serve will create it/.test(f.text)));
    assert.ok(findings.some((f) => /prompts: 4 languages/.test(f.text)));
  });

  it('sees a migrated store and its live version', async () => {
    const store = await openStore({ data: dir });
    await store.close();
    const findings = await diagnose([...base(), '--http', `127.0.0.1:${free}`], {});
    assert.ok(
      findings.some(
        (f) => f.level === 'ok' && /schema up to date, configuration version 0 live/.test(f.text),
      ),
    );
  });

  it('names a port in use', async () => {
    const findings = await diagnose([...base(), '--http', `127.0.0.1:${busy.port}`], {});
    const fail = findings.filter((f) => f.level === 'fail');
    assert.deepEqual(
      fail.map((f) => f.text),
      [`HTTP port ${busy.port} on 127.0.0.1 is already in use (another PBX or Parley running?)`],
    );
  });

  it('checks the TLS pair: unreadable, mismatched, fine', async () => {
    const gen = (name: string) =>
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-days',
          '90',
          '-subj',
          '/CN=pbx.example',
          '-keyout',
          join(dir, `${name}.key`),
          '-out',
          join(dir, `${name}.crt`),
        ],
        { stdio: 'ignore' },
      );
    gen('a');
    gen('b');
    await writeFile(join(dir, 'unreadable.crt'), '');
    const tls = async (cert: string, key: string) =>
      (
        await diagnose(
          [
            ...base(),
            '--http',
            `127.0.0.1:${free}`,
            '--tls-cert',
            join(dir, cert),
            '--tls-key',
            join(dir, key),
          ],
          {},
        )
      ).find((f) => f.text.startsWith('TLS'))!;
    assert.match((await tls('missing.crt', 'a.key')).text, /^TLS: cannot read .*missing\.crt$/);
    const mismatch = await tls('a.crt', 'b.key');
    assert.equal(mismatch.level, 'fail');
    assert.equal(mismatch.text, 'TLS: the key does not belong to the certificate');
    const good = await tls('a.crt', 'a.key');
    assert.equal(good.level, 'ok');
    assert.match(good.text, /CN=pbx\.example matches its key/);
  });

  it('reports a bad flag as a failure', async () => {
    const findings = await diagnose(['--http', 'nonsense'], {});
    assert.equal(findings[0]?.level, 'fail');
    assert.match(findings[0]!.text, /--http: expected HOST:PORT/);
  });
});
