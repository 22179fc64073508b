/**
 * The setup of the console's browser tests: a Parley server seeded with one console account (see
 * console-harness.ts) and Debian's Chromium with one page, started in `before` and both closed in
 * `after`. Nothing starts where Chromium is absent (the tests then skip with `NO_CHROMIUM`).
 */
import { existsSync } from 'node:fs';
import { after, before } from 'node:test';
import type { Page } from 'playwright-core';
import type { Store } from '../../../src/store/index.ts';
import {
  type Browser,
  CHROMIUM,
  type ConsoleServer,
  type LiveParts,
  launchChromium,
  type Seed,
  signIn,
  startConsoleServer,
} from '../console-harness.ts';
import { passwordOf } from './users.ts';

/** Why a console test cannot run here ('chromium is not installed'), or false. */
export const NO_CHROMIUM: string | false = existsSync(CHROMIUM) ? false : 'chromium is not installed';

/** The names the console tests give the test users. */
const NAMES: Record<string, string> = { '101': 'Alice Martin', '102': 'Bob Dupont' };

/** Seeds test users (`101` Alice Martin, `102` Bob Dupont) with their usual SIP passwords. */
export async function seedUsers(
  store: Store,
  ctx: Parameters<Seed>[1],
  ...extensions: string[]
): Promise<void> {
  for (const extension of extensions)
    await store.create(
      'users',
      { name: NAMES[extension] ?? extension, extension, sipPassword: passwordOf(extension) },
      ctx,
    );
}

export interface ConsoleSession {
  server: ConsoleServer;
  browser: Browser;
  /** The browser's page, with a 20 s default timeout. */
  page: Page;
  /** Signs in on the page as the console account. */
  signIn(): Promise<void>;
  /**
   * Settles when the `before` hook has: a hook of the file's top level runs as soon as it is declared,
   * so another top-level hook that needs the server waits for this.
   */
  ready: Promise<void>;
}

/**
 * Registers `before`/`after` hooks at the current level and returns the session, filled in by `before`.
 * `live`, called in `before`, runs the API in this process on those parts (console-harness.ts).
 */
export function consoleSession(
  options: { seed?: Seed; live?: () => LiveParts; skip?: string | false } = {},
): ConsoleSession {
  let settle!: (error?: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  // Nobody may wait: the hook's own failure is reported by the runner.
  ready.catch(() => {});
  const session = { ready } as ConsoleSession;
  let server: ConsoleServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    try {
      if (NO_CHROMIUM || options.skip) return settle();
      server = await startConsoleServer(options.seed, options.live?.());
      browser = await launchChromium();
      browser.page.setDefaultTimeout(20_000);
      const started = server;
      Object.assign(session, {
        server,
        browser,
        page: browser.page,
        signIn: () => signIn(browser!.page, started),
      });
      settle();
    } catch (err) {
      settle(err);
      throw err;
    }
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
  return session;
}
