/**
 * `npm test`: the whole suite. Installs the Debian test tools when allowed, builds the web bundles,
 * type-checks, lints, then runs every unit test (beside the code) and every interop test (real peers)
 * with node's own test runner.
 */
import { spawnSync } from 'node:child_process';
import { ensureTestDeps } from './ensure-test-deps.ts';

function step(name: string, cmd: string, args: string[]): void {
  const started = Date.now();
  console.log(`\n== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    console.error(`== ${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  console.log(`== ${name} ok in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

ensureTestDeps();
step('build web', process.execPath, ['scripts/build-web.ts']);
step('typecheck', 'npx', ['tsc', '--noEmit', '-p', 'tsconfig.json']);
step('lint', 'npx', ['biome', 'ci', '.']);
const only = process.argv.slice(2);
const globs = only.length ? only : ['src/**/*.test.ts', 'web/**/*.test.ts', 'test/**/*.test.ts'];
step('tests', process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=180000', ...globs]);
