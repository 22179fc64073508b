/**
 * sipp as the benchmark's load generator: one process per loopback source address (Parley limits SIP
 * messages per source), its counters and the causes of failed calls read back, its CPU measured, and the
 * A-law audio the participants stream. Every sipp is bounded by its own -timeout and killed 5 s after it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, freeUdpPortRange } from '../../test/interop/helpers/ports.ts';
import { sippPath } from '../../test/interop/helpers/sipp.ts';
import { type BenchUser, statCpu } from './parley-serve.ts';

const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');
const PCAP = '/usr/share/sip-tester/g711a.pcap';
const HOST = '127.0.0.1';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
const sipps = new Set<number>();

/** CPU seconds used so far by the sipp processes running now (the load generator shares the machine). */
export function sippCpuSeconds(): number {
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

/** What one sipp process reported. */
export interface SippRun {
  ok: number;
  failed: number;
  created: number;
  /** What ended failed calls, from sipp's error log: e.g. "503" (a response it did not expect), "timeout". */
  failures: Map<string, number>;
  exitCode: number | null;
  stderr: string;
}

/** One sipp process: a scenario from `bench/scenarios`, from one source address, to Parley. */
export interface SippJob {
  scenario: string;
  /** The loopback address it sends from (its own source for Parley's per-source limit). */
  address: string;
  service: string;
  rate: number;
  limit: number;
  calls: number;
  /** Parley's SIP port on 127.0.0.1, and the user the calls authenticate as. */
  sipPort: number;
  user: BenchUser;
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
    // "… for Call-Id '…': while expecting '200' (index 5), received 'SIP/2.0 503 …"
    /Aborting call on unexpected message[^\n]*?, received 'SIP\/2\.0 (\d{3})/g,
  ))
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  for (const _ of text.matchAll(/Aborting call on unexpected message[^\n]*?, received '(?!SIP\/2\.0)/g))
    out.set('unexpected request', (out.get('unexpected request') ?? 0) + 1);
  const timeouts = text.match(/[Tt]imeout/g)?.length ?? 0;
  if (timeouts) out.set('timeout', timeouts);
  return out;
}

/** "503 ×40, timeout ×2" */
export function describeCauses(runs: SippRun[]): string {
  const all = new Map<string, number>();
  for (const r of runs) for (const [k, v] of r.failures) all.set(k, (all.get(k) ?? 0) + v);
  return [...all].map(([k, v]) => `${k} ×${v}`).join(', ');
}

/** Starts one sipp; resolves with its counters when it exits. */
export async function runSipp(job: SippJob, cwd: string): Promise<SippRun> {
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
    job.user.extension,
    '-ap',
    job.user.sipPassword,
    '-set',
    'user',
    job.user.extension,
    // sipp's digest uri defaults to the host alone; Parley checks it against the Request-URI (§22.4).
    '-auth_uri',
    `${job.service}@${HOST}:${job.sipPort}`,
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
    `${HOST}:${job.sipPort}`,
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
export function writeLoopAudio(dir: string): void {
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
