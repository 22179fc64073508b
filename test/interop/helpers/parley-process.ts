/**
 * A real `parley serve` in a child process for whole-system tests: a temporary data directory, free
 * loopback ports, an API token made with `parley token create`, and small helpers to provision through
 * the HTTP API and apply. `stop()` sends SIGTERM (then SIGKILL) and removes the directory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rtpTestRange } from '../../helpers/rtp-ports.ts';
import { freePort, freeTcpPort, retryWhilePortTaken } from './ports.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
export const HOST = '127.0.0.1';
/** How `parley serve` fails when a port it was given is taken (its error names the port). */
export const PORT_TAKEN = (err: Error): boolean => /already in use/.test(err.message);

export interface ParleyProcess {
  dataDir: string;
  httpPort: number;
  sipPort: number;
  domain: string;
  token: string;
  child: ChildProcess;
  /** Everything it printed. */
  output(): string;
  /** JSON over HTTP with the token; throws with the body on a non-2xx status. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Creates objects then applies the draft. */
  provision(config: {
    users?: Array<{ name: string; extension: string; sipPassword: string; canCallOut?: boolean }>;
    conferences?: Array<{
      name: string;
      extension: string;
      accessCode?: string;
      adminExtension?: string;
      waitForAdmin: boolean;
    }>;
    trunks?: Array<Record<string, unknown>>;
    incomingNumbers?: Array<Record<string, unknown>>;
  }): Promise<Record<string, Array<{ id: string }>>>;
  stop(): Promise<void>;
}

/** Starts `parley serve` on free ports and waits until /api/health answers. */
export async function startParley(
  options: { domain?: string; rtpPorts?: string; env?: Record<string, string> } = {},
): Promise<ParleyProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  const domain = options.domain ?? 'pbx.test';
  const token = makeToken(dataDir);
  // Ports are probed free a moment before parley binds them: another test's process may take one in
  // between. parley then exits at once saying so, and it is started again on fresh ports.
  let launched: Launched;
  try {
    launched = await retryWhilePortTaken(async () => {
      const l = launch({
        dataDir,
        httpPort: await freeTcpPort(),
        sipPort: await freePort(),
        domain,
        rtpPorts: options.rtpPorts,
        env: options.env,
      });
      try {
        await waitForHealth(`http://${HOST}:${l.httpPort}`, l.child, l.output);
        return l;
      } catch (err) {
        l.child.kill('SIGKILL');
        await l.exited;
        throw err;
      }
    }, PORT_TAKEN);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { child, exited, output, httpPort, sipPort } = launched;
  const base = `http://${HOST}:${httpPort}`;
  const api = bearerApi(base, token);
  const process_: ParleyProcess = {
    dataDir,
    httpPort,
    sipPort,
    domain,
    token,
    child,
    output,
    api,
    async provision(config) {
      const created: Record<string, Array<{ id: string }>> = {};
      for (const [kind, path] of [
        ['users', '/api/users'],
        ['trunks', '/api/trunks'],
        ['conferences', '/api/conferences'],
        ['incomingNumbers', '/api/incoming-numbers'],
      ] as const) {
        created[kind] = [];
        for (const obj of config[kind] ?? [])
          created[kind]!.push(await api<{ id: string }>('POST', path, obj));
      }
      await api('POST', '/api/apply', {});
      return created;
    },
    async stop() {
      await terminate(child, exited);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return process_;
}

/** A `parley serve` child just spawned: what it prints is collected from the start. */
interface Launched {
  child: ChildProcess;
  exited: Promise<void>;
  output: () => string;
  httpPort: number;
  sipPort: number;
}

function launch(o: {
  dataDir: string;
  httpPort: number;
  sipPort: number;
  domain: string;
  rtpPorts: string | undefined;
  env: Record<string, string> | undefined;
}): Launched {
  const child = spawn(
    process.execPath,
    serveArgs({
      dataDir: o.dataDir,
      httpPort: o.httpPort,
      sipPort: o.sipPort,
      domain: o.domain,
      rtpPorts: o.rtpPorts ?? rtpTestRange(100),
      logLevel: 'debug',
    }),
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...o.env } },
  );
  let text = '';
  child.stdout!.on('data', (d) => {
    text += d;
  });
  child.stderr!.on('data', (d) => {
    text += d;
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return { child, exited, output: () => text, httpPort: o.httpPort, sipPort: o.sipPort };
}

/** The command line of `parley serve` on 127.0.0.1 (after the Node executable and its own flags). */
export function serveArgs(o: {
  dataDir: string;
  httpPort: number;
  sipPort: number;
  domain: string;
  rtpPorts: string;
  logLevel: string;
}): string[] {
  return [
    MAIN,
    'serve',
    '--data',
    o.dataDir,
    '--http',
    `${HOST}:${o.httpPort}`,
    '--sip',
    `${HOST}:${o.sipPort}`,
    '--domain',
    o.domain,
    '--rtp-ports',
    o.rtpPorts,
    '--log-level',
    o.logLevel,
  ];
}

/** `parley token create` against the data directory; the token is the last line it prints. */
export function makeToken(dataDir: string, name = 'tests'): string {
  const r = spawnSync(process.execPath, [MAIN, 'token', 'create', '--data', dataDir, '--name', name], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`parley token create failed: ${r.stderr}`);
  return r.stdout.trim().split('\n').at(-1)!.trim();
}

/** Waits until `base`/api/health answers; throws with what it printed if `child` exits or 30 s pass. */
export async function waitForHealth(base: string, child: ChildProcess, output: () => string): Promise<void> {
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`parley serve exited ${child.exitCode}:\n${output()}`);
    try {
      // Bounded: whatever else may hold the port must not keep the check waiting.
      const r = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (i > 300) throw new Error(`parley serve did not answer /api/health:\n${output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** JSON over HTTP to `base` with the bearer `token`; throws with the body on a non-2xx status. */
export function bearerApi(
  base: string,
  token: string,
): <T = unknown>(method: string, path: string, body?: unknown) => Promise<T> {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
}

/** SIGTERM, then SIGKILL after 15 s, and waits for `exited`; nothing when the process is gone already. */
export async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(t);
}
