/**
 * Builds the web bundles (console and softphone) into web/dist when their sources exist. Runs on
 * `npm install` (prepare) so `npm start` serves a console with nothing done by hand.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

if (existsSync('web/vite.config.ts')) {
  const r = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], {
    stdio: 'inherit',
  });
  process.exit(r.status ?? 1);
}
