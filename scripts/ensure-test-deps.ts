/**
 * Installs the Debian packages the interop tests talk to (sipp, baresip, chromium, postgresql, espeak-ng,
 * sox) when they are missing and installing is allowed: running as root, or PARLEY_TEST_INSTALL=1.
 * Prints what is still missing; tests that need a missing tool skip with that reason.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian package → a file it installs that proves it is there. */
export const TEST_PACKAGES: Record<string, string> = {
  'sip-tester': '/usr/bin/sipp',
  'baresip-core': '/usr/bin/baresip',
  chromium: '/usr/bin/chromium',
  postgresql: '/usr/lib/postgresql',
  'espeak-ng': '/usr/bin/espeak-ng',
  sox: '/usr/bin/sox',
};

export function missingPackages(): string[] {
  return Object.entries(TEST_PACKAGES)
    .filter(([, file]) => !existsSync(file))
    .map(([pkg]) => pkg);
}

function mayInstall(): boolean {
  return process.env.PARLEY_TEST_INSTALL === '1' || process.getuid?.() === 0;
}

export function ensureTestDeps(): string[] {
  let missing = missingPackages();
  if (missing.length === 0) return [];
  if (!mayInstall()) {
    console.warn(
      `test tools missing (${missing.join(', ')}); set PARLEY_TEST_INSTALL=1 or run as root to install`,
    );
    return missing;
  }
  console.log(`installing test tools from Debian: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
  const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], {
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) console.warn('apt-get install failed; the tests needing these tools will skip');
  missing = missingPackages();
  return missing;
}

if (import.meta.filename === process.argv[1]) ensureTestDeps();
