/**
 * The seed's callers, end to end: SIP.js 0.21.2 in Chromium configured exactly as Odoo's VoIP widget
 * configures it (webrtc-odoo-harness.ts) against a running `parley serve` provisioned through its API.
 * It registers, dials the conference's extension, types the access code and `#` as RFC 4733 events
 * through the session description handler, gets in and hears the room (a baresip desk phone's tone); it
 * holds and resumes by re-INVITE; a second browser joins and each of the three hears the other two; then
 * a browser calls a baresip extension directly and both hear each other. Audio is checked as audio:
 * Goertzel in the page (WebAudio) and on baresip's recording.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { goertzelPower, meanSquare } from '../../src/media/processor/goertzel.ts';
import {
  type ChromiumPeer,
  chromiumMissing,
  launchChromium,
  makeToneWav,
  waitForTones,
} from '../../src/media/webrtc/chromium-test-peer.ts';
import { DigestClient } from '../../src/sip/auth/index.ts';
import {
  generateCallId,
  generateTag,
  getHeaderValues,
  isParseError,
  parseMessage,
} from '../../src/sip/message/index.ts';
import { BARESIP, Baresip } from './helpers/baresip.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { tcpRegisterText } from './helpers/tcp-register.ts';
import { recordingSoFar } from './helpers/tones.ts';
import {
  callReport,
  callState,
  harnessReady,
  phone,
  serveOdooHarness,
  until,
} from './webrtc-odoo-harness.ts';

const skip = chromiumMissing() ?? (BARESIP ? false : 'baresip is not installed');

// Multiples of 50 Hz: baresip's recording is analysed in 20 ms blocks, the page's in 100 ms windows.
const TONE = { browserA: 600, browserB: 850, deskPhone: 1000, directDesk: 1200, transferDesk: 1500 };
const USERS = [
  { name: 'Ann (Odoo)', extension: '101', sipPassword: 'ann-voip-secret' },
  { name: 'Ben (Odoo)', extension: '102', sipPassword: 'ben-voip-secret' },
  { name: 'Desk', extension: '103', sipPassword: 'desk-secret-103' },
  { name: 'Desk 2', extension: '104', sipPassword: 'desk-secret-104' },
  { name: 'Desk 3', extension: '105', sipPassword: 'desk-secret-105' },
];
const CODE = '2468';

/** Share of `freq` in a recording's last seconds (20 ms blocks, mean), minus the final half second. */
function deskHears(samples: Int16Array, rate: number, freq: number, seconds = 3): number {
  const end = Math.max(0, samples.length - rate / 2);
  const w = samples.subarray(Math.max(0, end - seconds * rate), end);
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

/**
 * Registers `extension` over a TCP connection of its own (digest-authenticated, q=1.0 so it is rung
 * first), then closes that connection: Parley keeps a TCP binding (the phone may come back on a new
 * connection), but the phone is gone, so an INVITE to it fails at once with a transport error.
 * Returns the final status of the REGISTER.
 */
async function registerVanishingTcpPhone(
  sipPort: number,
  domain: string,
  extension: string,
  password: string,
): Promise<number> {
  const socket = connect(sipPort, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffer = '';
  const responses: ReturnType<typeof parseMessage>[] = [];
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => {
    buffer += d;
    for (let end = buffer.indexOf('\r\n\r\n'); end >= 0; end = buffer.indexOf('\r\n\r\n')) {
      const length = Number(/^content-length:\s*(\d+)/im.exec(buffer.slice(0, end))?.[1] ?? 0);
      if (buffer.length < end + 4 + length) break;
      responses.push(parseMessage(Buffer.from(buffer.slice(0, end + 4 + length), 'latin1')));
      buffer = buffer.slice(end + 4 + length);
    }
  });
  const callId = generateCallId();
  const tag = generateTag();
  const uri = `sip:${domain}`;
  const local = `127.0.0.1:${socket.localPort}`;
  const digest = new DigestClient({ username: extension, password });
  const send = async (cseq: number, auth: string[]) => {
    const before = responses.length;
    socket.write(tcpRegisterText({ extension, domain, local, tag, callId, cseq, auth, q: '1.0' }));
    assert.ok(await until(async () => responses.length > before, 5000), 'REGISTER answered');
    const r = responses.at(-1)!;
    if (isParseError(r) || r.kind !== 'response') throw new Error('unreadable REGISTER response');
    return r;
  };
  let r = await send(1, []);
  if (r.status === 401) {
    const value = digest.authorize(getHeaderValues(r, 'www-authenticate'), 'REGISTER', uri);
    assert.ok(value, 'a usable digest challenge');
    r = await send(2, [`Authorization: ${value}`]);
  }
  socket.destroy();
  return r.status;
}

describe('SIP.js configured as Odoo’s VoIP widget, against parley serve', { skip }, () => {
  let parley: ParleyProcess;
  let dir: string;
  let harness: Awaited<ReturnType<typeof serveOdooHarness>>;
  let conferenceId: string;
  const browsers: ChromiumPeer[] = [];
  const desks: Baresip[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-webrtc-odoo-'));
    parley = await startParley();
    const created = await parley.provision({
      users: USERS,
      conferences: [{ name: 'Sales', extension: '800', accessCode: CODE, waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
    harness = await serveOdooHarness();
  });

  after(async () => {
    for (const b of browsers) await b.close();
    for (const d of desks) await d.stop().catch(() => {});
    harness?.close();
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Parley's last log lines, without the HTTP request lines of the tests' own polling. */
  function serverLog(): string {
    const lines = parley.output().split('\n');
    return lines
      .filter((l) => !l.includes('"msg":"http"'))
      .slice(-40)
      .join('\n');
  }

  /** Odoo's settings for a user: WebSocket URL, PBX server address (the SIP domain), username, secret. */
  function odooSettings(extension: string) {
    const user = USERS.find((u) => u.extension === extension)!;
    return {
      webSocketUrl: `ws://127.0.0.1:${parley.httpPort}/ws`,
      pbxAddress: parley.domain,
      username: user.extension,
      secret: user.sipPassword,
    };
  }

  async function browserFor(extension: string, hz: number): Promise<ChromiumPeer> {
    const b = await launchChromium(makeToneWav(dir, hz, 120), harness.url);
    browsers.push(b);
    // The 0.21.2 package reports 0.21.1 as its LIBRARY_VERSION.
    assert.match(await harnessReady(b.page), /^0\.21\./);
    assert.equal(await phone(b.page, 'register', odooSettings(extension)), 200, 'registered');
    return b;
  }

  async function deskFor(extension: string, hz: number, autoAnswer = false): Promise<Baresip> {
    const user = USERS.find((u) => u.extension === extension)!;
    const file = join(dir, `desk-${hz}.wav`);
    const r = spawnSync('sox', [
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
      String(hz),
      'vol',
      '0.4',
    ]);
    assert.equal(r.status, 0, String(r.stderr));
    const d = await Baresip.start({
      extension,
      password: user.sipPassword,
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: file,
      autoAnswer,
    });
    desks.push(d);
    await d.registered();
    return d;
  }

  async function participants(): Promise<number> {
    const list = await parley.api<unknown[]>('GET', `/api/conferences/${conferenceId}/participants`);
    return list.length;
  }

  /** Dials the room from a browser and types the access code one key at a time, as Odoo's keypad does. */
  async function browserJoins(b: ChromiumPeer, expected: number): Promise<void> {
    await phone(b.page, 'call', '800');
    assert.ok(
      await until(async () => (await callState(b.page)) === 'established', 20_000),
      `the call is answered: ${await callReport(b.page)}\n${serverLog()}`,
    );
    await new Promise((r) => setTimeout(r, 1500));
    for (const key of `${CODE}#`) {
      assert.equal(await phone(b.page, 'dtmf', key), true, `key ${key} sent as RFC 4733`);
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.ok(
      await until(async () => (await participants()) === expected, 20_000),
      `${expected} in the room:\n${serverLog()}`,
    );
  }

  test('registers, dials the conference, types the code and #, hears the room; hold and resume', async () => {
    const desk = await deskFor('103', TONE.deskPhone);
    await desk.command('dial', '800');
    await desk.event('CALL_ESTABLISHED');
    await new Promise((r) => setTimeout(r, 1500));
    await desk.sendDigits(`${CODE}#`);
    assert.ok(await until(async () => (await participants()) === 1, 20_000), 'the desk phone is in');

    const ann = await browserFor('101', TONE.browserA);
    await browserJoins(ann, 2);
    const heard = await waitForTones(
      ann.page,
      [TONE.deskPhone, TONE.browserA],
      (r) => (r.shares[TONE.deskPhone] ?? 0) > 0.6,
    );
    assert.ok(
      (heard.shares[TONE.deskPhone] ?? 0) > 0.6,
      `the browser hears the desk phone: ${JSON.stringify(heard)}`,
    );
    assert.ok((heard.shares[TONE.browserA] ?? 0) < 0.05, 'and not itself');

    // Hold by re-INVITE (sendonly), then resume.
    assert.equal(await phone(ann.page, 'hold', true), 200);
    assert.equal(await phone(ann.page, 'localDirection'), 'sendonly');
    assert.equal(await phone(ann.page, 'hold', false), 200);
    assert.equal(await phone(ann.page, 'localDirection'), 'sendrecv');
  });

  test('a second browser joins: each of the three hears the other two', async () => {
    const ben = await browserFor('102', TONE.browserB);
    await browserJoins(ben, 3);
    const [ann] = browsers;
    const both = (a: number, b: number) => (r: { shares: Record<string, number> }) =>
      (r.shares[a] ?? 0) > 0.2 && (r.shares[b] ?? 0) > 0.2;
    const annHears = await waitForTones(
      ann!.page,
      [TONE.deskPhone, TONE.browserB, TONE.browserA],
      both(TONE.deskPhone, TONE.browserB),
    );
    const benHears = await waitForTones(
      ben.page,
      [TONE.deskPhone, TONE.browserA, TONE.browserB],
      both(TONE.deskPhone, TONE.browserA),
    );
    // Let the desk phone record the mix a while, then hang it up and read its recording.
    await new Promise((r) => setTimeout(r, 4000));
    const desk = desks[0]!;
    await desk.command('hangup');
    await desk.event('CALL_CLOSED');
    const { samples, sampleRate } = desk.received();
    const deskA = deskHears(samples, sampleRate, TONE.browserA);
    const deskB = deskHears(samples, sampleRate, TONE.browserB);
    const deskOwn = deskHears(samples, sampleRate, TONE.deskPhone);

    assert.ok(
      both(TONE.deskPhone, TONE.browserB)(annHears),
      `browser A hears desk + B: ${JSON.stringify(annHears)}`,
    );
    assert.ok((annHears.shares[TONE.browserA] ?? 0) < 0.05, 'browser A does not hear itself');
    assert.ok(
      both(TONE.deskPhone, TONE.browserA)(benHears),
      `browser B hears desk + A: ${JSON.stringify(benHears)}`,
    );
    assert.ok((benHears.shares[TONE.browserB] ?? 0) < 0.05, 'browser B does not hear itself');
    assert.ok(
      deskA > 0.2 && deskB > 0.2,
      `the desk phone hears both browsers: ${deskA.toFixed(3)} ${deskB.toFixed(3)}`,
    );
    assert.ok(deskOwn < 0.05, `the desk phone does not hear itself: ${deskOwn.toFixed(3)}`);
    for (const b of browsers) await phone(b.page, 'hangup');
  });

  test('a browser calls a desk phone’s extension directly and both hear each other', async () => {
    const desk = await deskFor('104', TONE.directDesk, true);
    const ann = browsers[0]!;
    await phone(ann.page, 'call', '104');
    assert.ok(
      await until(async () => (await callState(ann.page)) === 'established', 20_000),
      `answered: ${await callReport(ann.page)}\n${serverLog()}`,
    );
    const heard = await waitForTones(
      ann.page,
      [TONE.directDesk, TONE.browserA],
      (r) => (r.shares[TONE.directDesk] ?? 0) > 0.6,
    );
    assert.ok(
      (heard.shares[TONE.directDesk] ?? 0) > 0.6,
      `the browser hears the desk phone: ${JSON.stringify(heard)}`,
    );
    await new Promise((r) => setTimeout(r, 3000));
    await phone(ann.page, 'hangup');
    await desk.event('CALL_CLOSED');
    const { samples, sampleRate } = desk.received();
    const share = deskHears(samples, sampleRate, TONE.browserA, 2);
    assert.ok(share > 0.6, `the desk phone hears the browser: ${share.toFixed(3)}`);
    // Gone (and unregistered) before the next test registers another 104: with both registered, a call
    // to 104 rings both and either may answer (forking), so the next test's phone might not be in it.
    await desk.stop();
    desks.splice(desks.indexOf(desk), 1);
  });

  test('a desk phone calls a browser whose extension also has a vanished phone: the browser still rings', async () => {
    // The vanished phone is rung first and fails at once; the call must go on ringing the browser.
    const user = USERS.find((u) => u.extension === '101')!;
    assert.equal(
      await registerVanishingTcpPhone(parley.sipPort, parley.domain, '101', user.sipPassword),
      200,
      'the second phone registered',
    );
    const caller = desks[0]!; // 103, idle since it left the room
    const ann = browsers[0]!;
    await caller.command('dial', '101');
    assert.ok(
      await until(async () => (await callState(ann.page)) === 'established', 20_000),
      `the browser answered:\n${caller.output.slice(-1500)}`,
    );
    await caller.event('CALL_ESTABLISHED');
    await phone(ann.page, 'hangup');
    await caller.event('CALL_CLOSED');
  });

  test('Odoo transfers a call by REFER: the desk phone it talked to is connected to another one', {
    // Passes alone; in the full suite the remaining phone's recording read 0 samples once (open, issue 7).
  }, async () => {
    const first = await deskFor('104', TONE.directDesk, true);
    const second = await deskFor('105', TONE.transferDesk, true);
    const ann = browsers[0]!;
    await phone(ann.page, 'call', '104');
    assert.ok(
      await until(async () => (await callState(ann.page)) === 'established', 20_000),
      `answered: ${await callReport(ann.page)}\n${serverLog()}`,
    );
    await first.event('CALL_ESTABLISHED');
    assert.equal(await phone(ann.page, 'refer', '105'), 202);
    await second.event('CALL_ESTABLISHED');
    // The browser leaves the call; the two desk phones talk to each other.
    assert.ok(
      await until(async () => (await callState(ann.page)) !== 'established', 15_000),
      'browser released',
    );
    await new Promise((r) => setTimeout(r, 4000));
    // What 104 heard while its call still runs (its recording's header is final only at hang-up).
    const a = recordingSoFar(first.dir);
    await second.command('hangup');
    await first.event('CALL_CLOSED');
    const b = second.received();
    const aHears = deskHears(a.samples, a.sampleRate, TONE.transferDesk, 2);
    const bHears = deskHears(b.samples, b.sampleRate, TONE.directDesk, 2);
    assert.ok(aHears > 0.6, `104 hears 105 after the transfer: ${aHears.toFixed(3)}`);
    assert.ok(bHears > 0.6, `105 hears 104 after the transfer: ${bHears.toFixed(3)}`);
  });
});
