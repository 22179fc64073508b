/**
 * Parley's own browser phone (/phone, web/softphone) in Chromium against a running `parley serve`, driven
 * through its UI: a wrong password and a blocked microphone are told in plain words; signed in, the dial
 * pad calls a conference, the keys type the access code during the call (RFC 4733), the call timer runs,
 * the room's desk phone (baresip) is heard in the page (Goertzel) and the room hears the browser (its voice
 * detection), mute silences the browser for the room, hold and resume go by re-INVITE, hang up leaves the
 * room; a desk phone calling the browser's extension rings it, and answering connects both ways.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { goertzelPower, meanSquare } from '../../src/media/processor/goertzel.ts';
import {
  type ChromiumPeer,
  chromiumMissing,
  launchChromium,
  makeToneWav,
  waitForTones,
} from '../../src/media/webrtc/chromium-test-peer.ts';
import { rtpTestRange } from '../helpers/rtp-ports.ts';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { until } from './webrtc-odoo-harness.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');
const skip = chromiumMissing() ?? (BARESIP ? false : 'baresip is not installed');
const BROWSER_HZ = 600;
const DESK_HZ = 1000;
const CODE = '1357';

/** Builds web/dist when phone.html is missing or older than the phone's sources. */
function ensurePhoneBuilt(): void {
  const built = join(ROOT, 'web', 'dist', 'phone.html');
  const src = join(ROOT, 'web', 'softphone');
  const newest = Math.max(...readdirSync(src).map((f) => statSync(join(src, f)).mtimeMs));
  if (existsSync(built) && statSync(built).mtimeMs >= newest) return;
  const r = spawnSync(process.execPath, ['scripts/build-web.ts'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building web/dist failed');
}

/** Mean share of `freq` over 20 ms blocks of `w`. */
function share(w: Int16Array, rate: number, freq: number): number {
  const block = rate / 50;
  let sum = 0;
  let n = 0;
  for (let i = 0; i + block <= w.length; i += block) {
    const b = w.subarray(i, i + block);
    const ms = meanSquare(b);
    sum += ms === 0 ? 0 : goertzelPower(b, rate, freq) / ms;
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

async function press(page: Page, keys: string): Promise<void> {
  for (const k of keys) {
    await page.click(`button[data-key="${k}"]`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function signIn(page: Page, extension: string, password: string): Promise<void> {
  await page.fill('input[name=extension]', extension);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
}

describe('the browser phone on /phone', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let conferenceId: string;
  let browser: ChromiumPeer;
  const desks: Baresip[] = [];

  before(async () => {
    ensurePhoneBuilt();
    dir = mkdtempSync(join(tmpdir(), 'parley-softphone-'));
    parley = await startParley();
    const created = await parley.provision({
      users: [
        { name: 'Web', extension: '101', sipPassword: 'web-phone-secret' },
        { name: 'Desk', extension: '103', sipPassword: 'desk-secret-103' },
      ],
      conferences: [{ name: 'Team', extension: '800', accessCode: CODE, waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
    browser = await launchChromium(
      makeToneWav(dir, BROWSER_HZ, 120),
      `http://127.0.0.1:${parley.httpPort}/phone?audio=raw`,
    );
  });

  after(async () => {
    await browser?.close();
    for (const d of desks) await d.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function desk(autoAnswer = false): Promise<Baresip> {
    const file = join(dir, 'desk.wav');
    spawnSync('sox', [
      '-n',
      '-r',
      '8000',
      '-c',
      '1',
      '-b',
      '16',
      file,
      'synth',
      '120',
      'sine',
      String(DESK_HZ),
      'vol',
      '0.4',
    ]);
    const d = await Baresip.start({
      extension: '103',
      password: 'desk-secret-103',
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: file,
      autoAnswer,
    });
    desks.push(d);
    await d.registered();
    return d;
  }

  async function roster(): Promise<Array<{ extension?: string; callerId?: string; talking: boolean }>> {
    return parley.api('GET', `/api/conferences/${conferenceId}/participants`);
  }

  async function participants(): Promise<number> {
    return (await roster()).length;
  }

  /** Whether the room's voice detection hears the browser (participant 101) now. */
  async function browserTalking(): Promise<boolean> {
    const me = (await roster()).find((p) => p.extension === '101' || /101/.test(p.callerId ?? ''));
    return me?.talking ?? false;
  }

  test('a wrong password is told in plain words; the right one signs in', async () => {
    const page = browser.page;
    await page.click('summary');
    await page.fill('input[name=domain]', parley.domain);
    await signIn(page, '101', 'not-the-secret');
    await page.waitForSelector('[role=alert]');
    assert.equal((await page.textContent('[role=alert]'))?.trim(), 'Wrong extension or password.');
    await signIn(page, '101', 'web-phone-secret');
    await page.waitForSelector('.pp-phone[data-status=registered]');
    assert.equal((await page.textContent('.pp-title'))?.trim(), 'Phone · 101');
  });

  test('dial pad → conference, code typed on the keys, timer, hears the room and the room hears it, mute, hold, hang up', async () => {
    const page = browser.page;
    const d = await desk();
    await d.command('dial', '800');
    await d.event('CALL_ESTABLISHED');
    await new Promise((r) => setTimeout(r, 1500));
    await d.sendDigits(`${CODE}#`);
    assert.ok(await until(async () => (await participants()) === 1, 20_000), 'the desk phone is in');

    await press(page, '800');
    await page.click('button.pp-answer');
    await page.waitForSelector('.pp-state[data-state=connected]', { timeout: 20_000 });
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        parleyPhone: { remoteStream: MediaStream };
        __parleyProbe: { listen(s: MediaStream): void };
      };
      g.__parleyProbe.listen(g.parleyPhone.remoteStream);
    });
    await new Promise((r) => setTimeout(r, 1500));
    await press(page, `${CODE}#`);
    assert.ok(await until(async () => (await participants()) === 2, 20_000), 'the browser is in the room');
    assert.match((await page.textContent('.pp-state')) ?? '', /^\d+:\d\d$/, 'the call timer runs');

    const heard = await waitForTones(page, [DESK_HZ, BROWSER_HZ], (r) => (r.shares[DESK_HZ] ?? 0) > 0.6);
    assert.ok((heard.shares[DESK_HZ] ?? 0) > 0.6, `the phone hears the desk phone: ${JSON.stringify(heard)}`);

    // The room hears the browser's tone (its voice detection says talking), then not once muted.
    assert.ok(
      await until(browserTalking, 10_000),
      `the room hears the browser: ${JSON.stringify(await roster())}`,
    );
    await page.click('button:has-text("Mute")');
    assert.equal(await page.getAttribute('button:has-text("Unmute")', 'aria-pressed'), 'true');
    assert.ok(
      await until(async () => !(await browserTalking()), 10_000),
      'muted: the room hears nothing of it',
    );
    await page.click('button:has-text("Unmute")');
    assert.ok(await until(browserTalking, 10_000), 'unmuted: heard again');

    await page.click('button:has-text("Hold")');
    await page.waitForSelector('.pp-state:has-text("On hold")');
    await page.click('button:has-text("Resume")');
    await page.waitForFunction(() => !document.querySelector('.pp-state')?.textContent?.includes('On hold'));

    await page.click('button.pp-hangup');
    await page.waitForSelector('.pp-number');
    assert.ok(await until(async () => (await participants()) === 1), 'the browser left the room');
    await d.command('hangup');
    // Taken here, so that a later wait for CALL_CLOSED waits for that later call's end.
    await d.event('CALL_CLOSED');
  });

  test('a microphone the browser blocks is told in plain words', async () => {
    const page = await browser.context.newPage();
    await page.addInitScript(() => {
      navigator.mediaDevices.getUserMedia = () =>
        Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));
    });
    await page.goto(`http://127.0.0.1:${parley.httpPort}/phone`);
    await page.click('summary');
    await page.fill('input[name=domain]', parley.domain);
    await signIn(page, '101', 'web-phone-secret');
    await page.waitForSelector('.pp-phone[data-status=registered]');
    await press(page, '800');
    await page.click('button.pp-answer');
    await page.waitForSelector('[role=alert]');
    assert.match((await page.textContent('[role=alert]')) ?? '', /microphone is blocked/);
    await page.close();
  });

  test('a desk phone calls the browser: it rings, Answer connects both ways', async () => {
    const page = browser.page;
    const d = desks[0] ?? (await desk());
    await page.waitForSelector('.pp-phone[data-status=registered]');
    // The previous test's page (also 101) has just closed: Parley may still hold its WebSocket contact
    // for a moment and ring it first; that leg fails at once, and this page must ring all the same.
    await d.command('dial', '101');
    await page.waitForSelector('[aria-label="Incoming call"]', { timeout: 15_000 });
    assert.match((await page.textContent('.pp-incoming .pp-peer')) ?? '', /103|Desk/);
    await page.click('button:has-text("Answer")');
    await page.waitForSelector('.pp-state[data-state=connected]', { timeout: 15_000 });
    await page.evaluate(() => {
      const g = globalThis as unknown as {
        parleyPhone: { remoteStream: MediaStream };
        __parleyProbe: { listen(s: MediaStream): void };
      };
      g.__parleyProbe.listen(g.parleyPhone.remoteStream);
    });
    const heard = await waitForTones(page, [DESK_HZ], (r) => (r.shares[DESK_HZ] ?? 0) > 0.6);
    assert.ok(
      (heard.shares[DESK_HZ] ?? 0) > 0.6,
      `the browser hears the desk phone: ${JSON.stringify(heard)}`,
    );
    await new Promise((r) => setTimeout(r, 3000));
    await page.click('button.pp-hangup');
    await d.event('CALL_CLOSED');
    const { samples, sampleRate } = d.received();
    const tail = samples.subarray(
      Math.max(0, samples.length - 2.5 * sampleRate),
      samples.length - sampleRate / 2,
    );
    const heardBrowser = share(tail, sampleRate, BROWSER_HZ);
    assert.ok(
      heardBrowser > 0.5,
      `the desk phone hears the browser: ${heardBrowser.toFixed(3)} over ${(tail.length / sampleRate).toFixed(1)} s`,
    );
  });

  test('the server restarts: the phone says the connection dropped, then registers again by itself', async () => {
    const page = browser.page;
    await page.waitForSelector('.pp-phone[data-status=registered]');
    // Stop parley serve hard (as a crash would) and start it again on the same ports and data.
    const old = parley.child;
    const gone = new Promise((r) => old.once('exit', r));
    old.kill('SIGKILL');
    await gone;
    await page.waitForSelector('.pp-phone[data-status=connecting]', { timeout: 15_000 });
    assert.match((await page.textContent('[role=alert]')) ?? '', /Lost the connection/);
    const again: ChildProcess = spawn(
      process.execPath,
      [
        join(ROOT, 'src', 'cli', 'main.ts'),
        'serve',
        '--data',
        parley.dataDir,
        '--http',
        `127.0.0.1:${parley.httpPort}`,
        '--sip',
        `127.0.0.1:${parley.sipPort}`,
        '--domain',
        parley.domain,
        '--rtp-ports',
        rtpTestRange(100),
      ],
      { stdio: 'ignore' },
    );
    try {
      await page.waitForSelector('.pp-phone[data-status=registered]', { timeout: 40_000 });
      assert.equal(await page.locator('[role=alert]').count(), 0, 'the message goes once registered');
    } finally {
      const exited = new Promise((r) => again.once('exit', r));
      again.kill('SIGTERM');
      await exited;
    }
  });
});
