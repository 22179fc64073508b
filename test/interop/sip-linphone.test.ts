/**
 * linphone-cli 5.1 (belle-sip) reads every challenge and picks the strongest: it registers with SHA-256
 * digest (RFC 8760) and unregisters on the same nonce with the next nonce-count.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DigestResult } from '../../src/sip/auth/index.ts';
import { freePort } from './helpers/ports.ts';
import { bindingsWhen, DOMAIN, HOST, type PbxUnderTest, startPbx } from './sip-harness.ts';

const linphonec = spawnSync('sh', ['-c', 'command -v linphonec'], { encoding: 'utf8' }).stdout.trim() || null;

describe('linphone registers with SHA-256 digest', {
  skip: linphonec ? false : 'linphonec is not installed',
}, () => {
  let pbx: PbxUnderTest;
  let home: string;
  let child: ChildProcess | undefined;

  before(async () => {
    pbx = await startPbx({ users: [{ extension: '106', name: 'Frank', sipPassword: 'frank-secret' }] });
    home = mkdtempSync(join(tmpdir(), 'parley-linphone-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await pbx?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  test('SHA-256 chosen from the two challenges; registers, then unregisters on quit', async () => {
    const results: DigestResult[] = [];
    const authenticate = pbx.server.digest.authenticate.bind(pbx.server.digest);
    pbx.server.digest.authenticate = (request, lookup) => {
      const r = authenticate(request, lookup);
      results.push(r);
      return r;
    };
    // Its own HOME keeps linphone's database and settings out of the user's; UDP only, on loopback.
    mkdirSync(join(home, '.local/share/linphone'), { recursive: true });
    const port = await freePort();
    const rc = join(home, 'linphonerc');
    writeFileSync(
      rc,
      [
        '[sip]',
        `sip_port=${port}`,
        'sip_tcp_port=-1',
        'sip_tls_port=-1',
        `bind_address=${HOST}`,
        'use_ipv6=0',
        '[rtp]',
        `audio_rtp_port=${port + 2}`,
        '',
      ].join('\n'),
    );
    child = spawn(linphonec!, ['-c', rc], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home },
    });
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.stdin!.write(
      `soundcard use files\nregister sip:106@${DOMAIN} sip:${HOST}:${pbx.sipPort};transport=udp frank-secret\n`,
    );
    const [binding] = await bindingsWhen(pbx, '106', (list) => list.length === 1).catch((err) => {
      throw new Error(`${err.message}\n${output.slice(-2000)}`);
    });
    assert.equal(binding!.contact, `sip:106@${HOST}:${port};transport=udp`);
    assert.match(binding!.userAgent ?? '', /^Linphone/i);
    const accepted = results.filter((r) => r.ok);
    assert.equal(accepted.length, 1);
    assert.deepEqual(accepted[0], { ok: true, username: '106', algorithm: 'SHA-256' });

    const gone = bindingsWhen(pbx, '106', (list) => list.length === 0);
    child.stdin!.write('quit\n');
    await gone;
    await exited;
    child = undefined;
    // The unregistration reused the nonce with the next nc: accepted, nothing refused.
    assert.equal(results.filter((r) => r.ok).length, 2);
    assert.ok(
      results.every((r) => r.ok || r.reason === 'missing'),
      JSON.stringify(results),
    );
  });
});
