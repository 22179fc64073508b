/**
 * `npm run bench -- webrtc`: what WebRTC costs on top of a plain RTP conference member, and how long a
 * browser waits for the first sound.
 *
 * 1. SRTP with werift's ciphers as the WebRTC transport runs them: protect and unprotect CPU µs per packet,
 *    for a G.711 packet (160 bytes of payload) and an Opus one (~80), with AEAD_AES_128_GCM (what werift
 *    and Chromium settle on) and AES_CM_128_HMAC_SHA1_80 (peers without GCM).
 * 2. A plain member's cost in a room: one media worker, a room of N members fed over loopback UDP at 50
 *    packets/s each (a few talking, the rest sending silence, as browsers do without DTX), the worker
 *    thread's CPU time per member — once with G.711 members, once with Opus members.
 * 3. Participants per core: 1 / (member cost + 50 × (protect + unprotect)) with the GCM figures, and on
 *    two cores.
 * 4. INVITE to first audio: SIP.js 0.21 in Chromium (configured as Odoo does) calls a conference without
 *    access code on a running `parley serve`; from `invite()` to the first audible block in the page
 *    (the receptionist's greeting), and to the 200 OK. Skipped without Chromium.
 * Last line: one JSON object with every figure.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pcmu } from '../src/media/codec/g711.ts';
import { createOpusFactory } from '../src/media/codec/opus.ts';
import { MediaEngine } from '../src/media/engine.ts';
import { generateTone } from '../src/media/processor/goertzel.ts';
import { serializeRtp } from '../src/media/rtp/rtp-packet.ts';
import { chromiumMissing, launchChromium, makeToneWav } from '../src/media/webrtc/chromium-test-peer.ts';
import { protectRtp, SrtpLoop, type SrtpProfileName } from '../src/media/webrtc/srtp-rtp.ts';
import { startParley } from '../test/interop/helpers/parley-process.ts';
import { harnessReady, phone, serveOdooHarness, until } from '../test/interop/webrtc-odoo-harness.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rtp(seq: number, ts: number, ssrc: number, pt: number, payload: Uint8Array): Uint8Array {
  return serializeRtp({
    version: 2,
    padding: false,
    marker: false,
    payloadType: pt,
    sequenceNumber: seq & 0xffff,
    timestamp: ts >>> 0,
    ssrc,
    csrc: [],
    payload,
  });
}

/** Thread CPU time in µs (not wall time: the machine may be shared, and the figure is a cost). */
function cpuUs(): number {
  const u = process.threadCpuUsage();
  return u.user + u.system;
}

/** CPU µs per protect and per unprotect of packets with `payloadBytes` of payload, about `ms` each. */
function srtpCost(
  profile: SrtpProfileName,
  payloadBytes: number,
  ms = 500,
): { protectUs: number; unprotectUs: number } {
  const loop = new SrtpLoop(profile);
  const payload = new Uint8Array(payloadBytes).fill(0x55);
  const plain: Uint8Array[] = [];
  // Sequence numbers 1..1000: werift counts a rollover whenever 0 follows a high number.
  for (let i = 1; i <= 1000; i++) plain.push(rtp(i, i * 160, 0x1234, 0, payload));
  const wire = plain.map((p) => protectRtp(loop.a.srtp, p)!);
  for (const w of wire) loop.b.srtp.decrypt(w);
  let n = 0;
  let wall = performance.now();
  let cpu = cpuUs();
  while (performance.now() - wall < ms) {
    for (const p of plain) protectRtp(loop.a.srtp, p);
    n += plain.length;
  }
  const protectUs = (cpuUs() - cpu) / n;
  // Unprotect the same thousand packets over and over (werift's SRTP keeps no replay list).
  n = 0;
  wall = performance.now();
  cpu = cpuUs();
  while (performance.now() - wall < ms) {
    for (const w of wire) loop.b.srtp.decrypt(w);
    n += wire.length;
  }
  const unprotectUs = (cpuUs() - cpu) / n;
  return { protectUs, unprotectUs };
}

/** Worker CPU per member (share of a core) in a room of `members`, `talkers` of them sending a tone. */
async function memberCost(codec: 'PCMU' | 'opus', members: number, talkers: number, seconds: number) {
  const base = 47000 + Math.floor(Math.random() * 20) * 100;
  const engine = new MediaEngine({
    workers: 1,
    rtpPorts: `${base}-${base + 2 * members + 50}`,
    rtpTimeoutMs: 0,
  });
  const feeder = createSocket('udp4');
  await new Promise<void>((r) => feeder.bind(0, '127.0.0.1', r));
  const feederPort = feeder.address().port;
  feeder.on('message', () => {});
  const spec =
    codec === 'PCMU'
      ? { name: 'PCMU', payloadType: 0, clockRate: 8000 }
      : { name: 'opus', payloadType: 111, clockRate: 48000 };
  // Ten 20 ms payloads of tone and one of silence, encoded once and replayed.
  // Opus packets as a browser makes them: encoded from 48 kHz PCM. `rate` is the RTP clock.
  const rate = spec.clockRate;
  const factory = codec === 'opus' ? createOpusFactory({ sampleRate: 48000 }) : pcmu;
  const tone = generateTone(440, factory.sampleRate, factory.sampleRate / 5, 0.3 * 32767);
  const frames: Uint8Array[] = [];
  const encoder = factory.create();
  const n = factory.sampleRate / 50;
  for (let i = 0; i < 10; i++) frames.push(encoder.encode(tone.subarray(i * n, (i + 1) * n)).slice());
  // Silence as a quiet microphone sends it: the encoder's steady state after a second of silence. (The
  // first packet after the tone still carries its decay, and replayed every tick it decodes as a talker.)
  let quiet = new Uint8Array(0);
  for (let i = 0; i < 50; i++) quiet = encoder.encode(new Int16Array(n)).slice();
  frames.push(quiet);
  await engine.createRoom('bench');
  const ports: number[] = [];
  for (let i = 0; i < members; i++) {
    const s = await engine.createSession({
      localAddress: '127.0.0.1',
      codec: spec,
      rtcpMux: true,
      remote: { address: '127.0.0.1', port: feederPort },
      room: 'bench',
    });
    await engine.join('bench', s.id);
    ports.push(s.localPort);
  }
  let tick = 0;
  let running = true;
  const started = performance.now();
  const send = () => {
    if (!running) return;
    for (let i = 0; i < members; i++) {
      const payload = i < talkers ? frames[tick % 10]! : frames[10]!;
      feeder.send(rtp(tick, tick * (rate / 50), 1000 + i, spec.payloadType, payload), ports[i]!, '127.0.0.1');
    }
    tick++;
    // Absolute deadlines: a late tick does not push the next ones.
    setTimeout(send, Math.max(0, started + tick * 20 - performance.now()));
  };
  send();
  await sleep(1500);
  await engine.stats({ resetClock: true });
  await sleep(seconds * 1000);
  const stats = await engine.stats();
  running = false;
  feeder.close();
  await engine.close();
  const cpu = stats.workers[0]!.cpu;
  return { cpu, perMember: cpu / members };
}

/** INVITE → 200 OK and INVITE → first audible sound, in ms, for one Chromium call into a room. */
async function firstAudio(): Promise<{ establishedMs: number; firstAudioMs: number } | { skipped: string }> {
  const missing = chromiumMissing();
  if (missing) return { skipped: missing };
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-webrtc-'));
  const parley = await startParley();
  const harness = await serveOdooHarness();
  const browser = await launchChromium(makeToneWav(dir, 600, 20), harness.url);
  try {
    await parley.provision({
      users: [{ name: 'Bench', extension: '101', sipPassword: 'bench-secret-1' }],
      conferences: [{ name: 'Open room', extension: '801', waitForAdmin: false }],
    });
    await harnessReady(browser.page);
    await phone(browser.page, 'register', {
      webSocketUrl: `ws://127.0.0.1:${parley.httpPort}/ws`,
      pbxAddress: parley.domain,
      username: '101',
      secret: 'bench-secret-1',
    });
    await phone(browser.page, 'call', '801');
    const heard = await until(
      () =>
        browser.page.evaluate(
          () =>
            (
              globalThis as unknown as { __parleyProbe: { firstSoundAt(): number } }
            ).__parleyProbe.firstSoundAt() > 0,
        ),
      15_000,
    );
    if (!heard) return { skipped: 'no audio reached the page' };
    return await browser.page.evaluate(() => {
      const g = globalThis as unknown as {
        __parleyProbe: { firstSoundAt(): number };
        odooPhone: { state: { invitedAt: number; establishedAt: number } };
      };
      const { invitedAt, establishedAt } = g.odooPhone.state;
      return {
        establishedMs: Math.round(establishedAt - invitedAt),
        firstAudioMs: Math.round(g.__parleyProbe.firstSoundAt() - invitedAt),
      };
    });
  } finally {
    await browser.close();
    harness.close();
    await parley.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export default async function main(): Promise<void> {
  const pcmuSrtp = srtpCost('AEAD_AES_128_GCM', 160);
  const opusSrtp = srtpCost('AEAD_AES_128_GCM', 80);
  const pcmuCm = srtpCost('AES_CM_128_HMAC_SHA1_80', 160);
  const opusCm = srtpCost('AES_CM_128_HMAC_SHA1_80', 80);
  const us = (x: { protectUs: number; unprotectUs: number }) =>
    `protect ${x.protectUs.toFixed(2)} µs, unprotect ${x.unprotectUs.toFixed(2)} µs`;
  console.log(`SRTP AEAD_AES_128_GCM per packet: G.711 ${us(pcmuSrtp)}; Opus ${us(opusSrtp)}`);
  console.log(`SRTP AES_CM_128_HMAC_SHA1_80 per packet: G.711 ${us(pcmuCm)}; Opus ${us(opusCm)}`);
  const members = 150;
  const talkers = 3;
  const pcmu = await memberCost('PCMU', members, talkers, 4);
  const opusCost = await memberCost('opus', members, talkers, 4);
  const perCore = (memberShare: number, s: { protectUs: number; unprotectUs: number }) =>
    Math.floor(1 / (memberShare + (50 * (s.protectUs + s.unprotectUs)) / 1e6));
  const g711PerCore = perCore(pcmu.perMember, pcmuSrtp);
  const opusPerCore = perCore(opusCost.perMember, opusSrtp);
  console.log(
    `plain member in a room of ${members} (${talkers} talking): G.711 ${(pcmu.perMember * 100).toFixed(3)} % of a core, ` +
      `Opus ${(opusCost.perMember * 100).toFixed(3)} % (worker ${(pcmu.cpu * 100).toFixed(0)} % / ${(opusCost.cpu * 100).toFixed(0)} %)`,
  );
  console.log(
    `WebRTC participants per core: G.711 ${g711PerCore} (two cores ${2 * g711PerCore}), Opus ${opusPerCore} (two cores ${2 * opusPerCore}); target ≥ 500 on two cores`,
  );
  const call = await firstAudio();
  if ('skipped' in call) console.log(`INVITE to first audio: skipped (${call.skipped})`);
  else
    console.log(
      `INVITE → 200 OK ${call.establishedMs} ms; INVITE → first audio in the page ${call.firstAudioMs} ms`,
    );
  console.log(
    JSON.stringify({
      bench: 'webrtc',
      srtpProfile: 'AEAD_AES_128_GCM',
      srtpProtectUsG711: round(pcmuSrtp.protectUs),
      srtpUnprotectUsG711: round(pcmuSrtp.unprotectUs),
      srtpProtectUsOpus: round(opusSrtp.protectUs),
      srtpUnprotectUsOpus: round(opusSrtp.unprotectUs),
      srtpCmProtectUsG711: round(pcmuCm.protectUs),
      srtpCmUnprotectUsG711: round(pcmuCm.unprotectUs),
      roomMembers: members,
      roomTalkers: talkers,
      plainMemberCoreShareG711: round(pcmu.perMember, 5),
      plainMemberCoreShareOpus: round(opusCost.perMember, 5),
      webrtcParticipantsPerCoreG711: g711PerCore,
      webrtcParticipantsPerCoreOpus: opusPerCore,
      webrtcParticipantsTwoCoresG711: 2 * g711PerCore,
      webrtcParticipantsTwoCoresOpus: 2 * opusPerCore,
      ...('skipped' in call ? { firstAudioSkipped: call.skipped } : call),
    }),
  );
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
