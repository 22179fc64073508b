/**
 * `npm run bench -- calls`: the whole PBX (`parley serve` in a child process) under sipp, on loopback.
 *
 * 1. Call setups: sipp callers (`scenarios/uac-auth-call.xml`) as a provisioned user dial a conference
 *    without an access code: INVITE → 407 → ACK, INVITE with digest credentials → 200 → ACK → BYE → 200,
 *    as fast as each rate step allows. The offered rate is ramped; each step reports successful and failed
 *    calls per second and the CPU seconds `parley serve` used (all its threads, from /proc), so
 *    "setups per CPU second" is the figure per core, robust on a crowded machine. Parley admits at most
 *    500 SIP messages a second per source address (a call is 5), so the load comes from several sipp
 *    processes on distinct loopback addresses (127.0.0.2, .3, …).
 * 2. Participants held: N sipp callers (`scenarios/uac-auth-participant.xml`) in rooms of 50, each
 *    streaming the A-law audio of sip-tester's `g711a.pcap` in a loop (offer: PCMA + telephone-event only).
 *    Once everyone is in, a window of media figures from `/metrics`: frames concealed (their packet was
 *    late or lost at play-out) and media clock ticks that ran a whole period late, as a share of the frames
 *    due; CPU of `parley serve`; its resident memory per participant. Then every participant is kicked
 *    through the API (Parley sends the BYEs). N is ramped until that share reaches 0.1 % or calls fail.
 *
 * Environment: BENCH_SETUP_RATES (default "250,500,1000,1500"), BENCH_SETUP_SECONDS (12),
 * BENCH_PARTICIPANTS ("100,250,500,750"), BENCH_WINDOW_SECONDS (15), BENCH_SERVE_NODE_ARGS (Node flags for
 * `parley serve`). Needs sipp (Debian sip-tester).
 * Last line: one JSON object with the figures.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, freeTcpPort, freeUdpPortRange } from '../test/interop/helpers/ports.ts';
import { sippPath } from '../test/interop/helpers/sipp.ts';

const ROOT = resolve(import.meta.dirname, '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const SCENARIOS = join(import.meta.dirname, 'scenarios');
const PCAP = '/usr/share/sip-tester/g711a.pcap';
const HOST = '127.0.0.1';
const USER = { name: 'Bench caller', extension: '201', sipPassword: 'bench-secret-201' };
/** Parley's per-source limit is 500 messages/s; a call sends 5, so stay well under 100 calls/s. */
const CALLS_PER_SOURCE = 80;
const ROOM_SIZE = 50;
const LATE_LIMIT_PCT = 0.1;
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const list = (s: string) =>
  s
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
const SETUP_RATES = list(env('BENCH_SETUP_RATES', '250,500,1000,1500'));
const SETUP_SECONDS = Number(env('BENCH_SETUP_SECONDS', '12'));
const PARTICIPANTS = list(env('BENCH_PARTICIPANTS', '100,250,500,750'));
const WINDOW_SECONDS = Number(env('BENCH_WINDOW_SECONDS', '15'));
/** How long the setup phase waits for every RTP session to close once the last call is over. */
const DRAIN_SECONDS = Number(env('BENCH_DRAIN_SECONDS', '5'));
/** Extra Node flags for `parley serve`, e.g. "--cpu-prof --cpu-prof-dir=DIR" to see where its time goes. */
const NODE_ARGS = env('BENCH_SERVE_NODE_ARGS', '').split(' ').filter(Boolean);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const children = new Set<ChildProcess>();
const sipps = new Set<number>();

/** CPU seconds used so far by the sipp processes running now (the load generator shares the machine). */
function sippCpuSeconds(): number {
  let total = 0;
  for (const pid of sipps) {
    try {
      total += statCpu(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      // it ended meanwhile
    }
  }
  return total;
}
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

// ---------------------------------------------------------------------------------------------------
// parley serve in a child process

/**
 * An RTP port range few sockets use right now. Parley skips ports another program holds, but only a few
 * in a row, and other benchmarks on a shared machine hold blocks of thousands.
 */
function quietRtpRange(size = 6000): string {
  const used: number[] = [];
  for (const file of ['/proc/net/udp', '/proc/net/udp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const m of text.matchAll(/^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) /gm))
      used.push(Number.parseInt(m[1]!, 16));
  }
  let best = { start: 10000, busy: Number.POSITIVE_INFINITY };
  // Below the kernel's ephemeral range (32768+), where every bind(0) lands.
  for (let start = 10000; start + size <= 32000; start += 1000) {
    const busy = used.filter((p) => p >= start && p < start + size).length;
    if (busy < best.busy) best = { start, busy };
  }
  return `${best.start}-${best.start + size - 1}`;
}

/** utime + stime of a /proc stat line, in seconds (fields 14 and 15, counted after the name's ")"). */
function statCpu(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

interface Serve {
  pid: number;
  sipPort: number;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
  /** Prometheus samples by name (unlabelled ones). */
  metrics(): Promise<Map<string, number>>;
  /** CPU seconds of the whole process (every thread), user + system. */
  cpuSeconds(): number;
  /** CPU seconds per kind of thread: the main thread, the media workers, the rest (GC, libuv pool). */
  threadCpu(): { main: number; media: number; other: number };
  /**
   * Seconds a media worker thread spent runnable but waiting for a CPU (/proc schedstat), averaged over
   * the workers: the machine's doing rather than Parley's, it tells a crowded machine from a slow loop.
   */
  mediaRunQueueWait(): number;
  rssBytes(): number;
  /** Datagrams the kernel dropped at its SIP UDP socket because the receive buffer was full. */
  sipSocketDrops(): number;
  /** The last lines it printed. */
  tail(): string;
  /** The bench caller, conference 700 and `rooms` more (701, 702, …), all without access code; applied. */
  provision(rooms: number): Promise<Array<{ id: string; extension: string }>>;
  stop(): Promise<void>;
}

async function startServe(): Promise<Serve> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-calls-'));
  const token = spawnSync(process.execPath, [MAIN, 'token', 'create', '--data', dataDir, '--name', 'bench'], {
    encoding: 'utf8',
  });
  if (token.status !== 0) throw new Error(`parley token create failed: ${token.stderr}`);
  const bearer = token.stdout.trim().split('\n').at(-1)!.trim();
  const httpPort = await freeTcpPort();
  const sipPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...NODE_ARGS,
      MAIN,
      'serve',
      '--data',
      dataDir,
      '--http',
      `${HOST}:${httpPort}`,
      '--sip',
      `${HOST}:${sipPort}`,
      '--domain',
      'bench.test',
      '--rtp-ports',
      quietRtpRange(),
      '--log-level',
      'warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let output = '';
  const keep = (d: Buffer) => {
    output = (output + d).slice(-20_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const base = `http://${HOST}:${httpPort}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`parley serve exited ${child.exitCode}:\n${output}`);
    if (
      await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 300) throw new Error(`parley serve did not answer /api/health:\n${output}`);
    await sleep(100);
  }
  const headers = { authorization: `Bearer ${bearer}` };
  const proc = (file: string) => readFileSync(`/proc/${child.pid}/${file}`, 'utf8');
  /** Its threads: the main one, media workers (Node names worker threads "WorkerThread"), others. */
  const threads = () => {
    const out: Array<{ tid: string; kind: 'main' | 'media' | 'other'; stat: string }> = [];
    for (const tid of readdirSync(`/proc/${child.pid}/task`)) {
      try {
        const stat = proc(`task/${tid}/stat`);
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const kind = Number(tid) === child.pid ? 'main' : name === 'WorkerThread' ? 'media' : 'other';
        out.push({ tid, kind, stat });
      } catch {
        // the thread ended meanwhile
      }
    }
    return out;
  };
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const r = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path} → ${r.status}: ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return {
    pid: child.pid!,
    sipPort,
    api,
    async metrics() {
      const text = await (await fetch(`${base}/metrics`, { headers })).text();
      const out = new Map<string, number>();
      for (const m of text.matchAll(/^([a-zA-Z0-9_:]+) (\S+)$/gm)) out.set(m[1]!, Number(m[2]));
      return out;
    },
    cpuSeconds: () => statCpu(proc('stat')),
    threadCpu() {
      const out = { main: 0, media: 0, other: 0 };
      for (const t of threads()) out[t.kind] += statCpu(t.stat);
      return out;
    },
    mediaRunQueueWait() {
      let ns = 0;
      let n = 0;
      for (const t of threads()) {
        if (t.kind !== 'media') continue;
        try {
          ns += Number(proc(`task/${t.tid}/schedstat`).split(' ')[1]);
          n++;
        } catch {
          // the thread ended meanwhile
        }
      }
      return ns / 1e9 / Math.max(1, n);
    },
    rssBytes() {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(proc('status'));
      return m ? Number(m[1]) * 1024 : 0;
    },
    sipSocketDrops() {
      // /proc/net/udp: "sl local_address rem_address st … drops", the local port in hex.
      const port = `:${sipPort.toString(16).toUpperCase().padStart(4, '0')}`;
      for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f[1]?.endsWith(port) && f[2] === '00000000:0000') return Number(f.at(-1));
      }
      return 0;
    },
    tail: () => output.split('\n').slice(-15).join('\n'),
    async provision(rooms) {
      await api('POST', '/api/users', USER);
      const out: Array<{ id: string; extension: string }> = [];
      for (let i = 0; i <= rooms; i++) {
        const extension = String(700 + i);
        const conference = { name: `Bench room ${i}`, extension, waitForAdmin: false };
        out.push({
          id: (await api<{ id: string }>('POST', '/api/conferences', conference)).id,
          extension,
        });
      }
      await api('POST', '/api/apply', {});
      return out;
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(t);
      }
      children.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// sipp

interface SippRun {
  ok: number;
  failed: number;
  created: number;
  /** What ended failed calls, from sipp's error log: e.g. "503" (a response it did not expect), "timeout". */
  failures: Map<string, number>;
  exitCode: number | null;
  stderr: string;
}

interface SippJob {
  scenario: string;
  /** The loopback address it sends from (its own source for Parley's per-source limit). */
  address: string;
  service: string;
  rate: number;
  limit: number;
  calls: number;
  /** Hard end, in seconds: sipp's own -timeout, then SIGKILL 5 s later. */
  timeoutSeconds: number;
}

/** The cumulative column of one counter on sipp's last statistics screen. */
function sippCounter(stdout: string, name: string): number {
  let last = 0;
  for (const m of stdout.matchAll(new RegExp(`^\\s*${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, 'gm')))
    last = Number(m[1]);
  return last;
}

/** Counts what aborted calls in a sipp error log: the unexpected status received, or a timeout. */
function failureCauses(file: string): Map<string, number> {
  const out = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
    rmSync(file, { force: true });
  } catch {
    return out;
  }
  for (const m of text.matchAll(
    /Aborting call on unexpected message[^']*'[^']*', received 'SIP\/2\.0 (\d{3})/g,
  ))
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  for (const _ of text.matchAll(/Aborting call on unexpected message[^']*'[^']*', received '(?!SIP\/2\.0)/g))
    out.set('unexpected request', (out.get('unexpected request') ?? 0) + 1);
  const timeouts = text.match(/[Tt]imeout/g)?.length ?? 0;
  if (timeouts) out.set('timeout', timeouts);
  return out;
}

/** "503 ×40, timeout ×2" */
function describeCauses(runs: SippRun[]): string {
  const all = new Map<string, number>();
  for (const r of runs) for (const [k, v] of r.failures) all.set(k, (all.get(k) ?? 0) + v);
  return [...all].map(([k, v]) => `${k} ×${v}`).join(', ');
}

/** Starts one sipp; resolves with its counters when it exits. */
async function runSipp(job: SippJob, serve: Serve, cwd: string): Promise<SippRun> {
  const errorFile = join(cwd, `errors-${job.address}-${Date.now()}.log`);
  const args = [
    '-nostdin',
    '-sf',
    join(SCENARIOS, job.scenario),
    '-i',
    job.address,
    '-mi',
    job.address,
    '-p',
    String(await freePort()),
    '-mp',
    String(await freeUdpPortRange(4)),
    '-cp',
    String(await freePort()),
    '-t',
    'u1',
    '-s',
    job.service,
    '-au',
    USER.extension,
    '-ap',
    USER.sipPassword,
    '-set',
    'user',
    USER.extension,
    // sipp's digest uri defaults to the host alone; Parley checks it against the Request-URI (§22.4).
    '-auth_uri',
    `${job.service}@${HOST}:${serve.sipPort}`,
    '-r',
    String(job.rate),
    '-l',
    String(job.limit),
    '-m',
    String(job.calls),
    '-timeout',
    `${job.timeoutSeconds}s`,
    '-timeout_error',
    '-trace_err',
    '-error_file',
    errorFile,
    '-max_recv_loops',
    '10000',
    `${HOST}:${serve.sipPort}`,
  ];
  const child = spawn(sippPath()!, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  if (child.pid) sipps.add(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    // Only the last screen matters; keep enough of it.
    stdout = (stdout + d).slice(-30_000);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-5_000);
  });
  const deadline = setTimeout(() => child.kill('SIGKILL'), (job.timeoutSeconds + 5) * 1000);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(deadline);
      children.delete(child);
      if (child.pid) sipps.delete(child.pid);
      resolve({
        ok: sippCounter(stdout, 'Successful call'),
        failed: sippCounter(stdout, 'Failed call'),
        created: sippCounter(stdout, 'Total Calls created'),
        failures: failureCauses(errorFile),
        exitCode: code,
        stderr,
      });
    });
  });
}

/** The RTP payloads of sip-tester's A-law capture, as a raw file sipp's rtp_stream loops. */
function writeLoopAudio(dir: string): void {
  const pcap = readFileSync(PCAP);
  const chunks: Buffer[] = [];
  // libpcap file: 24-byte global header, then 16-byte record headers; Ethernet + IPv4 + UDP + RTP.
  for (let off = 24; off + 16 <= pcap.length; ) {
    const length = pcap.readUInt32LE(off + 8);
    const frame = pcap.subarray(off + 16, off + 16 + length);
    off += 16 + length;
    const ip = 14;
    if (frame.length < ip + 20 || frame[12] !== 0x08 || frame[13] !== 0x00) continue;
    const udp = ip + (frame[ip]! & 0x0f) * 4;
    const rtp = udp + 8;
    if (frame.length < rtp + 12 || (frame[rtp + 1]! & 0x7f) !== 8) continue;
    chunks.push(frame.subarray(rtp + 12 + (frame[rtp]! & 0x0f) * 4));
  }
  if (chunks.length === 0) throw new Error(`no PCMA packets in ${PCAP}`);
  writeFileSync(join(dir, 'g711a-loop.al'), Buffer.concat(chunks));
}

// ---------------------------------------------------------------------------------------------------
// 1. call setups

interface SetupStep {
  offered: number;
  ok: number;
  failed: number;
  seconds: number;
  cpuSeconds: number;
  threads: { main: number; media: number; other: number };
  /** Callers in the room, averaged over the step, and the most seen at once. */
  roomMean: number;
  roomMax: number;
  /** What ended the failed calls, as sipp saw it. */
  causes: string;
  /** SIP datagrams lost in Parley's full socket receive buffer. */
  sipDrops: number;
  perSecond: number;
  perCpuSecond: number;
}

async function setupStep(serve: Serve, rate: number, roomId: string, cwd: string): Promise<SetupStep> {
  const sources = Math.ceil(rate / CALLS_PER_SOURCE);
  const each = rate / sources;
  const cpu0 = serve.cpuSeconds();
  const threads0 = serve.threadCpu();
  const drops0 = serve.sipSocketDrops();
  const t0 = performance.now();
  // How many callers are in the room at a time (each join and leave plays a tone to every other member).
  const roomSizes: number[] = [];
  let running = true;
  const sampling = (async () => {
    while (running) {
      await sleep(500);
      const members = await serve.api<unknown[]>('GET', `/api/conferences/${roomId}/participants`);
      if (running) roomSizes.push(members.length);
    }
  })();
  const runs = await Promise.all(
    Array.from({ length: sources }, (_, i) =>
      runSipp(
        {
          scenario: 'uac-auth-call.xml',
          address: `127.0.0.${2 + i}`,
          service: '700',
          rate: Number(each.toFixed(2)),
          limit: Math.ceil(each),
          calls: Math.round(each * SETUP_SECONDS),
          timeoutSeconds: SETUP_SECONDS + 8,
        },
        serve,
        cwd,
      ),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = serve.cpuSeconds() - cpu0;
  const threads1 = serve.threadCpu();
  running = false;
  await sampling;
  const sipDrops = serve.sipSocketDrops() - drops0;
  const ok = runs.reduce((a, r) => a + r.ok, 0);
  // Calls sipp started but did not see through (failed, or cut off by its timeout) count as failed.
  const failed = runs.reduce((a, r) => a + Math.max(r.failed, r.created - r.ok), 0);
  if (ok === 0) console.log(runs[0]?.stderr.slice(-2000));
  return {
    offered: rate,
    ok,
    failed,
    seconds,
    cpuSeconds,
    threads: {
      main: threads1.main - threads0.main,
      media: threads1.media - threads0.media,
      other: threads1.other - threads0.other,
    },
    roomMean: roomSizes.reduce((a, b) => a + b, 0) / Math.max(1, roomSizes.length),
    roomMax: Math.max(0, ...roomSizes),
    causes: describeCauses(runs),
    sipDrops,
    perSecond: ok / seconds,
    perCpuSecond: ok / Math.max(0.01, cpuSeconds),
  };
}

// ---------------------------------------------------------------------------------------------------
// 2. participants held

interface HoldStep {
  participants: number;
  established: number;
  failed: number;
  causes: string;
  latePct: number;
  concealedPct: number;
  lateTickPct: number;
  /** Media clock lateness p99 of a typical second (median over the window) and of the worst second. */
  tickP99Ms: number;
  tickP99WorstMs: number;
  latePackets: number;
  concealedFrames: number;
  /** CPU of the load generator (all sipp processes), % of one core. */
  sippCpuPct: number;
  cpuPct: number;
  mediaCpuPct: number;
  /** Per media worker thread: ms per second it was runnable but waited for a CPU. */
  mediaWaitMsPerSecond: number;
  bytesPerParticipant: number;
  packetsPerSecond: number;
}

async function holdStep(
  serve: Serve,
  n: number,
  rooms: Array<{ id: string; extension: string }>,
  cwd: string,
): Promise<HoldStep> {
  const roomCount = Math.ceil(n / ROOM_SIZE);
  const used = rooms.slice(0, roomCount);
  const rateEach = 40;
  const rampSeconds = ROOM_SIZE / rateEach;
  const settleSeconds = 4;
  const rssBefore = serve.rssBytes();
  const jobs = used.map((room, i) =>
    runSipp(
      {
        scenario: 'uac-auth-participant.xml',
        address: `127.0.0.${2 + i}`,
        service: room.extension,
        rate: rateEach,
        limit: ROOM_SIZE,
        calls: Math.min(ROOM_SIZE, n - i * ROOM_SIZE),
        timeoutSeconds: Math.ceil(rampSeconds + settleSeconds + WINDOW_SECONDS) + 60,
      },
      serve,
      cwd,
    ),
  );
  const members = async () => {
    const out: Array<{ room: string; id: string }> = [];
    for (const room of used)
      for (const p of await serve.api<Array<{ id: string }>>(
        'GET',
        `/api/conferences/${room.id}/participants`,
      ))
        out.push({ room: room.id, id: p.id });
    return out;
  };
  // Everyone in: count room members through the API.
  let established = 0;
  const waitUntil = performance.now() + (rampSeconds + 30) * 1000;
  while (performance.now() < waitUntil) {
    established = (await members()).length;
    if (established >= n) break;
    await sleep(500);
  }
  // Past the "entering" prompt and the join tones; then a window of media figures.
  await sleep(settleSeconds * 1000);
  const m0 = await serve.metrics();
  const cpu0 = serve.cpuSeconds();
  const media0 = serve.threadCpu().media;
  const wait0 = serve.mediaRunQueueWait();
  const sippCpu0 = sippCpuSeconds();
  const t0 = performance.now();
  // The p99 gauge covers the last second: read it every second of the window.
  const p99s: number[] = [];
  while (performance.now() - t0 < WINDOW_SECONDS * 1000) {
    await sleep(1000);
    p99s.push((await serve.metrics()).get('parley_media_tick_lateness_p99_ms') ?? 0);
  }
  const sippCpu1 = sippCpuSeconds();
  const m1 = await serve.metrics();
  const cpu1 = serve.cpuSeconds();
  const media1 = serve.threadCpu().media;
  const wait1 = serve.mediaRunQueueWait();
  const seconds = (performance.now() - t0) / 1000;
  const rss = serve.rssBytes();
  const present = await members();
  // Parley hangs everyone up; each sipp call answers the BYE and ends.
  for (const p of present)
    await serve.api('DELETE', `/api/conferences/${p.room}/participants/${p.id}`).catch(() => {});
  const runs = await Promise.all(jobs);
  const delta = (name: string) => (m1.get(name) ?? 0) - (m0.get(name) ?? 0);
  const played = delta('parley_media_frames_played');
  const concealed = delta('parley_media_frames_concealed');
  const ticks = delta('parley_media_ticks_total');
  const lateTicks = delta('parley_media_late_ticks_total');
  const concealedPct = (100 * concealed) / Math.max(1, played + concealed);
  const lateTickPct = (100 * lateTicks) / Math.max(1, ticks);
  return {
    participants: n,
    established: Math.min(established, present.length),
    failed: runs.reduce((a, r) => a + r.failed, 0),
    causes: describeCauses(runs),
    latePct: concealedPct + lateTickPct,
    concealedPct,
    lateTickPct,
    tickP99Ms: p99s.sort((a, b) => a - b)[Math.floor(p99s.length / 2)] ?? 0,
    tickP99WorstMs: p99s.at(-1) ?? 0,
    latePackets: delta('parley_media_packets_late'),
    concealedFrames: concealed,
    sippCpuPct: (100 * (sippCpu1 - sippCpu0)) / seconds,
    cpuPct: (100 * (cpu1 - cpu0)) / seconds,
    mediaCpuPct: (100 * (media1 - media0)) / seconds,
    mediaWaitMsPerSecond:
      (1000 * (wait1 - wait0)) / seconds / Math.max(1, m1.get('parley_media_workers') ?? 2),
    bytesPerParticipant: Math.max(0, rss - rssBefore) / Math.max(1, present.length),
    packetsPerSecond: delta('parley_media_packets_received') / seconds,
  };
}

// ---------------------------------------------------------------------------------------------------

const pct = (x: number) => `${x.toFixed(3)} %`;

/** The setup ramp on its own `parley serve`; what is left open afterwards is reported (leak check). */
async function setupPhase(cwd: string): Promise<{ steps: SetupStep[]; best: SetupStep | undefined }> {
  const serve = await startServe();
  try {
    const [room] = await serve.provision(0);
    console.log('\ncall setups (INVITE → 407 → INVITE with digest → 200 → ACK → BYE, room without code)');
    const steps: SetupStep[] = [];
    for (const rate of SETUP_RATES) {
      const s = await setupStep(serve, rate, room!.id, cwd);
      steps.push(s);
      console.log(
        `  offered ${String(rate).padStart(5)}/s: ${String(s.ok).padStart(6)} ok, ${s.failed} failed in ` +
          `${s.seconds.toFixed(1)} s → ${s.perSecond.toFixed(0)}/s; parley CPU ${s.cpuSeconds.toFixed(1)} s → ` +
          `${s.perCpuSecond.toFixed(0)} setups per CPU second`,
      );
      console.log(
        `      CPU by thread: main ${s.threads.main.toFixed(1)} s, media workers ${s.threads.media.toFixed(1)} s, ` +
          `other ${s.threads.other.toFixed(1)} s (GC, libuv pool); callers in the room ` +
          `${s.roomMean.toFixed(0)} on average, ${s.roomMax} at most`,
      );
      if (s.causes) console.log(`      failed calls ended by: ${s.causes}`);
      if (s.sipDrops > 0)
        console.log(
          `      ! ${s.sipDrops} SIP datagrams dropped by the kernel: Parley's socket buffer was full`,
        );
      if (failRatio(s) > 0.01 || s.perSecond < 0.85 * rate) break;
    }
    const good = steps.filter((s) => failRatio(s) <= 0.01);
    const best = good.length ? good.reduce((a, b) => (b.perSecond > a.perSecond ? b : a)) : undefined;
    console.log(
      best
        ? `  → ${best.perSecond.toFixed(0)} setups/s wall, ${best.perCpuSecond.toFixed(0)} per CPU second (per core)`
        : '  → no step without failures',
    );
    // Every call is over: its RTP session and its place in the room must be gone too.
    const drainStart = performance.now();
    const left = async () => ({
      sessions: (await serve.metrics()).get('parley_media_sessions') ?? 0,
      members: (await serve.api<unknown[]>('GET', `/api/conferences/${room!.id}/participants`)).length,
    });
    let now = await left();
    const trail: string[] = [];
    while ((now.sessions > 0 || now.members > 0) && performance.now() - drainStart < DRAIN_SECONDS * 1000) {
      trail.push(`${((performance.now() - drainStart) / 1000).toFixed(0)} s: ${now.sessions}/${now.members}`);
      await sleep(1000);
      now = await left();
    }
    if (trail.length > 1)
      console.log(`  ! after the last call, RTP sessions/room members still open: ${trail.join(', ')}`);
    if (now.sessions > 0 || now.members > 0)
      console.log(
        `  ! ${now.sessions} RTP sessions and ${now.members} room members left ${DRAIN_SECONDS} s after the last call`,
      );
    return { steps, best };
  } finally {
    await serve.stop();
  }
}

const failRatio = (s: SetupStep) => s.failed / Math.max(1, s.ok + s.failed);

/** The participants ramp on a fresh `parley serve`. */
async function holdPhase(cwd: string): Promise<{ steps: HoldStep[]; held: HoldStep | undefined }> {
  const serve = await startServe();
  try {
    const rooms = (await serve.provision(Math.ceil(Math.max(0, ...PARTICIPANTS) / ROOM_SIZE))).slice(1);
    console.log(`\nparticipants held (rooms of ${ROOM_SIZE}, A-law loop each, window ${WINDOW_SECONDS} s)`);
    const steps: HoldStep[] = [];
    for (const n of PARTICIPANTS) {
      const h = await holdStep(serve, n, rooms, cwd);
      steps.push(h);
      console.log(
        `  ${String(n).padStart(5)}: ${h.established} in rooms, ${h.failed} failed; late or concealed ` +
          `${pct(h.latePct)} (concealed ${pct(h.concealedPct)}, late ticks ${pct(h.lateTickPct)}, ` +
          `tick p99 ${h.tickP99Ms.toFixed(1)} ms, worst second ${h.tickP99WorstMs.toFixed(1)} ms); ` +
          `${h.packetsPerSecond.toFixed(0)} packets/s in; ` +
          `parley CPU ${h.cpuPct.toFixed(0)} %; ${(h.bytesPerParticipant / 1024).toFixed(0)} KiB per participant`,
      );
      console.log(
        `      media workers: CPU ${h.mediaCpuPct.toFixed(0)} %, each waited for a CPU ` +
          `${h.mediaWaitMsPerSecond.toFixed(0)} ms per second (machine contention); ` +
          `${h.concealedFrames} frames concealed, ${h.latePackets} packets came after their play-out; ` +
          `sipp CPU ${h.sippCpuPct.toFixed(0)} %`,
      );
      if (h.causes) console.log(`      failed calls ended by: ${h.causes}`);
      if (h.established < n || h.failed > 0) break;
      await sleep(2000);
    }
    const held = steps.filter((h) => h.latePct < LATE_LIMIT_PCT && h.established >= h.participants).at(-1);
    console.log(
      held
        ? `  → ${held.participants} participants held at < ${LATE_LIMIT_PCT} % late frames`
        : `  → no step held below ${LATE_LIMIT_PCT} % late frames`,
    );
    return { steps, held };
  } finally {
    await serve.stop();
  }
}

export default async function main(): Promise<void> {
  if (!sippPath()) {
    console.log('sipp is not installed: nothing measured');
    console.log(JSON.stringify({ bench: 'calls', skipped: 'sipp missing' }));
    return;
  }
  const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`machine load average (1/5/15 min): ${load()}`);
  const cwd = mkdtempSync(join(tmpdir(), 'parley-bench-sipp-'));
  try {
    writeLoopAudio(cwd);
    const setups = SETUP_RATES.length ? await setupPhase(cwd) : { steps: [], best: undefined };
    const holds = PARTICIPANTS.length ? await holdPhase(cwd) : { steps: [], held: undefined };
    const { best } = setups;
    const { held } = holds;
    console.log(`machine load average (1/5/15 min): ${load()}`);
    console.log(
      JSON.stringify({
        bench: 'calls',
        setupsPerSecPerCore: best ? Math.round(best.perCpuSecond) : null,
        setupsPerSec: best ? Math.round(best.perSecond) : null,
        participantsHeld: held?.participants ?? 0,
        lateFramePct: held ? Number(held.latePct.toFixed(4)) : null,
        cpuPctAtHeld: held ? Math.round(held.cpuPct) : null,
        bytesPerParticipant: held ? Math.round(held.bytesPerParticipant) : null,
        setupSteps: setups.steps.map((s) => ({
          offered: s.offered,
          ok: s.ok,
          failed: s.failed,
          perSec: Math.round(s.perSecond),
          perCpuSec: Math.round(s.perCpuSecond),
        })),
        holdSteps: holds.steps.map((h) => ({
          participants: h.participants,
          established: h.established,
          latePct: Number(h.latePct.toFixed(4)),
          concealedPct: Number(h.concealedPct.toFixed(4)),
          lateTickPct: Number(h.lateTickPct.toFixed(4)),
          cpuPct: Math.round(h.cpuPct),
          mediaWaitMsPerSec: Math.round(h.mediaWaitMsPerSecond),
        })),
        loadAverage: load(),
      }),
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
