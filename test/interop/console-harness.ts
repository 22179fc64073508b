/**
 * What the console's browser tests and the screenshot script share: a real Parley server on loopback with
 * a fresh data directory and one console account, and Debian's Chromium driven by playwright-core.
 *
 * The server is `parley serve` in a child process. Tests of the live pages that stand in for the PBX (its
 * `PbxPort` and event bus) build the API in this process from the same parts, serving the same `web/dist`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import type { EventBus, PbxPort } from '../../src/api/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { rtpTestRange } from '../helpers/rtp-ports.ts';
import { PORT_TAKEN, serveArgs, waitForHealth } from './helpers/parley-process.ts';
import { freePort, freeTcpPort, retryWhilePortTaken } from './helpers/ports.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a closed network (measured on this kind of machine). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const ROOT = new URL('../../', import.meta.url).pathname;
/** The SIP domain `parley serve` runs with in these tests. */
const DOMAIN = 'pbx.test';
const SYSTEM = { actor: { kind: 'system' as const, name: 'console-test', permissions: ['admin' as const] } };

export interface ConsoleServer {
  baseUrl: string;
  username: string;
  password: string;
  /** How it runs: the real `parley serve` process, or the API built in this process. */
  mode: 'serve' | 'in-process';
  /** `parley serve` only: its SIP port (UDP and TCP) on 127.0.0.1 and its SIP domain. */
  sipPort?: number;
  domain?: string;
  close(): Promise<void>;
}

/** What to put in the store before the server starts (applied, so the draft starts empty). */
export type Seed = (store: Store, ctx: typeof SYSTEM) => Promise<void>;

/** Builds web/dist when it is missing (a test run alone, without `npm test`'s build step). */
export function ensureWebBuilt(): void {
  if (existsSync(join(ROOT, 'web/dist/index.html'))) return;
  const r = spawnSync(process.execPath, ['scripts/build-web.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building web/dist failed');
}

async function seedStore(data: string, username: string, password: string, seed?: Seed): Promise<void> {
  const store = await openStore({ data });
  try {
    await store.createAccount({ username, password, permissions: ['admin'] }, SYSTEM);
    if (seed) {
      await seed(store, SYSTEM);
      await store.apply(SYSTEM);
    }
  } finally {
    await store.close();
  }
}

/**
 * `parley serve` on fresh ports. The ports are probed free a moment before it binds them, and another
 * test's process may take one in between: it then exits saying so and is started again (three attempts).
 */
function startServe(data: string): Promise<Omit<ConsoleServer, 'username' | 'password'>> {
  return retryWhilePortTaken(() => startServeOnce(data), PORT_TAKEN);
}

async function startServeOnce(data: string): Promise<Omit<ConsoleServer, 'username' | 'password'>> {
  const httpPort = await freeTcpPort();
  const sipPort = await freePort();
  const child = spawn(
    join(ROOT, 'node_modules/.bin/node'),
    serveArgs({
      dataDir: data,
      httpPort,
      sipPort,
      domain: DOMAIN,
      // A random block of the test RTP range (test/helpers/rtp-ports.ts).
      rtpPorts: rtpTestRange(100),
      // serve's default.
      logLevel: 'info',
    }),
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  let exit: string | undefined;
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  child.on('exit', (code, signal) => {
    exit = `parley serve exited (${code ?? signal}): ${stderr.trim()}`;
  });
  const baseUrl = `http://127.0.0.1:${httpPort}`;
  try {
    await waitForHealth(baseUrl, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    baseUrl,
    mode: 'serve',
    sipPort,
    domain: DOMAIN,
    close: async () => {
      if (exit) return;
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Live parts for an in-process server: the event bus the API streams, and the PBX's room control. */
export interface LiveParts {
  events: EventBus;
  pbx: PbxPort;
}

async function startInProcess(
  data: string,
  live?: LiveParts,
): Promise<Omit<ConsoleServer, 'username' | 'password'>> {
  // Imported lazily: only this mode needs the API's internals.
  const { buildApi } = await import('../../src/api/index.ts');
  const store = await openStore({ data });
  const app = buildApi({
    store,
    staticDir: join(ROOT, 'web/dist'),
    login: { attemptsPerMinute: 1000 },
    version: 'test',
    events: live?.events,
    pbx: live?.pbx,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  let closed = false;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    mode: 'in-process',
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await store.close();
    },
  };
}

/**
 * A Parley server with one console account (every permission) and `seed` applied as version 1. With
 * `live`, the API runs in this process on that event bus and PBX port (tests of the live pages).
 */
export async function startConsoleServer(seed?: Seed, live?: LiveParts): Promise<ConsoleServer> {
  ensureWebBuilt();
  const data = mkdtempSync(join(tmpdir(), 'parley-console-'));
  const username = 'admin';
  const password = 'correct horse battery staple';
  await seedStore(data, username, password, seed);
  // `PARLEY_CONSOLE_SERVER=in-process` runs the API alone (e.g. while the PBX side is being worked on).
  const mode = live ? 'in-process' : (process.env.PARLEY_CONSOLE_SERVER ?? 'serve');
  let server: Omit<ConsoleServer, 'username' | 'password'>;
  try {
    server = mode === 'serve' ? await startServe(data) : await startInProcess(data, live);
  } catch (err) {
    rmSync(data, { recursive: true, force: true });
    throw err;
  }
  return {
    ...server,
    username,
    password,
    close: async () => {
      await server.close();
      rmSync(data, { recursive: true, force: true });
    },
  };
}

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Debian's Chromium with a fresh profile; `width` × `height` viewport. */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in through the page as a person would. */
export async function signIn(page: Page, server: ConsoleServer): Promise<void> {
  await page.goto(server.baseUrl);
  await page.getByLabel('Username').fill(server.username);
  await page.getByLabel('Password').fill(server.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main menu' }).waitFor();
}

/** A minute of a tone, 8 kHz mono 16-bit, as a baresip phone's microphone (`aufile` hangs up at its end). */
export function toneWav(path: string, hz = 440): string {
  const rate = 8000;
  const samples = rate * 60;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  writeFileSync(path, buf);
  return path;
}
