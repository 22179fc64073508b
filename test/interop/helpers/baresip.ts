/**
 * baresip (Debian's baresip-core) as a desk phone for whole-system tests: one account on loopback, a WAV
 * file as its microphone (`aufile`), what it hears recorded by `sndfile`, driven through `ctrl_tcp`
 * (netstring-framed JSON: `dial`, `sndcode`, `hangup`, `quit`, `reginfo`) with its events collected.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isWavError, parseWav } from '../../../src/media/player/wav.ts';
import { freePort, retryWhilePortTaken } from './ports.ts';

export const BARESIP =
  spawnSync('sh', ['-c', 'command -v baresip'], { encoding: 'utf8' }).stdout.trim() || null;
const HOST = '127.0.0.1';

type Message = Record<string, unknown>;

export interface BaresipOptions {
  extension: string;
  password: string;
  domain: string;
  /** The PBX's SIP port on 127.0.0.1 (UDP). */
  pbxPort: number;
  /** The microphone: a mono WAV file, looped (default: none, silence). */
  source?: string;
  /** Answer incoming calls by itself. */
  autoAnswer?: boolean;
  /** Codecs it offers and accepts, in its order (default PCMU, PCMA). */
  codecs?: string[];
  /** Registration interval in seconds (default 300). */
  regint?: number;
}

export class Baresip {
  readonly dir: string;
  readonly child: ChildProcess;
  /** Its SIP port on 127.0.0.1 (UDP). */
  readonly sipPort: number;
  readonly #socket: Socket;
  #buffer = '';
  readonly events: Message[] = [];
  readonly #responses: Message[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly #consumed = new Set<Message>();
  /** What baresip has printed so far (stdout and stderr), collected from its start. */
  readonly #log: { text: string };

  private constructor(
    dir: string,
    child: ChildProcess,
    socket: Socket,
    sipPort: number,
    log: { text: string },
  ) {
    this.#log = log;
    this.dir = dir;
    this.child = child;
    this.sipPort = sipPort;
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.#buffer += d;
      for (;;) {
        const colon = this.#buffer.indexOf(':');
        if (colon < 0) break;
        const len = Number(this.#buffer.slice(0, colon));
        if (this.#buffer.length < colon + 1 + len + 1) break;
        const m = JSON.parse(this.#buffer.slice(colon + 1, colon + 1 + len)) as Message;
        this.#buffer = this.#buffer.slice(colon + 1 + len + 1);
        if (m.response === true) this.#responses.push(m);
        else if (m.event === true) this.events.push(m);
      }
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  /**
   * Starts baresip and connects to its control port. Its ports are probed free just before it binds them,
   * so another process can take one in between; baresip then exits at once. That attempt is retried on
   * fresh ports (three in all), and the last failure says what baresip printed.
   */
  static start(o: BaresipOptions): Promise<Baresip> {
    // baresip prints nothing that names a taken port: any start that fails counts as one.
    return retryWhilePortTaken(
      () => Baresip.#attempt(o),
      () => true,
    );
  }

  static async #attempt(o: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'parley-baresip-'));
    const sipPort = await freePort();
    const ctrlPort = await freePort();
    writeFileSync(
      join(dir, 'config'),
      [
        `sip_listen ${HOST}:${sipPort}`,
        `net_interface ${HOST}`,
        'module_path /usr/lib/baresip/modules',
        'module g711.so',
        'module g722.so',
        'module aufile.so',
        'module aubridge.so',
        'module sndfile.so',
        o.source ? `audio_source aufile,${o.source}` : 'audio_source aubridge,src',
        'audio_player aubridge,sink',
        `snd_path ${dir}`,
        'audio_buffer 40-100',
        'module_app account.so',
        'module_app menu.so',
        'module_app ctrl_tcp.so',
        `ctrl_tcp_listen ${HOST}:${ctrlPort}`,
        '',
      ].join('\n'),
    );
    const answer = o.autoAnswer ? ';answermode=auto' : '';
    writeFileSync(
      join(dir, 'accounts'),
      `<sip:${o.extension}@${o.domain}>;auth_pass=${o.password};outbound="sip:${HOST}:${o.pbxPort};transport=udp";regint=${o.regint ?? 300}${answer};audio_codecs=${(o.codecs ?? ['PCMU', 'PCMA']).join(',')}\n`,
    );
    const child = spawn(BARESIP!, ['-f', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const log = { text: '' };
    const collect = (d: Buffer) => {
      log.text += d;
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = () => child.exitCode !== null || child.signalCode !== null;
    let socket: Socket | undefined;
    for (let i = 0; i < 100 && !socket && !exited(); i++) {
      const s = connect(ctrlPort, HOST);
      const ok = await new Promise<boolean>((resolve) => {
        s.once('connect', () => resolve(true));
        s.once('error', () => resolve(false));
      });
      if (ok) socket = s;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!socket) {
      const why = exited() ? `it exited (${child.exitCode ?? child.signalCode})` : 'no answer in 10 s';
      if (!exited()) {
        const gone = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await gone;
      }
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`baresip ctrl_tcp did not open: ${why}; it printed:\n${log.text}`);
    }
    return new Baresip(dir, child, socket, sipPort, log);
  }

  /** What baresip has printed so far (stdout and stderr). */
  get output(): string {
    return this.#log.text;
  }

  async command(command: string, params = ''): Promise<Message> {
    const token = String(Math.random());
    const body = JSON.stringify({ command, params, token });
    this.#socket.write(`${Buffer.byteLength(body)}:${body},`);
    return this.#until(
      () => this.#responses.find((m) => m.token === token),
      10_000,
      `response to ${command}`,
    );
  }

  /** Waits for the next event of this type not waited for before (CALL_ESTABLISHED, CALL_CLOSED…). */
  async event(type: string, timeoutMs = 20_000): Promise<Message> {
    const e = await this.#until(
      () => this.events.find((e) => e.type === type && !this.#consumed.has(e)),
      timeoutMs,
      `event ${type}`,
    );
    this.#consumed.add(e);
    return e;
  }

  /** Waits until the account is registered (asks `reginfo`, since an early REGISTER_OK is not replayed). */
  async registered(timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      const info = await this.command('reginfo');
      if (/OK/.test(String(info.data))) return;
      last = String(info.data);
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`baresip did not register (${JSON.stringify(last)}):\n${this.output}`);
  }

  /** Sends digits as RFC 4733 events, one at a time with a gap. */
  async sendDigits(digits: string): Promise<void> {
    for (const d of digits) {
      await this.command('sndcode', d);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** The audio it received in its last call (sndfile's `-dec` recording), as 16-bit PCM and its rate. */
  received(): { samples: Int16Array; sampleRate: number } {
    const files = readdirSync(this.dir).filter((f) => f.endsWith('.wav') && /dec/.test(f));
    if (files.length === 0)
      throw new Error(`no recording in ${this.dir}: ${readdirSync(this.dir).join(', ')}`);
    const wav = parseWav(readFileSync(join(this.dir, files.sort().at(-1)!)));
    if (isWavError(wav)) throw new Error(wav.message);
    return { samples: wav.samples, sampleRate: wav.sampleRate };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      try {
        await Promise.race([this.command('quit'), new Promise((r) => setTimeout(r, 2000))]);
      } catch {
        // already gone
      }
      const t = setTimeout(() => this.child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    this.#socket.destroy();
    if (existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  async #until<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      const left = end - Date.now();
      if (left <= 0)
        throw new Error(`baresip: no ${what} within ${timeoutMs} ms\n${this.output.slice(-3000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}
