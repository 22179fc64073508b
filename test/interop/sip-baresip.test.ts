/**
 * baresip (Debian's baresip-core) registers to the PBX with digest auth over UDP, says so itself, and
 * unregisters when it quits.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from './helpers/ports.ts';
import { bindingsWhen, HOST, type PbxUnderTest, startPbx } from './sip-harness.ts';

const baresip = spawnSync('sh', ['-c', 'command -v baresip'], { encoding: 'utf8' }).stdout.trim() || null;

/** baresip's ctrl_tcp: netstring-framed JSON both ways. */
class Ctrl {
  readonly #socket: Socket;
  #buffer = '';
  readonly #messages: Array<Record<string, unknown>> = [];
  readonly #waiters: Array<() => void> = [];

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      for (;;) {
        const colon = this.#buffer.indexOf(':');
        if (colon < 0) break;
        const len = Number(this.#buffer.slice(0, colon));
        if (this.#buffer.length < colon + 1 + len + 1) break;
        this.#messages.push(JSON.parse(this.#buffer.slice(colon + 1, colon + 1 + len)));
        this.#buffer = this.#buffer.slice(colon + 1 + len + 1);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  static async open(port: number): Promise<Ctrl> {
    for (let i = 0; i < 100; i++) {
      const s = connect(port, HOST);
      const ok = await new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true));
        s.once('error', () => resolve(false));
      });
      if (ok) return new Ctrl(s);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('baresip ctrl_tcp did not open');
  }

  /** Send a command and wait for its response. */
  async command(command: string, params = ''): Promise<Record<string, unknown>> {
    const token = String(Math.random());
    const body = JSON.stringify({ command, params, token });
    this.#socket.write(`${Buffer.byteLength(body)}:${body},`);
    for (;;) {
      const found = this.#messages.find((m) => m.response === true && m.token === token);
      if (found) return found;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  close(): void {
    this.#socket.destroy();
  }
}

/** baresip with one account (103) pointed at the PBX's UDP port, ctrl_tcp on a free port. */
async function startBaresip(dir: string, pbxPort: number) {
  const sipPort = await freePort();
  const ctrlPort = await freePort();
  writeFileSync(
    join(dir, 'config'),
    [
      `sip_listen ${HOST}:${sipPort}`,
      `net_interface ${HOST}`,
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aubridge.so',
      'audio_player aubridge,sink',
      'audio_source aubridge,src',
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen ${HOST}:${ctrlPort}`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'accounts'),
    `<sip:103@pbx.test>;auth_pass=carol-secret;outbound="sip:${HOST}:${pbxPort};transport=udp";regint=120\n`,
  );
  const child = spawn(baresip!, ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const run = { child, sipPort, ctrlPort, output: '' };
  child.stdout!.on('data', (d) => {
    run.output += d;
  });
  child.stderr!.on('data', (d) => {
    run.output += d;
  });
  return run;
}

describe('baresip registers and unregisters', { skip: baresip ? false : 'baresip is not installed' }, () => {
  let pbx: PbxUnderTest;
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    pbx = await startPbx({ users: [{ extension: '103', name: 'Carol', sipPassword: 'carol-secret' }] });
    dir = mkdtempSync(join(tmpdir(), 'parley-baresip-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await pbx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('REGISTER with digest gets 200, baresip reports OK; quitting removes the binding', async () => {
    const b = await startBaresip(dir, pbx.sipPort);
    child = b.child;
    const { sipPort, ctrlPort } = b;
    const output = () => b.output;
    const exited = new Promise((resolve) => child!.once('exit', resolve));

    const [binding] = await bindingsWhen(pbx, '103', (list) => list.length === 1).catch((err) => {
      throw new Error(`${err.message}\n${output()}`);
    });
    assert.equal(binding!.flow.transport, 'udp');
    assert.equal(binding!.flow.remotePort, sipPort);
    assert.match(binding!.contact, new RegExp(`^sip:103-[^@]+@127\\.0\\.0\\.1:${sipPort}`));
    assert.match(binding!.userAgent ?? '', /^baresip/);

    const ctrl = await Ctrl.open(ctrlPort);
    const info = await ctrl.command('reginfo');
    assert.equal(info.ok, true);
    assert.match(String(info.data), /sip:103@pbx\.test.*OK/s, String(info.data));

    const gone = bindingsWhen(pbx, '103', (list) => list.length === 0);
    await ctrl.command('quit');
    await gone;
    await exited;
    ctrl.close();
    child = undefined;
    assert.equal(pbx.server.registrar.lookup('103').length, 0);
  });
});

describe('a registration survives a restart of the PBX', {
  skip: baresip ? false : 'baresip is not installed',
}, () => {
  let dir: string;
  let dataDir: string;
  let child: ChildProcess | undefined;
  const pbxs: PbxUnderTest[] = [];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-baresip-'));
    dataDir = mkdtempSync(join(tmpdir(), 'parley-data-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    for (const p of pbxs) await p.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('baresip registers, the PBX restarts on the same data directory, the binding is still there', async () => {
    const users = [{ extension: '103', name: 'Carol', sipPassword: 'carol-secret' }];
    const first = await startPbx({ users, dataDir });
    pbxs.push(first);
    const b = await startBaresip(dir, first.sipPort);
    child = b.child;
    const [registered] = await bindingsWhen(first, '103', (list) => list.length === 1);
    // The phone goes away without unregistering; the PBX stops (saving) and starts again.
    child.kill('SIGKILL');
    child = undefined;
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
