/**
 * Runs sipp (Debian package `sip-tester`) for interop tests: always `-nostdin`, always on loopback
 * (`-i 127.0.0.1 -mi 127.0.0.1`), with free ports for its SIP socket, its media echo ports and its control
 * port so several runs can go on in parallel. Every process is killed when the test process exits, and a
 * hard deadline kills a run that hangs. The result carries the exit code and the call counters read from
 * sipp's final statistics screen.
 *
 * sipp exit codes: 0 all calls succeeded, 1 at least one failed, 97 internal exit command, 99 no call
 * processed, 255 (-1) fatal error, 254 (-2) could not bind a socket.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, freeUdpPort, freeUdpPortRange } from './ports.ts';

/** Where Debian's sip-tester keeps the pcap files its `*_pcap` scenarios play. */
const PCAP_DIR = '/usr/share/sip-tester';

export interface SippOptions {
  /** A built-in scenario name (`uac`, `uas`, `uac_pcap`, `regexp`, …) or a path to an XML scenario. */
  scenario: string;
  /** `host:port` to send to (UAC scenarios). Omit for pure UAS runs. */
  remote?: string;
  /** sipp `-t`: `u1` UDP (default), `un` UDP one socket per call, `t1` TCP, `tn` TCP per call, `l1` TLS. */
  transport?: 'u1' | 'un' | 't1' | 'tn' | 'l1' | 'ln';
  /** Local SIP port (`-p`); a free one is picked when omitted (see `SippRun.port`). */
  localPort?: number;
  /** Stop after this many calls (`-m`). */
  calls?: number;
  /** Calls per second (`-r`). */
  rate?: number;
  /** Maximum simultaneous calls (`-l`). */
  limit?: number;
  /** Pause length in ms used by the built-in scenarios' `<pause/>` (`-d`). */
  callLengthMs?: number;
  /** Request-URI user part (`-s`). */
  service?: string;
  /** Digest credentials (`-au`, `-ap`); MD5 only in sipp 3.6. */
  authUser?: string;
  authPassword?: string;
  /** Scenario variables (`-set NAME VALUE`; the scenario needs `<Global variables="NAME"/>`). */
  set?: Record<string, string>;
  /** Global timeout in seconds (`-timeout … -timeout_error`); default 30. */
  timeoutSeconds?: number;
  /** Record every message sent and received into `SippResult.messages` (`-trace_msg`). */
  traceMessages?: boolean;
  /** Link the sip-tester pcap folder as `./pcap` in the working directory (for `uac_pcap`). */
  pcap?: boolean;
  /** Anything else, appended last. */
  extraArgs?: string[];
}

export interface SippResult {
  /** Process exit code; null when it was killed by a signal. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** True when our hard deadline had to kill it. */
  killed: boolean;
  successfulCalls: number;
  failedCalls: number;
  /** Cumulative "Total Calls created" from the final screen. */
  totalCalls: number;
  /** The scenario screen's message lines: how many times sipp sent or received each message. */
  messageCounts: SippMessageCount[];
  stdout: string;
  stderr: string;
  /** Unexpected messages as sipp logged them (`-trace_err`), '' when none. */
  errors: string;
  /** The message trace when `traceMessages` was set, '' otherwise. */
  messages: string;
  /** The exact command line, for failure messages. */
  args: string[];
}

/** One line of sipp's scenario screen, e.g. `{ message: 'BYE', sent: false, count: 3 }`. */
export interface SippMessageCount {
  /** A method, a status code, or 'Pause'. */
  message: string;
  /** True for a message sipp sent, false for one it received. */
  sent: boolean;
  count: number;
  retransmissions: number;
}

export interface SippRun {
  /** The local SIP port sipp listens on. */
  port: number;
  /** Resolves when sipp exits (on its own, on `stop()`, or killed at the deadline). */
  result: Promise<SippResult>;
  /** Ask sipp to finish (SIGINT: it prints its final statistics and exits), then wait for it. */
  stop(): Promise<SippResult>;
  /**
   * Resolves once sipp holds its SIP port (so a UAS is ready for the first INVITE); rejects if sipp
   * exits first or nothing binds within 10 s.
   */
  ready(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

/** The sipp binary found on PATH, or null when it is not installed (tests then skip). */
export function sippPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : null;
}

/** Reads the cumulative column of one counter from sipp's last statistics screen. */
function counter(stdout: string, name: string): number {
  const re = new RegExp(`^\\s*${name}\\s*\\|[^|]*\\|\\s*(\\d+)`, 'gm');
  let last = 0;
  for (const m of stdout.matchAll(re)) last = Number(m[1]);
  return last;
}

/**
 * Parses the message table of the last scenario screen. In a UAC screen the arrow follows the name
 * (`INVITE ---->` sent, `180 <----` received); in a UAS screen it precedes it (`----> INVITE` received).
 */
function messageCounts(stdout: string): SippMessageCount[] {
  const start = stdout.lastIndexOf('Messages  Retrans');
  if (start < 0) return [];
  const end = stdout.indexOf('Test Terminated', start);
  const table = stdout.slice(start, end < 0 ? undefined : end);
  const out: SippMessageCount[] = [];
  const re = /^\s*(?:(-+>|<-+)\s+(\S+)|(\S+)\s+(-+>|<-+))\s+(?:[A-Z]-\S+\s+)?(\d+)\s+(\d+)/gm;
  for (const m of table.matchAll(re)) {
    const before = m[1];
    const message = m[2] ?? m[3]!;
    const sent = before ? before.startsWith('<') : m[4]!.endsWith('>');
    out.push({ message, sent, count: Number(m[5]), retransmissions: Number(m[6]) });
  }
  return out;
}

/** How many times sipp sent (`sent: true`) or received a message, summed over the scenario's lines. */
export function sippCount(r: SippResult, message: string, sent: boolean): number {
  return r.messageCounts
    .filter((c) => c.message === message && c.sent === sent)
    .reduce((a, c) => a + c.count, 0);
}

function readIfExists(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Starts sipp in the background. Use for a UAS that must be listening before the test dials it. */
export async function startSipp(options: SippOptions): Promise<SippRun> {
  const bin = sippPath();
  if (!bin) throw new Error('sipp is not installed');
  installExitHook();
  const cwd = mkdtempSync(join(tmpdir(), 'sipp-'));
  if (options.pcap) symlinkSync(PCAP_DIR, join(cwd, 'pcap'));
  const port = options.localPort ?? (await freePort());
  const mediaPort = await freeUdpPortRange(4);
  const controlPort = await freeUdpPort();
  const timeout = options.timeoutSeconds ?? 30;
  const errorFile = join(cwd, 'errors.log');
  const messageFile = join(cwd, 'messages.log');
  const builtIn = !options.scenario.includes('/') && !options.scenario.endsWith('.xml');
  const args = [
    '-nostdin',
    builtIn ? '-sn' : '-sf',
    options.scenario,
    '-i',
    '127.0.0.1',
    '-mi',
    '127.0.0.1',
    '-p',
    String(port),
    '-mp',
    String(mediaPort),
    '-cp',
    String(controlPort),
    '-t',
    options.transport ?? 'u1',
    '-timeout',
    `${timeout}s`,
    '-timeout_error',
    '-trace_err',
    '-error_file',
    errorFile,
  ];
  if (options.traceMessages) args.push('-trace_msg', '-message_file', messageFile);
  if (options.calls !== undefined) args.push('-m', String(options.calls));
  if (options.rate !== undefined) args.push('-r', String(options.rate));
  if (options.limit !== undefined) args.push('-l', String(options.limit));
  if (options.callLengthMs !== undefined) args.push('-d', String(options.callLengthMs));
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.authUser !== undefined) args.push('-au', options.authUser);
  if (options.authPassword !== undefined) args.push('-ap', options.authPassword);
  for (const [k, v] of Object.entries(options.set ?? {})) args.push('-set', k, v);
  if (options.extraArgs) args.push(...options.extraArgs);
  if (options.remote) args.push(options.remote);

  const child = spawn(bin, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  let killed = false;
  // sipp's own -timeout should end it; this is the backstop for a sipp that hangs anyway.
  const deadline = setTimeout(
    () => {
      killed = true;
      child.kill('SIGKILL');
    },
    (timeout + 10) * 1000,
  );
  deadline.unref();

  const result = new Promise<SippResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(deadline);
      running.delete(child);
      resolve({
        exitCode: code,
        signal,
        killed,
        successfulCalls: counter(stdout, 'Successful call'),
        failedCalls: counter(stdout, 'Failed call'),
        totalCalls: counter(stdout, 'Total Calls created'),
        messageCounts: messageCounts(stdout),
        stdout,
        stderr,
        errors: readIfExists(errorFile),
        messages: readIfExists(messageFile),
        args,
      });
    });
  });

  let exited = false;
  void result.then(() => {
    exited = true;
  });
  const tcp = options.transport?.startsWith('t') || options.transport?.startsWith('l');
  const ready = async (): Promise<void> => {
    const started = Date.now();
    while (Date.now() - started < 10_000) {
      if (exited) throw new Error(`sipp exited before binding port ${port}`);
      if (tcp ? await tcpOpen(port) : await udpTaken(port)) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`sipp did not bind port ${port} within 10 s`);
  };

  const stop = async (): Promise<SippResult> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    return result;
  };
  return { port, result, stop, ready };
}

/** True when something holds UDP `port` on 127.0.0.1 (our own bind fails). */
function udpTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(true);
    });
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(false)));
  });
}

/** True when a TCP connection to 127.0.0.1:`port` is accepted. */
function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Runs sipp to completion (give `calls` or it runs until `timeoutSeconds`). */
export async function runSipp(options: SippOptions): Promise<SippResult> {
  const run = await startSipp(options);
  return run.result;
}

/** One line for assertion messages: exit code, counters and the tail of what sipp said. */
export function describeSipp(r: SippResult): string {
  const tail = (s: string, n: number) => s.split('\n').slice(-n).join('\n');
  return [
    `sipp ${r.args.join(' ')}`,
    `exit=${r.exitCode} signal=${r.signal} killed=${r.killed} ok=${r.successfulCalls} failed=${r.failedCalls}`,
    r.errors ? `unexpected:\n${tail(r.errors, 40)}` : '',
    `stderr:\n${tail(r.stderr, 10)}`,
  ]
    .filter(Boolean)
    .join('\n');
}
