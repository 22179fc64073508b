/**
 * RFC 4475's torture messages sent over UDP to a running `parley serve`: after each one, valid or not,
 * the server still answers the next OPTIONS with 200; at the end it shuts down cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort, freeTcpPort } from './helpers/ports.ts';
import { DOMAIN, dialogHeaders, HOST, RawSipClient } from './sip-harness.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'rfc4475');

function fixtures(): Array<{ section: string; file: string }> {
  return readFileSync(join(FIXTURES, 'MANIFEST.tsv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const [section, file] = l.split('\t');
      return { section: section!, file: file! };
    });
}

describe('RFC 4475 messages do not stop a running parley serve', () => {
  let child: ChildProcess | undefined;
  let dataDir: string;
  let sipPort: number;
  let client: RawSipClient;
  let output = '';
  let exited: Promise<number | null>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-torture-'));
    sipPort = await freePort();
    const httpPort = await freeTcpPort();
    child = spawn(
      process.execPath,
      [
        join(ROOT, 'src', 'cli', 'main.ts'),
        'serve',
        '--data',
        dataDir,
        '--http',
        `${HOST}:${httpPort}`,
        '--sip',
        `${HOST}:${sipPort}`,
        '--domain',
        DOMAIN,
        '--rtp-ports',
        '40000-40100',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exited = new Promise((resolve) => child!.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`parley serve did not start:\n${output}`)), 60_000);
      const onData = (d: Buffer) => {
        output += d;
        if (output.includes('parley is running')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child!.stdout!.on('data', onData);
      child!.stderr!.on('data', onData);
      child!.once('exit', () => reject(new Error(`parley serve exited:\n${output}`)));
    });
    client = await RawSipClient.open(HOST);
  });

  after(async () => {
    client?.close();
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('every message, then an OPTIONS answered 200; then a clean SIGTERM', async () => {
    const list = fixtures();
    assert.ok(list.length >= 49, `${list.length} fixtures`);
    for (const { section, file } of list) {
      client.blast(sipPort, readFileSync(join(FIXTURES, file)));
      const ok = await client.request(
        sipPort,
        'OPTIONS',
        `sip:${DOMAIN}`,
        dialogHeaders(client, 'OPTIONS', 'probe'),
        10_000,
      );
      assert.equal(ok?.status, 200, `after ${file} (§${section}) the server did not answer OPTIONS`);
    }
    child!.kill('SIGTERM');
    assert.equal(await exited, 0, output.slice(-2000));
    child = undefined;
  });
});
