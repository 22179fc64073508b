/**
 * A throw-away self-signed certificate for TLS/WSS tests, made with the openssl command line tool
 * (present on every Debian machine) in a temporary folder. Returns null when openssl is missing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM certificate and key. */
export interface TestCertificate {
  cert: string;
  key: string;
}

let cached: TestCertificate | null | undefined;

/** The certificate (made once per process), or null without openssl. */
export function testCertificate(): TestCertificate | null {
  if (cached !== undefined) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'sip-cert-'));
  try {
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    cached =
      r.status === 0
        ? {
            cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
            key: readFileSync(join(dir, 'key.pem'), 'utf8'),
          }
        : null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return cached;
}
