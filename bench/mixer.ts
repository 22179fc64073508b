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
 * (sequence gaps seen by the participants). Capacity per core = participants / utilisation at the largest
 * step that met the 0.1 % bar. Memory per participant = growth of the worker's heap and buffers (after GC)
 * and of the process RSS, divided by participants.
 *
 * The participant processes own their sockets through the native UDP addon when it is built (and
 * `PARLEY_NATIVE_UDP` is not `0`): every ready socket drained once per tick, the tick's packets sent in
 * one call, ~3.5 µs of CPU per packet sent or received (nearly all of it the kernel's sendto/recvmmsg on
 * loopback); otherwise through Node's dgram (~5–7 µs per packet, which at 1,000+ participants takes most
 * of a core of a 2-vCPU machine from the worker under test). Their CPU is printed per step.
 *
 * Options: `--max N` (ramp ceiling, default 3000), `--step N` (default 500), `--window S` (seconds
 * measured per step, default 3), `--load dgram` (participant processes on dgram even with the addon).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { pcmu } from '../src/media/codec/g711.ts';
import { MediaEngine } from '../src/media/engine.ts';
import { generateTone } from '../src/media/processor/goertzel.ts';
import { nativeDatagramsAvailable } from '../src/media/session/datagram-socket.ts';
import { type NativeUdpAddon, nativeUdp } from '../src/media/session/native-udp.ts';
import { MediaClock } from '../src/media/worker/clock.ts';
import type { WorkerStats } from '../src/media/worker/messages.ts';

/** The native UDP addon's file, for the echo worker (which loads it as CommonJS). */
const NATIVE_ADDON_FILE = fileURLToPath(new URL('../native/build/Release/parley_udp.node', import.meta.url));

const ROLE = process.env.PARLEY_MIXER_BENCH_ROLE;
const CHILDREN = 2;

// ---------------------------------------------------------------------------------------------------------
// Load generator (child process): participants' sockets, sending and receiving.

/**
 * How the load processes own their participants' sockets: through the native addon (one epoll set drained
 * once per tick, the tick's packets sent in one call: about half dgram's CPU per packet, so the generators
 * leave more of the machine's cores to the worker under test), or through Node's dgram.
 */
type LoadPath = 'native' | 'dgram';

type LoadCommand =
  | { cmd: 'add'; targets: number[] }
  | { cmd: 'start' }
  | { cmd: 'window' }
  | { cmd: 'report' }
  | { cmd: 'drop-all' }
  | { cmd: 'exit' };

interface LoadReport {
  sent: number;
  received: number;
  lost: number;
  sendLateP99: number;
  ticksSkipped: number;
  /** CPU time of the whole load process (user + system, kernel UDP work included) and wall time, ms. */
  cpuMs: number;
  wallMs: number;
}

interface Participant {
  /** Index in the load process's participant list (the native path's socket id). */
  index: number;
  target: number;
  seq: number;
  ts: number;
  ssrc: number;
  frame: number;
  tone: number;
  lastSeq: number;
  received: number;
  lost: number;
}

/** A load process's sockets, one per participant, on one path. */
interface LoadSockets {
  readonly path: LoadPath;
  /** Binds the participant's socket on 127.0.0.1 (its index is `p.index`). */
  open(p: Participant): Promise<void>;
  /** Counts the packets that came back since the last call (dgram counts them as they arrive). */
  receive(): void;
  /** Sends every participant's next packet; returns how many the kernel took. */
  sendTick(): number;
  closeAll(): void;
}

/** An RTP packet (RFC 3550 §5.1): 12-byte header, 160 bytes of PCMU (20 ms at 8 kHz). */
const PACKET_BYTES = 172;

/** Writes participant `p`'s next packet at `buf[off…]` and advances its sequence, timestamp and frame. */
function writePacket(buf: Uint8Array, off: number, p: Participant, frame: Uint8Array): void {
  buf[off] = 0x80; // V=2
  buf[off + 1] = 0; // PT 0 (PCMU)
  buf[off + 2] = p.seq >>> 8;
  buf[off + 3] = p.seq & 0xff;
  buf[off + 4] = p.ts >>> 24;
  buf[off + 5] = (p.ts >>> 16) & 0xff;
  buf[off + 6] = (p.ts >>> 8) & 0xff;
  buf[off + 7] = p.ts & 0xff;
  buf[off + 8] = p.ssrc >>> 24;
  buf[off + 9] = (p.ssrc >>> 16) & 0xff;
  buf[off + 10] = (p.ssrc >>> 8) & 0xff;
  buf[off + 11] = p.ssrc & 0xff;
  buf.set(frame, off + 12);
  p.seq = (p.seq + 1) & 0xffff;
  p.ts = (p.ts + 160) >>> 0;
  p.frame = (p.frame + 1) % 50;
}

/**
 * A packet of `len` bytes at `buf[off…]` came back to `p`: an RTP packet is counted, with any gap in its
 * sequence numbers since the last one. The worker's RTCP reports share the port (rtcp-mux): their second
 * byte is a packet type 200–204 (RFC 5761 §4), their bytes 2–3 a length, not a sequence number (counted as
 * one, a report made the next packet look like hundreds lost whenever the stream's numbers were near it).
 */
function countReturn(p: Participant, buf: Uint8Array, off: number, len: number): void {
  if (len < 12 || buf[off]! >> 6 !== 2) return;
  const type = buf[off + 1]! & 0x7f;
  if (type >= 64 && type <= 95) return; // RTCP (RFC 5761 §4)
  const seq = (buf[off + 2]! << 8) | buf[off + 3]!;
  if (p.lastSeq >= 0) {
    const gap = (seq - p.lastSeq - 1) & 0xffff;
    if (gap < 1000) p.lost += gap;
  }
  p.lastSeq = seq;
  p.received++;
}

function dgramSockets(parts: Participant[], tones: Uint8Array[][]): LoadSockets {
  const sockets: Socket[] = [];
  return {
    path: 'dgram',
    open: (p) =>
      new Promise<void>((resolve) => {
        const socket = createSocket('udp4');
        socket.on('message', (msg: Buffer) => {
          countReturn(p, msg, 0, msg.length);
        });
        socket.bind(0, '127.0.0.1', () => resolve());
        sockets[p.index] = socket;
      }),
    receive() {},
    sendTick() {
      for (const p of parts) {
        const buf = Buffer.allocUnsafe(PACKET_BYTES);
        writePacket(buf, 0, p, tones[p.tone]![p.frame]!);
        sockets[p.index]!.send(buf, p.target, '127.0.0.1');
      }
      return parts.length;
    },
    closeAll() {
      for (const s of sockets) s.close();
      sockets.length = 0;
    },
  };
}

/** Words per packet record of the addon (native/parley-udp.c): id or fd, offset, length, port, address. */
const WORDS = 9;
/** Each participant's packet has a fixed 8-byte-aligned slot in the send slab. */
const SEND_SLOT = (PACKET_BYTES + 7) & ~7;
/** Records per drain call; the addon reads ≤ 1,024 sockets per call (4 epoll rounds of 256). */
const DRAIN_RECORDS = 2048;
/** The addon keeps a drain's packets 8-byte aligned and wants a 2 KB slot free for the next one. */
const DRAIN_SLAB_BYTES = DRAIN_RECORDS * SEND_SLOT + 4096;

/**
 * The native path, driving the addon directly (not NativeDatagramSocket: it copies every packet received
 * into a new Buffer and formats its source address, and copies every packet sent into its slab; the
 * generator needs only the sequence number, and its packets can be written in place).
 */
function nativeSockets(addon: NativeUdpAddon, parts: Participant[], tones: Uint8Array[][]): LoadSockets {
  const fds: number[] = [];
  // The tick's packets: participant i's at i × SEND_SLOT, its record (fd, destination) written at open.
  let sendSlab = new Uint8Array(0);
  let sendRecords = new Int32Array(0);
  const loopback = new Int32Array(WORDS);
  addon.parseAddress('127.0.0.1', loopback);
  const recvSlab = new Uint8Array(DRAIN_SLAB_BYTES);
  const recvRecords = new Int32Array(DRAIN_RECORDS * WORDS);
  // No onReadable: the epoll set is drained once per tick instead of on every wake-up. The worker sends a
  // tick's mix as a burst that reaches this process over a few ms; waking for it cost a libuv turn and
  // three syscalls per handful of packets (measured: 25,000 wake-ups for 111,000 packets in 3 s, 3.6 µs of
  // CPU per packet received, 2.5 µs when drained per tick). Each socket gets one packet per 20 ms, far below
  // its receive buffer, and only counts and sequence gaps are measured here, not return latency.
  const receive = () => {
    for (let round = 0; round < 256; round++) {
      const n = addon.drain(recvSlab, 0, recvRecords);
      for (let at = 0; at < n * WORDS; at += WORDS) {
        const len = recvRecords[at + 2]!;
        // A receive error (negative) or a truncated datagram (longer than the addon's 2 KB slot).
        if (len < 0 || len > 2048) continue;
        const p = parts[recvRecords[at]!];
        if (p) countReturn(p, recvSlab, recvRecords[at + 1]!, len);
      }
      if (n === 0) break;
    }
  };
  const grow = (count: number) => {
    if (count * SEND_SLOT <= sendSlab.length) return;
    const slots = Math.max(count, 2 * (sendSlab.length / SEND_SLOT), 256);
    const slab = new Uint8Array(slots * SEND_SLOT);
    slab.set(sendSlab);
    sendSlab = slab;
    const records = new Int32Array(slots * WORDS);
    records.set(sendRecords);
    sendRecords = records;
  };
  return {
    path: 'native',
    receive,
    async open(p) {
      const fd = addon.open('127.0.0.1', 0, 0);
      if (fd < 0) throw new Error(`native UDP open failed (errno ${-fd})`);
      const watched = addon.watch(fd, p.index);
      if (watched < 0) throw new Error(`native UDP watch failed (errno ${-watched})`);
      fds[p.index] = fd;
      grow(p.index + 1);
      const at = p.index * WORDS;
      sendRecords.set(loopback, at);
      sendRecords[at] = fd;
      sendRecords[at + 1] = p.index * SEND_SLOT;
      sendRecords[at + 2] = PACKET_BYTES;
      sendRecords[at + 3] = p.target;
    },
    sendTick() {
      const n = parts.length;
      if (n === 0) return 0;
      for (const p of parts) {
        writePacket(sendSlab, p.index * SEND_SLOT, p, tones[p.tone]![p.frame]!);
        // A failed send's length came back as -errno: restored for this tick.
        sendRecords[p.index * WORDS + 2] = PACKET_BYTES;
      }
      return n - addon.sendBatch(n, sendSlab, sendRecords);
    },
    closeAll() {
      for (const fd of fds) addon.close(fd);
      fds.length = 0;
    },
  };
}

function runLoad(): void {
  // The benchmark process went away: so do its participants.
  process.on('disconnect', () => process.exit(0));
  // 8 tones × 50 frames (1 s) of PCMU, encoded once; each participant cycles through its tone's frames.
  const codec = pcmu.create();
  const tones = [300, 440, 550, 700, 850, 1000, 1200, 1500].map((f) =>
    Array.from({ length: 50 }, (_, i) =>
      codec.encode(generateTone(f, 8000, 160, 5000, (2 * Math.PI * f * 160 * i) / 8000)).slice(),
    ),
  );
  const parts: Participant[] = [];
  const addon = process.env.PARLEY_MIXER_LOAD_PATH === 'dgram' ? null : nativeUdp();
  const sockets = addon ? nativeSockets(addon, parts, tones) : dgramSockets(parts, tones);
  let sent = 0;
  let cpuAt = process.cpuUsage();
  let wallAt = performance.now();
  const clock = new MediaClock(() => {
    sockets.receive();
    sent += sockets.sendTick();
  });
  const send = (m: unknown) => process.send!(m);
  process.on('message', async (m: LoadCommand) => {
    switch (m.cmd) {
      case 'add': {
        await Promise.all(
          m.targets.map((target) => {
            const p: Participant = {
              index: parts.length,
              target,
              seq: Math.floor(Math.random() * 65536),
              ts: 0,
              ssrc: Math.floor(Math.random() * 0xffffffff) >>> 0,
              frame: 0,
              tone: parts.length % tones.length,
              lastSeq: -1,
              received: 0,
              lost: 0,
            };
            parts.push(p);
            return sockets.open(p);
          }),
        );
        send({ ok: true });
        return;
      }
      case 'start':
        clock.start();
        send({ ok: true, path: sockets.path });
        return;
      case 'window':
        sockets.receive();
        for (const p of parts) {
          p.received = 0;
          p.lost = 0;
        }
        sent = 0;
        clock.resetStats();
        cpuAt = process.cpuUsage();
        wallAt = performance.now();
        send({ ok: true });
        return;
      case 'report': {
        sockets.receive();
        const s = clock.stats();
        const cpu = process.cpuUsage(cpuAt);
        const r: LoadReport = {
          sent,
          received: parts.reduce((a, p) => a + p.received, 0),
          lost: parts.reduce((a, p) => a + p.lost, 0),
          sendLateP99: s.lateness.p99,
          ticksSkipped: s.skipped + s.caughtUp,
          cpuMs: (cpu.user + cpu.system) / 1000,
          wallMs: performance.now() - wallAt,
        };
        send(r);
        return;
      }
      case 'drop-all':
        sockets.closeAll();
        parts.length = 0;
        send({ ok: true });
        return;
      case 'exit':
        clock.stop();
        sockets.closeAll();
        process.exit(0);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark (parent process).

class Load {
  readonly child: ChildProcess;
  #queue: ((m: unknown) => void)[] = [];

  /** `dgram` forces Node's dgram; otherwise the native path when the addon is there. */
  constructor(path: LoadPath) {
    this.child = fork(import.meta.filename, [], {
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
  lateP50: number;
  lateP99: number;
  lateP999: number;
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
    lateP50: after.clock.lateness.p50,
    lateP99: after.clock.lateness.p99,
    lateP999: after.clock.lateness.p999,
    concealed,
    lateTicks: late,
    returnLoss,
    bad: concealed + late + returnLoss,
    loadSendP99: Math.max(...reports.map((r) => r.sendLateP99)),
    loadSkipped: reports.reduce((a, r) => a + r.ticksSkipped, 0),
    ...loadCpu(reports),
  };
}

function line(r: StepResult): string {
  const pct = (x: number) => `${(x * 100).toFixed(3)}%`;
  return (
    `${String(r.participants).padStart(5)} participants in ${String(r.rooms).padStart(3)} rooms: ` +
    `worker thread CPU ${(r.cpu * 100).toFixed(1)}% (busy ${(r.utilization * 100).toFixed(0)}%, ticks ${(r.tickLoad * 100).toFixed(1)}%), ` +
    `clock late p50/p99/p99.9 ${r.lateP50.toFixed(2)}/${r.lateP99.toFixed(2)}/${r.lateP999.toFixed(2)} ms, ` +
    `concealed ${pct(r.concealed)}, late ticks ${pct(r.lateTicks)}, lost back ${pct(r.returnLoss)}, ` +
    `${Math.round(r.packetsInPerSecond)} packets/s in → ${Math.round(r.perCore)} per core` +
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
        const fds = [];
        const slab = new Uint8Array(256 * 1024);
        const recs = new Int32Array(9 * 1024);
        const out = new Int32Array(9 * 1024);
        native.onReadable(() => {
          for (let round = 0; round < 4; round++) {
            const n = native.drain(slab, 0, recs);
            for (let i = 0; i < n * 9; i += 9) {
              for (let k = 1; k < 9; k++) out[i + k] = recs[i + k];
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
  const windowMs = arg('window', 3, args) * 1000;
  const loadAt = args.indexOf('--load');
  const loadPathOption: LoadPath = loadAt >= 0 && args[loadAt + 1] === 'dgram' ? 'dgram' : 'native';
  const started = performance.now();
  // Whatever happens (a machine so busy that the worker answers nothing), the run ends within ~2 minutes.
  const watchdog = setTimeout(() => {
    console.log('the run exceeded 150 s: the machine is too busy to measure; stopping');
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
  }, 150_000);
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
      if (performance.now() - started > 60_000) {
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

// Forked by `Load` as a participant process; otherwise bench/run.ts calls `main`.
if (ROLE === 'load') runLoad();
