/**
 * Test support (not used by the server): Debian's Chromium through playwright-core as a WebRTC peer on
 * loopback, its microphone a WAV tone made with sox, audio processing off (it would cut a steady tone by
 * ~20 dB), and an audio probe in the page that tells which tones the remote audio carries (Goertzel over
 * the last second of a WebAudio capture).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why Chromium peers cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  if (!existsSync(CHROMIUM)) return 'chromium is not installed';
  if (spawnSync('sox', ['--version']).status !== 0) return 'sox is not installed';
  return undefined;
}

/** Makes a WAV file of one sine tone (48 kHz mono, -6 dBFS) with sox. */
export function makeToneWav(dir: string, hz: number, seconds = 30): string {
  const file = join(dir, `tone-${hz}.wav`);
  const r = spawnSync('sox', [
    '-n',
    '-r',
    '48000',
    '-b',
    '16',
    '-c',
    '1',
    file,
    'synth',
    String(seconds),
    'sine',
    String(hz),
    'gain',
    '-6',
  ]);
  if (r.status !== 0) throw new Error(`sox failed: ${r.stderr}`);
  return file;
}

/** One Chromium with a fresh profile and a tone for a microphone. */
export interface ChromiumPeer {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** An empty page on loopback: getUserMedia needs a secure context, which about:blank is not. */
async function blankPage(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>peer</title>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

/** Launches Chromium whose fake microphone plays `wavFile`; `url` opens a page (default an empty one). */
export async function launchChromium(
  wavFile: string,
  url?: string,
  options: { ignoreHttpsErrors?: boolean } = {},
): Promise<ChromiumPeer> {
  const profile = mkdtempSync(join(tmpdir(), 'parley-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: options.ignoreHttpsErrors ?? false,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${wavFile}`,
      '--allow-loopback-in-peer-connection',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.addInitScript(AUDIO_PROBE);
  const blank = url ? undefined : await blankPage();
  await page.goto(url ?? blank!.url);
  let closed = false;
  return {
    context,
    page,
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => {});
      blank?.server.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What the probe reports: the share of the captured energy at each asked frequency, and the level. */
export interface ToneReport {
  /** 0..1 per frequency: a clean tone reads near 1, two mixed tones about 0.5 each, silence 0. */
  shares: Record<string, number>;
  /** RMS level of the last second, dBFS. */
  levelDb: number;
  /** Seconds of audio captured so far. */
  seconds: number;
}

/**
 * The probe, installed in every page: `__parleyProbe.listen(stream)` captures a remote stream (also played
 * by a muted <audio>: Chromium feeds WebAudio from a remote track only while a media element plays it);
 * `__parleyProbe.tones([hz…])` analyses the last second.
 */
const AUDIO_PROBE = `(() => {
  if (globalThis.__parleyProbe) return;
  const state = { ctx: null, ring: null, idx: 0, total: 0, rate: 48000, keep: [], firstSoundAt: 0 };
  globalThis.__parleyProbe = {
    listen(stream) {
      // One remote stream at a time: a new call replaces the previous one's capture.
      for (const node of state.keep) {
        if (node instanceof HTMLMediaElement) node.srcObject = null;
        else node.disconnect();
      }
      state.keep = [];
      state.idx = 0;
      state.total = 0;
      state.firstSoundAt = 0;
      const audio = new Audio();
      audio.muted = true;
      audio.srcObject = stream;
      audio.play().catch(() => {});
      state.keep.push(audio);
      if (!state.ctx) {
        state.ctx = new AudioContext();
        state.rate = state.ctx.sampleRate;
      }
      state.ring = new Float32Array(state.rate * 2);
      const src = state.ctx.createMediaStreamSource(stream);
      const proc = state.ctx.createScriptProcessor(2048, 1, 1);
      proc.onaudioprocess = (e) => {
        const x = e.inputBuffer.getChannelData(0);
        if (!state.firstSoundAt) {
          let energy = 0;
          for (let i = 0; i < x.length; i++) energy += x[i] * x[i];
          // -50 dBFS: anything louder than silence and comfort noise.
          // The block's end: the sound began at most one block (~43 ms) earlier.
          if (energy / x.length > 1e-5) state.firstSoundAt = performance.now();
        }
        for (let i = 0; i < x.length; i++) {
          state.ring[state.idx] = x[i];
          state.idx = (state.idx + 1) % state.ring.length;
        }
        state.total += x.length;
      };
      src.connect(proc);
      proc.connect(state.ctx.destination);
      state.keep.push(src, proc);
    },
    /** performance.now() of the first audible block since the last listen(), 0 before. */
    firstSoundAt() {
      return state.firstSoundAt;
    },
    tones(freqs) {
      const n = state.rate;
      const shares = {};
      if (!state.ring || state.total < n) return { shares, levelDb: -120, seconds: state.total / state.rate };
      const x = new Float32Array(n);
      for (let i = 0; i < n; i++) x[i] = state.ring[(state.idx - n + i + state.ring.length) % state.ring.length];
      let energy = 0;
      for (let i = 0; i < n; i++) energy += x[i] * x[i];
      const ms = energy / n;
      // Median over ten 100 ms windows: a phase jump (a dropped or concealed frame) would cancel a tone
      // measured over the whole second.
      const win = Math.floor(n / 10);
      for (const f of freqs) {
        const w = 2 * Math.PI * f / state.rate;
        const c = 2 * Math.cos(w);
        const list = [];
        for (let k = 0; k < 10; k++) {
          let s1 = 0, s2 = 0, e = 0;
          for (let i = k * win; i < (k + 1) * win; i++) { const s0 = x[i] + c * s1 - s2; s2 = s1; s1 = s0; e += x[i] * x[i]; }
          const mag2 = s1 * s1 + s2 * s2 - c * s1 * s2;
          // A sine of amplitude A gives mag2 = (A win / 2)^2: its mean square A^2/2 is 2 mag2 / win^2.
          list.push(e > 0 ? Math.min(1, (2 * mag2 / (win * win)) / (e / win)) : 0);
        }
        list.sort((a, b) => a - b);
        shares[f] = list[5];
      }
      return { shares, levelDb: 10 * Math.log10(ms + 1e-12), seconds: state.total / state.rate };
    },
  };
})();`;

/** Asks the page's probe which of `freqs` the captured audio carries. */
export function tonesInPage(page: Page, freqs: readonly number[]): Promise<ToneReport> {
  return page.evaluate(
    (f) =>
      (globalThis as unknown as { __parleyProbe: { tones(f: number[]): ToneReport } }).__parleyProbe.tones(f),
    [...freqs],
  );
}

/**
 * Polls the page until `accept` holds for its report, or gives up after `tries` seconds and returns the
 * last report (the caller's assertion then shows it).
 */
export async function waitForTones(
  page: Page,
  freqs: readonly number[],
  accept: (r: ToneReport) => boolean,
  tries = 20,
): Promise<ToneReport> {
  let last = await tonesInPage(page, freqs);
  for (let i = 0; i < tries && !accept(last); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    last = await tonesInPage(page, freqs);
  }
  return last;
}
