/**
 * SIP over secure WebSocket as a deployment runs it: `parley serve` with `--tls-cert/--tls-key` (here in
 * their environment variables) serves the phone page over https and SIP at `wss://…/ws` with that
 * certificate. Chromium opens /phone, signs in over wss with the page's defaults, calls a conference and
 * hears the receptionist; the WebSocket refuses a foreign page's Origin (403) and lets in the origins of
 * `PARLEY_WS_ORIGINS`, its own pages, and clients that send no Origin.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import WebSocket from 'ws';
import {
  type ChromiumPeer,
  chromiumMissing,
  launchChromium,
  makeToneWav,
  waitForTones,
} from '../../src/media/webrtc/chromium-test-peer.ts';
import { testCertificate } from '../../src/sip/transport/test-certificate.ts';
import { rtpTestRange } from '../helpers/rtp-ports.ts';
import { freePort, freeTcpPort } from './helpers/ports.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const cert = testCertificate();
const skip = chromiumMissing() ?? (cert ? false : 'openssl is not installed');
const ODOO = 'https://odoo.example.com';

/** Opens a WebSocket to `url` with this Origin (or none): 'open' or the HTTP status of the refusal. */
function tryOrigin(url: string, origin: string | undefined): Promise<string | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['sip'], { rejectUnauthorized: false, ...(origin ? { origin } : {}) });
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (err) => resolve(String(err)));
  });
}

describe('SIP over WSS with the configured certificate', { skip }, () => {
  let dir: string;
  let child: ChildProcess;
  let output = '';
  let base: string;
  let token: string;
  let browser: ChromiumPeer;

  /** JSON over https, accepting the test's self-signed certificate; [status, body]. */
  function https(method: string, path: string, body?: unknown): Promise<[number, string]> {
    return new Promise((resolve, reject) => {
      const req = request(
        `${base}${path}`,
        {
          method,
          rejectUnauthorized: false,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d) => {
            text += d;
          });
          res.on('end', () => resolve([res.statusCode ?? 0, text]));
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  async function api(method: string, path: string, body?: unknown): Promise<void> {
    const [status, text] = await https(method, path, body);
    if (status < 200 || status > 299) throw new Error(`${method} ${path} → ${status}: ${text}`);
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-wss-'));
    writeFileSync(join(dir, 'cert.pem'), cert!.cert);
    writeFileSync(join(dir, 'key.pem'), cert!.key);
    const data = join(dir, 'data');
    const made = spawnSync(process.execPath, [MAIN, 'token', 'create', '--data', data, '--name', 't'], {
      encoding: 'utf8',
    });
    assert.equal(made.status, 0, made.stderr);
    token = made.stdout.trim().split('\n').at(-1)!.trim();
    const httpPort = await freeTcpPort();
    const sipPort = await freePort();
    child = spawn(
      process.execPath,
      [MAIN, 'serve', '--data', data, '--http', `127.0.0.1:${httpPort}`, '--sip', `127.0.0.1:${sipPort}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          PARLEY_TLS_CERT: join(dir, 'cert.pem'),
          PARLEY_TLS_KEY: join(dir, 'key.pem'),
          PARLEY_DOMAIN: 'pbx.test',
          PARLEY_RTP_PORTS: rtpTestRange(100),
          PARLEY_WS_ORIGINS: ODOO,
        },
      },
    );
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    base = `https://127.0.0.1:${httpPort}`;
    for (let i = 0; ; i++) {
      assert.equal(child.exitCode, null, output);
      const ok = await https('GET', '/api/health').then(
        ([status]) => status === 200,
        () => false,
      );
      if (ok) break;
      assert.ok(i < 300, `no /api/health over https:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await api('POST', '/api/users', { name: 'Web', extension: '101', sipPassword: 'web-phone-secret' });
    await api('POST', '/api/conferences', { name: 'Open', extension: '801', waitForAdmin: false });
    await api('POST', '/api/apply', {});
  });

  after(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Origin: a foreign page is refused, PARLEY_WS_ORIGINS and its own pages are let in', async () => {
    const url = `${base.replace('https', 'wss')}/ws`;
    assert.equal(await tryOrigin(url, 'https://evil.example'), 403);
    assert.equal(await tryOrigin(url, ODOO), 'open');
    assert.equal(await tryOrigin(url, base), 'open');
    assert.equal(await tryOrigin(url, undefined), 'open');
  });

  test('the phone page over https registers over wss and hears the conference', async () => {
    // The test's certificate is self-signed: this browser accepts it, as one would a real one.
    browser = await launchChromium(makeToneWav(dir, 600, 60), `${base}/phone?audio=raw`, {
      ignoreHttpsErrors: true,
    });
    const page = browser.page;
    await page.click('summary');
    assert.equal(await page.inputValue('input[name=server]'), `${base.replace('https', 'wss')}/ws`);
    await page.fill('input[name=domain]', 'pbx.test');
    await page.fill('input[name=extension]', '101');
    await page.fill('input[name=password]', 'web-phone-secret');
    await page.click('button[type=submit]');
    await page.waitForSelector('.pp-phone[data-status=registered]', { timeout: 15_000 });
    await page.fill('input[name=number]', '801');
    await page.click('button.pp-answer');
    await page.waitForSelector('.pp-state[data-state=connected]', { timeout: 20_000 }).catch(async (err) => {
      // Say what the phone showed and what Parley logged: a failure here once came without either.
      const phone = await page
        .locator('.pp-phone')
        .evaluate((e) => e.textContent ?? '')
        .catch(() => '');
      throw new Error(`${(err as Error).message}\nphone: ${phone}\nparley: ${output.slice(-3000)}`);
    });
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        parleyPhone: { remoteStream: MediaStream };
        __parleyProbe: { listen(s: MediaStream): void };
      };
      g.__parleyProbe.listen(g.parleyPhone.remoteStream);
    });
    // The receptionist greets the caller: speech, well above silence.
    const r = await waitForTones(page, [], (x) => x.levelDb > -40);
    assert.ok(r.levelDb > -40, `the page hears the greeting: ${JSON.stringify(r)}`);
    await page.click('button.pp-hangup');
  });
});
