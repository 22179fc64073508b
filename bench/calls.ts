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
 *    through the API (Parley sends the BYEs). N goes through every step unless calls fail: "held" is the
 *    largest N under 0.1 % late, "carried" the largest N everyone got in and stayed (on a crowded machine
 *    the lateness is mostly the machine's: the media workers' run-queue wait is printed beside it).
 *
 * Environment: BENCH_SETUP_RATES (default "250,500,750,1000"), BENCH_SETUP_SECONDS (12),
 * BENCH_PARTICIPANTS ("100,250,500,750"), BENCH_ROOM_SIZE (50), BENCH_WINDOW_SECONDS (12),
 * BENCH_DRAIN_SECONDS (5), BENCH_SERVE_NODE_ARGS (Node flags for `parley serve`). Needs sipp (Debian sip-tester).
 * Last line: one JSON object with the figures.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sippPath } from '../test/interop/helpers/sipp.ts';
import { type Serve, startServe } from './calls/parley-serve.ts';
import { describeCauses, runSipp, sippCpuSeconds, writeLoopAudio } from './calls/sipp-load.ts';

const USER = { name: 'Bench caller', extension: '201', sipPassword: 'bench-secret-201' };
/** Parley's per-source limit is 500 messages/s; a call sends 5, so stay well under 100 calls/s. */
const CALLS_PER_SOURCE = 80;
const LATE_LIMIT_PCT = 0.1;

const env = (name: string, fallback: string) => process.env[name] ?? fallback;
const list = (s: string) =>
  s
    .split(',')
    .map(Number)
    .filter((n) => n > 0);
/** Callers per room in the participants phase (each sipp process fills one room). */
const ROOM_SIZE = Number(env('BENCH_ROOM_SIZE', '50'));
const SETUP_RATES = list(env('BENCH_SETUP_RATES', '250,500,750,1000'));
const SETUP_SECONDS = Number(env('BENCH_SETUP_SECONDS', '12'));
const PARTICIPANTS = list(env('BENCH_PARTICIPANTS', '100,250,500,750'));
const WINDOW_SECONDS = Number(env('BENCH_WINDOW_SECONDS', '12'));
/** How long the setup phase waits for every RTP session to close once the last call is over. */
const DRAIN_SECONDS = Number(env('BENCH_DRAIN_SECONDS', '5'));
/** Extra Node flags for `parley serve`, e.g. "--cpu-prof --cpu-prof-dir=DIR" to see where its time goes. */
const NODE_ARGS = env('BENCH_SERVE_NODE_ARGS', '').split(' ').filter(Boolean);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
          sipPort: serve.sipPort,
          user: USER,
        },
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
  /** CPU of parley serve per participant while they came in (setup, prompts, join tones), ms. */
  joinCpuMs: number;
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
  const joinCpu0 = serve.cpuSeconds();
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
        sipPort: serve.sipPort,
        user: USER,
      },
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
  // Everything it took to let them in: setups, prompts, and the join tone each newcomer plays to the others.
  const joinCpuMs = (1000 * (serve.cpuSeconds() - joinCpu0)) / Math.max(1, established);
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
    joinCpuMs,
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
  const serve = await startServe(USER, NODE_ARGS);
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

const perMediaCore = (h: HoldStep) => (100 * h.participants) / Math.max(1, h.mediaCpuPct);

const failRatio = (s: SetupStep) => s.failed / Math.max(1, s.ok + s.failed);

/** The participants ramp on a fresh `parley serve`. */
async function holdPhase(
  cwd: string,
): Promise<{ steps: HoldStep[]; held: HoldStep | undefined; carried: HoldStep | undefined }> {
  const serve = await startServe(USER, NODE_ARGS);
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
          `sipp CPU ${h.sippCpuPct.toFixed(0)} %; joining cost ${h.joinCpuMs.toFixed(1)} ms CPU per participant`,
      );
      if (h.causes) console.log(`      failed calls ended by: ${h.causes}`);
      if (h.established < n || h.failed > 0) break;
      await sleep(2000);
    }
    const held = steps.filter((h) => h.latePct < LATE_LIMIT_PCT && h.established >= h.participants).at(-1);
    // The largest step everyone got in and stayed, whatever the lateness (on a crowded machine the
    // lateness is mostly the machine's): its media CPU gives what one core carries.
    const carried = steps.filter((h) => h.established >= h.participants && h.failed === 0).at(-1);
    console.log(
      held
        ? `  → ${held.participants} participants held at < ${LATE_LIMIT_PCT} % late frames`
        : `  → no step held below ${LATE_LIMIT_PCT} % late frames`,
    );
    if (carried)
      console.log(
        `  → ${carried.participants} carried (${pct(carried.latePct)} late) on ${carried.mediaCpuPct.toFixed(0)} % ` +
          `of a core in the media workers: ≈ ${perMediaCore(carried).toFixed(0)} participants per media core`,
      );
    return { steps, held, carried };
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
    const holds = PARTICIPANTS.length
      ? await holdPhase(cwd)
      : { steps: [], held: undefined, carried: undefined };
    const { best } = setups;
    const { held, carried } = holds;
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
        participantsCarried: carried?.participants ?? 0,
        lateFramePctAtCarried: carried ? Number(carried.latePct.toFixed(4)) : null,
        cpuPctAtCarried: carried ? Math.round(carried.cpuPct) : null,
        bytesPerParticipantAtCarried: carried ? Math.round(carried.bytesPerParticipant) : null,
        participantsPerMediaCore: carried ? Math.round(perMediaCore(carried)) : null,
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
          joinCpuMs: Number(h.joinCpuMs.toFixed(2)),
        })),
        loadAverage: load(),
      }),
    );
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}
