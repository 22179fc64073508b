/**
 * `npm run bench -- NAME [args…]` runs bench/NAME.ts. Each benchmark prints figures for people and, as its
 * last line, one JSON object holding them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [name, ...rest] = process.argv.slice(2);
const dir = import.meta.dirname;
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.includes('.test.'))
  .map((f) => f.slice(0, -3));
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ') || 'none yet'})`);
  process.exit(2);
}
process.argv = [process.argv[0]!, join(dir, `${name}.ts`), ...rest];
const mod = await import(join(dir, `${name}.ts`));
if (typeof mod.default === 'function') await mod.default(rest);
