/**
 * `npm run bench -- mixer`: how many G.711 conference participants one media worker (one core) holds.
 *
 * Participants are simulated by child processes (separate from the server process) over real loopback
 * UDP: each has its own socket, sends a 20 ms PCMU tone packet every tick (everyone talking, the worst
 * case: every member is summed and gets its own encoding) and receives its mix. The server is a
 * MediaEngine with ONE worker thread. Phases:
 *   1. one room of 500;
 *   2. rooms of 10, ramping up the participant count until late or concealed frames exceed 0.1 %;
 *   3. the raw limit: a plain UDP echo (one worker thread, same sockets count, same packet rate) through
 *      Node's dgram and, when the native UDP addon is built (the media workers then use it), through it.
 * Per step: worker thread utilisation (event-loop utilisation, i.e. CPU of that thread), clock lateness
 * p50/p99/p99.9, concealed frames (server jitter buffers), late ticks, packets lost on the way back
 * (sequence gaps seen by the participants), and where the worker's time goes per member per tick (media
 * work, sending the tick's batch, reading and the rest). Capacity per core = participants / utilisation at
 * the largest step that met the 0.1 % bar. Memory per participant = growth of the worker's heap and buffers
 * (after GC) and of the process RSS, divided by participants.
 *
 * The participant processes own their sockets through the native UDP addon when it is built (and
 * `PARLEY_NATIVE_UDP` is not `0`): every ready socket drained once per tick, the tick's packets sent in
 * one call, ~3.5 µs of CPU per packet sent or received (nearly all of it the kernel's sendto/recvmmsg on
 * loopback); otherwise through Node's dgram (~5–7 µs per packet, which at 1,000+ participants takes most
 * of a core of a 2-vCPU machine from the worker under test). Their CPU is printed per step. Their
 * sockets are connected to their media port (`PARLEY_MIXER_LOAD_CONNECT=0` leaves them unconnected): on
 * loopback the kernel's receive work for a participant's packet runs inside the worker's send and is
 * charged to the worker, and a connected socket is found without a route or wildcard lookup (~10 % of
 * the worker's CPU at 1,000 participants); on a real network that work runs on the phone.
 *
 * Options: `--max N` (ramp ceiling, default 3000), `--step N` (default 500), `--window S` (seconds
 * measured per step, default 10: 500 ticks, so the p99 of the clock's lateness is its fifth-worst tick rather
 * than its second-worst of 150; p99.9 needs 1,000 and prints the worst), `--load dgram` (participant
 * processes on dgram even with the addon). Each step also prints how many ticks it measured and the share of
 * them more than 2 ms late, the figure the p99 target is about.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { MediaEngine } from '../src/media/engine.ts';
import { nativeDatagramsAvailable } from '../src/media/session/datagram-socket.ts';
import { nativeSendPath } from '../src/media/session/native-udp.ts';
import type { WorkerStats } from '../src/media/worker/messages.ts';
import type { LoadCommand, LoadPath, LoadReport } from './mixer/load-generator.ts';

/** The native UDP addon's file, for the echo worker (which loads it as CommonJS). */
const NATIVE_ADDON_FILE = fileURLToPath(new URL('../native/build/Release/parley_udp.node', import.meta.url));

const CHILDREN = 2;

// ---------------------------------------------------------------------------------------------------------
// The benchmark (parent process).

class Load {
  readonly child: ChildProcess;
  #queue: ((m: unknown) => void)[] = [];

  /** `dgram` forces Node's dgram; otherwise the native path when the addon is there. */
  constructor(path: LoadPath) {
    this.child = fork(fileURLToPath(new URL('./mixer/load-generator.ts', import.meta.url)), [], {
      env: { ...process.env, PARLEY_MIXER_BENCH_ROLE: 'load', PARLEY_MIXER_LOAD_PATH: path },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child.on('message', (m) => this.#queue.shift()?.(m));
  }

  ask<T>(cmd: LoadCommand): Promise<T> {
    return new Promise((resolve) => {
      this.#queue.push(resolve as (m: unknown) => void);
      this.child.send(cmd);
    });
  }
}

interface StepResult {
  participants: number;
  rooms: number;
  /** CPU time of the media worker thread per wall time (1 = one core busy). */
  cpu: number;
  /** Participants (50 frames/s in and out) one core would carry at this step's CPU cost per frame. */
  perCore: number;
  packetsInPerSecond: number;
  utilization: number;
  tickLoad: number;
  /** Share of wall time the worker spent sending its ticks' packets (part of `tickLoad`). */
  sendLoad: number;
  lateP50: number;
  lateP99: number;
  lateP999: number;
  /** Ticks the lateness figures rest on, and the share of them more than 2 ms late. */
  ticks: number;
  over2msShare: number;
  concealed: number;
  lateTicks: number;
  returnLoss: number;
  bad: number;
  loadSendP99: number;
  loadSkipped: number;
  /** CPU of the load processes together (1 = one core) and per packet they sent or received, µs. */
  loadCpu: number;
  loadUsPerPacket: number;
}

/** The load processes' CPU: share of a core (summed) and µs per packet sent or received. */
function loadCpu(reports: LoadReport[]): { loadCpu: number; loadUsPerPacket: number } {
  const cpuMs = reports.reduce((a, r) => a + r.cpuMs, 0);
  const packets = reports.reduce((a, r) => a + r.sent + r.received, 0);
  return {
    loadCpu: reports.reduce((a, r) => a + r.cpuMs / Math.max(1, r.wallMs), 0),
    loadUsPerPacket: (cpuMs * 1000) / Math.max(1, packets),
  };
}

function loadLine(l: { loadCpu: number; loadUsPerPacket: number }): string {
  return `load generator CPU ${(l.loadCpu * 100).toFixed(1)}% of a core, ${l.loadUsPerPacket.toFixed(2)} µs per packet`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function arg(name: string, fallback: number, args: string[]): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? Number(args[i + 1]) : fallback;
}

async function measure(
  engine: MediaEngine,
  loads: Load[],
  participants: number,
  rooms: number,
  windowMs: number,
): Promise<StepResult> {
  await sleep(1000); // warm-up: latching, jitter buffers filled, JIT
  const before = (await engine.stats({ resetClock: true })).workers[0]!;
  const t0 = performance.now();
  await Promise.all(loads.map((l) => l.ask({ cmd: 'window' })));
  await sleep(windowMs);
  const after = (await engine.stats({ resetClock: true })).workers[0]!;
  const seconds = (performance.now() - t0) / 1000;
  const reports = await Promise.all(loads.map((l) => l.ask<LoadReport>({ cmd: 'report' })));
  return summarise(before, after, reports, participants, rooms, seconds);
}

function summarise(
  before: WorkerStats,
  after: WorkerStats,
  reports: LoadReport[],
  participants: number,
  rooms: number,
  seconds: number,
): StepResult {
  const played = after.totals.framesPlayed - before.totals.framesPlayed;
  const concealedFrames = after.totals.framesConcealed - before.totals.framesConcealed;
  const ticks = after.clock.lateness.count + after.clock.skipped;
  const lateTicks = after.clock.caughtUp + after.clock.skipped;
  const received = reports.reduce((a, r) => a + r.received, 0);
  const lost = reports.reduce((a, r) => a + r.lost, 0);
  const concealed = concealedFrames / Math.max(1, played + concealedFrames);
  const late = lateTicks / Math.max(1, ticks);
  const returnLoss = lost / Math.max(1, received + lost);
  // Work actually done: member-frames mixed (ticks that ran × members) and packets taken in. On a crowded
  // machine both the load processes and the worker fall behind, so capacity is the work rate per CPU.
  const memberFrames = after.clock.lateness.count * participants;
  const packetsIn = after.totals.packetsReceived - before.totals.packetsReceived;
  const workParticipants = Math.min(memberFrames, packetsIn) / seconds / 50;
  return {
    perCore: workParticipants / Math.max(0.001, after.cpu),
    packetsInPerSecond: packetsIn / seconds,
    participants,
    rooms,
    cpu: after.cpu,
    utilization: after.utilization,
    tickLoad: after.tickLoad,
    sendLoad: after.sendLoad,
    lateP50: after.clock.lateness.p50,
    lateP99: after.clock.lateness.p99,
    lateP999: after.clock.lateness.p999,
    ticks: after.clock.lateness.count,
    over2msShare: after.clock.lateness.over2ms / Math.max(1, after.clock.lateness.count),
    concealed,
    lateTicks: late,
    returnLoss,
    bad: concealed + late + returnLoss,
    loadSendP99: Math.max(...reports.map((r) => r.sendLateP99)),
    loadSkipped: reports.reduce((a, r) => a + r.ticksSkipped, 0),
    ...loadCpu(reports),
  };
}

/**
 * Where the worker's time goes, per member per tick: the ticks' media work (pull, mix, encode), sending the
 * ticks' packets (the kernel's sendto, which on loopback also delivers into the participant's socket), and
 * the rest of its busy time, nearly all reading and handing over the packets received.
 */
function perMember(r: StepResult): string {
  const us = (share: number) => ((share * 20_000) / Math.max(1, r.participants)).toFixed(2);
  return `${us(r.tickLoad - r.sendLoad)} µs media, ${us(r.sendLoad)} µs send, ${us(Math.max(0, r.utilization - r.tickLoad))} µs receive and rest`;
}

function line(r: StepResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
  return (
    `${String(r.participants).padStart(5)} participants in ${String(r.rooms).padStart(3)} rooms: ` +
    `worker thread CPU ${(r.cpu * 100).toFixed(1)}% (busy ${(r.utilization * 100).toFixed(0)}%, ticks ${(r.tickLoad * 100).toFixed(1)}%), ` +
    `clock late p50/p99/p99.9 ${r.lateP50.toFixed(2)}/${r.lateP99.toFixed(2)}/${r.lateP999.toFixed(2)} ms ` +
    `(${r.ticks} ticks, ${pct(r.over2msShare)} over 2 ms), ` +
    `concealed ${pct(r.concealed)}, late ticks ${pct(r.lateTicks)}, lost back ${pct(r.returnLoss)}, ` +
    `${Math.round(r.packetsInPerSecond)} packets/s in → ${Math.round(r.perCore)} per core; ` +
    `per member per tick ${perMember(r)}` +
    `  [${loadLine(r)}, send p99 ${r.loadSendP99.toFixed(1)} ms, late ticks ${r.loadSkipped}]`
  );
}

/** Adds `count` participants in rooms of `roomSize` (new rooms), split over the load processes. */
async function addParticipants(
  engine: MediaEngine,
  loads: Load[],
  count: number,
  roomSize: number,
  roomPrefix: string,
): Promise<number> {
  // Everything in parallel: the worker answers requests between ticks, so round trips add up otherwise.
  const roomIds: string[] = [];
  for (let made = 0; made < count; made += roomSize) roomIds.push(`${roomPrefix}-${made}`);
  const perRoom = await Promise.all(
    roomIds.map(async (room, r) => {
      await engine.createRoom(room);
      const n = Math.min(roomSize, count - r * roomSize);
      return Promise.all(
        Array.from({ length: n }, async () => {
          const s = await engine.createSession({
            localAddress: '127.0.0.1',
            codec: { name: 'PCMU', payloadType: 0, clockRate: 8000 },
            rtpTimeoutMs: 0,
            room,
          });
          await engine.join(room, s.id);
          return s.localPort;
        }),
      );
    }),
  );
  const ports = perRoom.flat();
  const rooms = roomIds.length;
  const per = Math.ceil(ports.length / loads.length);
  await Promise.all(loads.map((l, i) => l.ask({ cmd: 'add', targets: ports.slice(i * per, (i + 1) * per) })));
  return rooms;
}

/** The worker's memory after the garbage of closed sessions and in-flight packets is really gone. */
async function settledMemory(engine: MediaEngine): Promise<WorkerStats> {
  await sleep(300);
  await engine.stats({ collectGarbage: true });
  return (await engine.stats({ collectGarbage: true })).workers[0]!;
}

/**
 * The raw limit: one worker thread echoing every packet back on the socket it came in on, through Node's
 * dgram, or (`addon` given) through the native batched path the media workers use when it is built (one
 * drain of every ready socket, the echoes sent in one call): the floor under the mixer's own I/O.
 */
async function udpEcho(loads: Load[], participants: number, windowMs: number, addon?: string) {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const { createSocket } = require('node:dgram');
    const { performance } = require('node:perf_hooks');
    const sockets = [];
    let echoed = 0;
    let cpu = process.threadCpuUsage();
    let at = performance.now();
    parentPort.on('message', async (m) => {
      if (m.cmd === 'open' && m.addon) {
        const native = require(m.addon);
        // The same send path as the media worker's (io_uring unless PARLEY_IO_URING=0).
        if (process.env.PARLEY_IO_URING === '0') native.ioUring(false);
        const fds = [];
        const slab = new Uint8Array(256 * 1024);
        const w = native.recordWords;
        const recs = new Int32Array(w * 1024);
        const out = new Int32Array(w * 1024);
        native.onReadable(() => {
          for (let round = 0; round < 4; round++) {
            const n = native.drain(slab, 0, recs);
            for (let i = 0; i < n * w; i += w) {
              for (let k = 1; k < w; k++) out[i + k] = recs[i + k];
              out[i] = fds[recs[i]];
            }
            if (n > 0) native.sendBatch(n, slab, out);
            echoed += n;
            if (n < 1024) break;
          }
        });
        const ports = [];
        for (let i = 0; i < m.count; i++) {
          const fd = native.open('127.0.0.1', 0, 0);
          fds.push(fd);
          native.watch(fd, i);
          ports.push(native.localPort(fd));
        }
        sockets.push({ close: () => { for (const fd of fds) native.close(fd); } });
        parentPort.postMessage(ports);
      } else if (m.cmd === 'open') {
        const ports = await Promise.all(Array.from({ length: m.count }, () => new Promise((resolve) => {
          const s = createSocket('udp4');
          s.on('message', (msg, r) => { echoed++; s.send(msg, r.port, r.address); });
          s.bind(0, '127.0.0.1', () => resolve(s.address().port));
          sockets.push(s);
        })));
        parentPort.postMessage(ports);
      } else if (m.cmd === 'cpu') {
        const now = process.threadCpuUsage();
        const t = performance.now();
        parentPort.postMessage({ cpu: (now.user - cpu.user + now.system - cpu.system) / 1000 / (t - at), pps: echoed / ((t - at) / 1000) });
        echoed = 0;
        cpu = now;
        at = t;
      } else if (m.cmd === 'close') {
        for (const s of sockets) s.close();
        parentPort.postMessage(0);
      }
    });`,
    { eval: true },
  );
  const ask = <T>(m: unknown) =>
    new Promise<T>((resolve) => {
      worker.once('message', resolve);
      worker.postMessage(m);
    });
  const ports = await ask<number[]>({ cmd: 'open', count: participants, addon });
  const per = Math.ceil(ports.length / loads.length);
  await Promise.all(loads.map((l, i) => l.ask({ cmd: 'add', targets: ports.slice(i * per, (i + 1) * per) })));
  await sleep(1000);
  await ask<unknown>({ cmd: 'cpu' });
  await Promise.all(loads.map((l) => l.ask({ cmd: 'window' })));
  await sleep(windowMs);
  const { cpu: utilization, pps } = await ask<{ cpu: number; pps: number }>({ cmd: 'cpu' });
  const reports = await Promise.all(loads.map((l) => l.ask<LoadReport>({ cmd: 'report' })));
  await Promise.all(loads.map((l) => l.ask({ cmd: 'drop-all' })));
  await ask<number>({ cmd: 'close' });
  await worker.terminate();
  const received = reports.reduce((a, r) => a + r.received, 0);
  const lost = reports.reduce((a, r) => a + r.lost, 0);
  return {
    utilization,
    pps,
    perCore: pps / 50 / Math.max(0.001, utilization),
    loss: lost / Math.max(1, received + lost),
    ...loadCpu(reports),
  };
}

export default async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  const max = arg('max', 3000, args);
  const step = arg('step', 500, args);
  const windowMs = arg('window', 10, args) * 1000;
  const loadAt = args.indexOf('--load');
  const loadPathOption: LoadPath = loadAt >= 0 && args[loadAt + 1] === 'dgram' ? 'dgram' : 'native';
  const started = performance.now();
  // Whatever happens (a machine so busy that the worker answers nothing), the run ends within 5 minutes.
  const watchdog = setTimeout(() => {
    console.log('the run exceeded 300 s: the machine is too busy to measure; stopping');
    for (const l of loads) l.child.kill('SIGKILL');
    console.log(
      JSON.stringify({
        bench: 'mixer',
        participantsPerCore: null,
        udpEchoLimitPerCore: null,
        tickP99Ms: null,
        bytesPerParticipant: null,
        aborted: true,
        loadAverage: loadavg()[0],
      }),
    );
    process.exit(1);
  }, 300_000);
  watchdog.unref();
  console.log(
    `machine load average before: ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')} (2 vCPU shared)`,
  );
  const base = 20000 + 2 * Math.floor(Math.random() * 5000);
  const engine = new MediaEngine({
    workers: 1,
    rtpPorts: `${base}-${base + 2 * max + 1200}`,
  });
  const loads = Array.from({ length: CHILDREN }, () => new Load(loadPathOption));
  const loadPaths = await Promise.all(loads.map((l) => l.ask<{ path: LoadPath }>({ cmd: 'start' })));
  const loadPath = loadPaths[0]!.path;
  // Real-time when permitted (worker/thread-priority.ts): the clock figures depend on it.
  const workerPriority = (await engine.stats()).workers[0]!.priority;
  console.log(`media worker thread priority: ${workerPriority}`);
  console.log(
    `load generators: ${CHILDREN} processes on ${
      loadPath === 'native' ? 'the native batched UDP path (parley_udp addon)' : "Node's dgram"
    }`,
  );
  const results: StepResult[] = [];
  try {
    // Phase 1: one room of 500.
    await addParticipants(engine, loads, 500, 500, 'big');
    const big = await measure(engine, loads, 500, 1, windowMs);
    console.log(`one room of 500:\n  ${line(big)}`);
    const roomsBig = (await engine.stats()).rooms;
    for (let i = 0; i < roomsBig; i++) await engine.closeRoom(`big-${i * 500}`);
    // Sessions of the big room go; the ramp starts from empty rooms of 10.
    const all = await engine.stats({ perSession: true });
    await Promise.all(
      all.workers.flatMap((w) => w.perSession ?? []).map((s) => engine.closeSession(s.sessionId)),
    );
    await Promise.all(loads.map((l) => l.ask({ cmd: 'drop-all' })));
    // Memory baseline once everything is loaded and warm (code, caches, the first room's one-off growth).
    await sleep(200);
    const mem0 = await settledMemory(engine);
    const rss0 = process.memoryUsage().rss;

    // Phase 2: rooms of 10, ramping up.
    console.log('rooms of 10, everyone talking:');
    let participants = 0;
    let rooms = 0;
    // The room of 500 is a step like the others: if it met the bar, it is held.
    let held: StepResult | undefined = big.bad < 0.001 ? big : undefined;
    let memAtHeld = { heap: 0, rss: 0 };
    let memParticipants = 1;
    while (participants < max) {
      const add = Math.min(step, max - participants);
      // A saturated worker answers set-up requests slowly: give up the ramp rather than the time budget.
      const adding = addParticipants(engine, loads, add, 10, `r${participants}`);
      adding.catch(() => {}); // abandoned below when too slow; the engine's close ends it
      const added = await Promise.race([adding, sleep(20_000).then(() => null)]);
      if (added === null) {
        console.log(`  (setting up ${add} more participants took over 20 s: the worker is saturated)`);
        break;
      }
      rooms += added;
      participants += add;
      const r = await measure(engine, loads, participants, rooms, windowMs);
      results.push(r);
      console.log(`  ${line(r)}`);
      // Memory with this many participants live. Reported for the held step (a worker that fell behind holds
      // seconds of backlog in its jitter buffers), or the first step when none was held.
      const m = await settledMemory(engine);
      const mem = {
        heap: m.memory.heapUsed + m.memory.arrayBuffers - (mem0.memory.heapUsed + mem0.memory.arrayBuffers),
        rss: process.memoryUsage().rss - rss0,
      };
      // Held: the largest count that met the bar. The ramp goes on past a failed step (the participant
      // processes share the machine and can fail it themselves) until the worker is near saturation or
      // fails badly with its participants on time.
      const passed = r.bad < 0.001 && r.participants >= (held?.participants ?? 0);
      if (passed) held = r;
      if (passed || results.length === 1) {
        memAtHeld = mem;
        memParticipants = participants;
      }
      // Saturated: the thread is nearly always busy, or its ticks fill most of the wall time.
      if (r.cpu > 0.8 || r.tickLoad > 0.8 || (r.bad > 0.05 && r.loadSendP99 < 20)) break;
      if (performance.now() - started > 180_000) {
        console.log('  (time budget reached)');
        break;
      }
    }
    const last = results.at(-1);
    await engine.close();
    await Promise.all(loads.map((l) => l.ask({ cmd: 'drop-all' })));

    // Phase 3: the raw limit at the same count and packet rate.
    const echoAt = Math.max(500, last?.participants ?? 500);
    const echo = await udpEcho(loads, echoAt, windowMs);
    const echoPerCore = echo.perCore;
    console.log(
      `plain UDP echo, ${echoAt} sockets at 50 packets/s each: worker thread CPU ${(echo.utilization * 100).toFixed(1)}%, ` +
        `${Math.round(echo.pps)} packets/s echoed, lost back ${(echo.loss * 100).toFixed(3)}% → ${Math.round(echoPerCore)} per core` +
        `  [${loadLine(echo)}]`,
    );
    const udpPath = nativeDatagramsAvailable() ? 'native' : 'dgram';
    const nativeEcho =
      udpPath === 'native' ? await udpEcho(loads, echoAt, windowMs, NATIVE_ADDON_FILE) : undefined;
    if (nativeEcho) {
      console.log(
        `native batched UDP echo, ${echoAt} sockets: worker thread CPU ${(nativeEcho.utilization * 100).toFixed(1)}%, ` +
          `${Math.round(nativeEcho.pps)} packets/s echoed, lost back ${(nativeEcho.loss * 100).toFixed(3)}% → ${Math.round(nativeEcho.perCore)} per core` +
          `  [${loadLine(nativeEcho)}]`,
      );
    }

    const perCore = held ? Math.round(held.perCore) : 0;
    // The worker's JS heap and buffers per participant; the process RSS (noisier: it keeps what the heap
    // reserved and the allocator's arenas) is printed beside it.
    const bytes = Math.round(memAtHeld.heap / memParticipants);
    const rssBytes = Math.round(memAtHeld.rss / memParticipants);
    const cpuPer = held ? (held.cpu / held.participants) * 100 : 0;
    console.log(
      held
        ? `held ${held.participants} participants (${held.rooms === 1 ? 'one room' : `rooms of 10`}) on one worker at ${(held.cpu * 100).toFixed(1)}% of a core ` +
            `(< 0.1 % late or concealed) → ${perCore} per core (work done per CPU second of the thread); ` +
            `${cpuPer.toFixed(4)}% of a core per participant; ` +
            `capacity is ${((perCore / echoPerCore) * 100).toFixed(0)}% of the plain UDP echo` +
            (nativeEcho
              ? `, ${((perCore / nativeEcho.perCore) * 100).toFixed(0)}% of the native batched echo`
              : '') +
            ` (media sockets on the ${udpPath} path)`
        : `no step met the 0.1 % bar${
            last && last.loadSendP99 > 10
              ? ` — the participant processes themselves ran late (send p99 ${last.loadSendP99.toFixed(0)} ms): ` +
                `the machine is oversubscribed (load average ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} vCPU); ` +
                `per-core figures below are work done per CPU second of the worker thread`
              : ''
          }`,
    );
    console.log(
      `machine load average after: ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}; run took ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    console.log(
      JSON.stringify({
        bench: 'mixer',
        participantsPerCore: perCore,
        udpEchoLimitPerCore: Math.round(echoPerCore),
        /** The media workers' socket path, and the echo limit on the native path when it is used. */
        udpPath,
        /** How the native path sends a batch: one io_uring submission, or one sendto per packet. */
        sendPath: udpPath === 'native' ? nativeSendPath() : null,
        workerPriority,
        udpEchoNativeLimitPerCore: nativeEcho ? Math.round(nativeEcho.perCore) : null,
        /** The load generators' socket path and their CPU per packet sent or received at the last step. */
        loadPath,
        loadUsPerPacket: last ? Number(last.loadUsPerPacket.toFixed(2)) : null,
        tickP99Ms: held ? Number(held.lateP99.toFixed(2)) : null,
        bytesPerParticipant: bytes,
        rssBytesPerParticipant: rssBytes,
        heldParticipants: held?.participants ?? 0,
        qualityBarMet: held !== undefined,
        /** Participants per core by the worker thread's CPU time at the largest step, bar met or not. */
        cpuBoundPerCore: last ? Math.round(last.perCore) : 0,
        heldCpu: held ? Number(held.cpu.toFixed(3)) : null,
        /** Ticks measured at the held step, and the share of them more than 2 ms late. */
        ticksMeasured: held?.ticks ?? 0,
        tickOver2msShare: held ? Number(held.over2msShare.toFixed(4)) : null,
        tickP50Ms: held ? Number(held.lateP50.toFixed(2)) : null,
        tickP999Ms: held ? Number(held.lateP999.toFixed(2)) : null,
        cpuPercentPerParticipant: Number(cpuPer.toFixed(5)),
        room500: {
          cpu: Number(big.cpu.toFixed(3)),
          bad: Number(big.bad.toFixed(5)),
          tickP99Ms: Number(big.lateP99.toFixed(2)),
        },
        loadAverage: loadavg()[0],
      }),
    );
  } finally {
    clearTimeout(watchdog);
    await engine.close();
    for (const l of loads) l.child.send({ cmd: 'exit' });
  }
}
