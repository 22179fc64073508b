/**
 * RFC 4475's torture messages sent over UDP to a running `parley serve`: after each one, valid or not,
 * the server still answers the next OPTIONS with 200; at the end it shuts down cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
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
  let parley: ParleyProcess | undefined;
  let client: RawSipClient;
  let exited: Promise<number | null>;

  before(async () => {
    parley = await startParley({ domain: DOMAIN });
    const { child } = parley;
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    client = await RawSipClient.open(HOST);
  });

  after(async () => {
    client?.close();
    await parley?.stop();
  });

  test('every message, then an OPTIONS answered 200; then a clean SIGTERM', async () => {
    const { sipPort, child } = parley!;
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
    child.kill('SIGTERM');
    assert.equal(await exited, 0, parley!.output().slice(-2000));
  });
});
