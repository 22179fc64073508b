/**
 * baresip (Debian's baresip-core) registers to the PBX with digest auth over UDP, says so itself, and
 * unregisters when it quits.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { bindingsWhen, type PbxUnderTest, startPbx } from './sip-harness.ts';

/** baresip with one account (103) pointed at the PBX's UDP port, no microphone. */
function startBaresip(pbxPort: number): Promise<Baresip> {
  return Baresip.start({
    extension: '103',
    password: 'carol-secret',
    domain: 'pbx.test',
    pbxPort,
    regint: 120,
  });
}

describe('baresip registers and unregisters', { skip: BARESIP ? false : 'baresip is not installed' }, () => {
  let pbx: PbxUnderTest;
  let phone: Baresip | undefined;

  before(async () => {
    pbx = await startPbx({ users: [{ extension: '103', name: 'Carol', sipPassword: 'carol-secret' }] });
  });
  after(async () => {
    await phone?.stop();
    await pbx?.close();
  });

  test('REGISTER with digest gets 200, baresip reports OK; quitting removes the binding', async () => {
    const b = await startBaresip(pbx.sipPort);
    phone = b;
    const { sipPort } = b;
    const output = () => b.output;
    const exited = new Promise((resolve) => b.child.once('exit', resolve));

    const [binding] = await bindingsWhen(pbx, '103', (list) => list.length === 1).catch((err) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    assert.equal(binding!.flow.transport, 'udp');
    assert.equal(binding!.flow.remotePort, sipPort);
    assert.match(binding!.contact, new RegExp(`^sip:103-[^@]+@127\\.0\\.0\\.1:${sipPort}`));
    assert.match(binding!.userAgent ?? '', /^baresip/);

    const info = await b.command('reginfo');
    assert.equal(info.ok, true);
    assert.match(String(info.data), /sip:103@pbx\.test.*OK/s, String(info.data));

    const gone = bindingsWhen(pbx, '103', (list) => list.length === 0);
    await b.command('quit');
    await gone;
    await exited;
    assert.equal(pbx.server.registrar.lookup('103').length, 0);
  });
});

describe('a registration survives a restart of the PBX', {
  skip: BARESIP ? false : 'baresip is not installed',
}, () => {
  let dataDir: string;
  let phone: Baresip | undefined;
  const pbxs: PbxUnderTest[] = [];

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
  });
  after(async () => {
    await phone?.stop();
    for (const p of pbxs) await p.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('baresip registers, the PBX restarts on the same data directory, the binding is still there', async () => {
    const users = [{ extension: '103', name: 'Carol', sipPassword: 'carol-secret' }];
    const first = await startPbx({ users, dataDir });
    pbxs.push(first);
    const b = await startBaresip(first.sipPort);
    phone = b;
    const [registered] = await bindingsWhen(first, '103', (list) => list.length === 1);
    // The phone goes away without unregistering; the PBX stops (saving) and starts again.
    const gone = new Promise((resolve) => b.child.once('exit', resolve));
    b.child.kill('SIGKILL');
    await gone;
    await first.close();
    const second = await startPbx({ users, dataDir });
    pbxs.push(second);
    const [restored] = second.server.registrar.lookup('103');
    assert.equal(restored?.contact, registered!.contact);
    assert.equal(restored?.flow.transport, 'udp');
    assert.equal(restored?.flow.remotePort, b.sipPort);
    assert.ok(restored!.expiresAt > Date.now());
  });
});
