/**
 * A locked conference (`POST /api/conferences/{id}/lock`): a caller who is not the room's administrator
 * is answered, told the conference is locked, and hung up (sipp waits for Parley's BYE); the admin
 * (baresip 100) still gets in.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, type Baresip } from './helpers/baresip.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { describeSipp, runSipp, sippCount, sippPath } from './helpers/sipp.ts';
import { SOX, toneFile, waitFor } from './helpers/tones.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-await-bye.xml');
const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

describe('a locked conference', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let admin: Baresip;
  let conferenceId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-lock-'));
    parley = await startParley();
    const created = await parley.provision({
      users: [
        { name: 'Admin', extension: '100', sipPassword: 'admin-secret-0' },
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
      ],
      conferences: [{ name: 'Board', extension: '600', adminExtension: '100', waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
    admin = await startPhone({
      extension: '100',
      password: 'admin-secret-0',
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: toneFile(dir, 1300),
    });
    await admin.registered();
  });

  after(async () => {
    await admin?.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('refuses others, lets the admin in', async () => {
    const participants = () =>
      parley.api<Array<{ extension?: string; role: string }>>(
        'GET',
        `/api/conferences/${conferenceId}/participants`,
      );
    await parley.api('POST', `/api/conferences/${conferenceId}/lock`, {});
    const r = await runSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '600',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101' },
      extraArgs: ['-auth_uri', `600@127.0.0.1:${parley.sipPort}`],
      calls: 1,
      timeoutSeconds: 25,
    });
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    assert.deepEqual(await participants(), [], 'nobody got in');

    await admin.command('dial', '600');
    await admin.event('CALL_ESTABLISHED');
    const inRoom = await waitFor('the admin in the locked room', async () => {
      const list = await participants();
      return list.length === 1 ? list : undefined;
    });
    assert.equal(inRoom[0]!.role, 'admin');
    await admin.command('hangup');
    await admin.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });
});
