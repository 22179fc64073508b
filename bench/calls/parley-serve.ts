/**
 * `parley serve` in a child process for benchmarks: a temporary data directory, free loopback ports, an
 * RTP range few other sockets use, warnings-only logging (so logging costs nothing measurable), an API
 * token from `parley token create`, and readings of the process from /proc: CPU per thread, resident
 * memory, run-queue wait of the media workers, drops at its SIP socket. Killed when this process exits.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  bearerApi,
  makeToken,
  serveArgs,
  terminate,
  waitForHealth,
} from '../../test/interop/helpers/parley-process.ts';
import { freePort, freeTcpPort } from '../../test/interop/helpers/ports.ts';

const HOST = '127.0.0.1';
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** A provisioned SIP user. */
export interface BenchUser {
  name: string;
  extension: string;
  sipPassword: string;
}

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
export function statCpu(stat: string): number {
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

/** A running `parley serve` and what the benchmark reads of it. */
export interface Serve {
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

/** Starts `parley serve` (extra Node flags first, e.g. for profiling) and waits for its API. */
export async function startServe(user: BenchUser, nodeArgs: string[] = []): Promise<Serve> {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-calls-'));
  const bearer = makeToken(dataDir, 'bench');
  const httpPort = await freeTcpPort();
  const sipPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      ...serveArgs({
        dataDir,
        httpPort,
        sipPort,
        domain: 'bench.test',
        rtpPorts: quietRtpRange(),
        logLevel: 'warn',
      }),
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
  await waitForHealth(base, child, () => output);
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
  const api = bearerApi(base, bearer);
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
      await api('POST', '/api/users', user);
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
      await terminate(child, exited);
      children.delete(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
