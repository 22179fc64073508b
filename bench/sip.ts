/**
 * `npm run bench -- sip`: SIP signalling figures.
 *
 * - registerPerSec: authenticated REGISTERs (MD5 digest, qop=auth) answered 200 per second by one
 *   server thread, through the real UDP path (transport, transactions, SipServer, registrar) with a load
 *   generator in a worker thread computing the client side. The in-process cost per REGISTER (parse,
 *   authenticate, register, serialize; no sockets) is printed beside it.
 * - parseSerializePerSec: parse + serialize of typical messages (REGISTER with credentials, INVITE with SDP).
 * - bytesPerRegistration: heap growth per binding with 50,000 extensions registered.
 *
 * Rates are per CPU second of the measuring thread (process.threadCpuUsage), so they mean "per core"
 * even on a machine busy with other work; the UDP run also prints its wall-clock rate. Each measurement
 * runs a couple of seconds (BENCH_SECONDS). The last line is the JSON summary.
 */

import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { pino } from 'pino';
import { Registrar } from '../src/pbx/registrar/registrar.ts';
import { type RequestResponder, SipServer } from '../src/pbx/sip-server.ts';
import { DigestClient, DigestServer } from '../src/sip/auth/index.ts';
import {
  getHeaderValues,
  isParseError,
  parseMessage,
  type SipRequest,
  type SipResponse,
  serializeMessage,
} from '../src/sip/message/index.ts';
import type { MessageSource } from '../src/sip/transport/transport.ts';
import { staticDirectory } from '../src/store/directory.ts';

const DOMAIN = 'bench.parley.test';
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

function registerText(ext: string, cseq: number, port: number, auth?: string, callId?: string): string {
  return [
    `REGISTER sip:${DOMAIN} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:${port};rport;branch=z9hG4bK${ext}x${cseq}`,
    'Max-Forwards: 70',
    `From: "Extension ${ext}" <sip:${ext}@${DOMAIN}>;tag=${ext}t`,
    `To: <sip:${ext}@${DOMAIN}>`,
    `Call-ID: ${callId ?? `${ext}-bench-call-id@127.0.0.1`}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${ext}@127.0.0.1:${port};transport=udp>;+sip.instance="<urn:uuid:00000000-0000-0000-0000-00000000${ext.padStart(4, '0')}>"`,
    'Expires: 3600',
    'User-Agent: Parley bench phone 1.0',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE',
    ...(auth ? [`Authorization: ${auth}`] : []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

const SDP =
  'v=0\r\no=- 2890844526 2890844526 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n' +
  'm=audio 49170 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' +
  'a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n';
const INVITE = [
  'INVITE sip:200@bench.parley.test SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.10:5060;rport;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: <sip:200@bench.parley.test>',
  'From: "Alice" <sip:101@bench.parley.test>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:101@192.0.2.10:5060>',
  'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
  'Supported: replaces, timer',
  'Content-Type: application/sdp',
  `Content-Length: ${SDP.length}`,
  '',
  SDP,
].join('\r\n');

function users(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    extension: String(1000 + i),
    name: `User ${i}`,
    sipPassword: `password-${i}`,
  }));
}

function quietLogger() {
  return pino({ level: 'silent' });
}

/** CPU seconds this thread has used: figures per core stay true on a machine shared with other work. */
function threadCpuSeconds(): number {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Runs `fn` repeatedly for about `seconds` of this thread's CPU, returns operations per CPU second. */
function rate(seconds: number, fn: () => number): number {
  const start = threadCpuSeconds();
  let ops = 0;
  while (threadCpuSeconds() - start < seconds) ops += fn();
  return ops / (threadCpuSeconds() - start);
}

function benchParseSerialize(): number {
  const samples = [
    new TextEncoder().encode(
      registerText(
        '1000',
        1,
        5060,
        'Digest username="1000", realm="bench.parley.test", nonce="AAABjB2cMzQAAAAAAAAAAdT7bM9qE8kLw3cFJ4w8bHk", uri="sip:bench.parley.test", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="abcdef"',
      ),
    ),
    new TextEncoder().encode(INVITE),
  ];
  return rate(SECONDS, () => {
    for (const s of samples) {
      const m = parseMessage(s);
      if (isParseError(m)) throw new Error(m.message);
      serializeMessage(m);
    }
    return samples.length;
  });
}

/**
 * In-process: a server that has already challenged each phone; each REGISTER carries the next nc on the
 * nonce (what phones do on refresh). Measures parse → authenticate → register → serialize, per request.
 */
function benchInProcess(): number {
  const list = users(1000);
  const server = new SipServer({
    directory: staticDirectory(list),
    domain: DOMAIN,
    logger: quietLogger(),
    algorithms: ['MD5'],
    registrar: { sweepIntervalMs: 0 },
  });
  // Requests are prepared ahead (the client's hashing is not the server's cost).
  const batch: Uint8Array[] = [];
  const clients = list.map((u) => new DigestClient({ username: u.extension, password: u.sipPassword }));
  // One challenge per phone, as each would have received on its first REGISTER.
  const challenges = list.map(() => server.digest.challenge());
  const perUser = 40;
  for (let round = 0; round < perUser; round++) {
    for (let i = 0; i < list.length; i++) {
      const auth = clients[i]!.authorize(challenges[i]!, 'REGISTER', `sip:${DOMAIN}`)!;
      batch.push(new TextEncoder().encode(registerText(list[i]!.extension, round + 1, 5060, auth)));
    }
  }
  const source: MessageSource = { transport: 'udp', address: '127.0.0.1', port: 5060 };
  let ok = 0;
  let last: SipResponse | undefined;
  const responder: RequestResponder = {
    respond: (r) => {
      last = r;
      serializeMessage(r);
      if (r.status === 200) ok++;
    },
    drop: () => {},
  };
  const start = threadCpuSeconds();
  for (const bytes of batch) {
    const m = parseMessage(bytes);
    if (isParseError(m) || m.kind !== 'request') throw new Error('bad sample');
    server.handle(m as SipRequest, responder, source);
  }
  const elapsed = threadCpuSeconds() - start;
  if (ok !== batch.length) throw new Error(`only ${ok}/${batch.length} registered; last ${last?.status}`);
  void server.close();
  return batch.length / elapsed;
}

/**
 * Cost of checking wrong credentials for an existing and for a non-existing user: the two must not
 * differ measurably (no enumeration through timing). Alternates the two in small blocks so drift in
 * machine load hits both alike; returns µs per check for each.
 */
function benchAuthTiming(): { knownUs: number; unknownUs: number } {
  const server = new DigestServer({ realm: DOMAIN, algorithms: ['MD5'] });
  const passwords = new Map([['1000', 'secret']]);
  const lookup = (u: string) => passwords.get(u);
  const make = (user: string) =>
    Array.from(
      { length: 200 },
      () =>
        new DigestClient({ username: user, password: 'wrong' }).authorize(
          server.challenge(),
          'REGISTER',
          `sip:${DOMAIN}`,
        )!,
    );
  const known = make('1000');
  const unknown = make('1999');
  // Thread CPU time, and the order swapped every round, so neither load on the machine nor warm caches
  // favour one side.
  const spent = { known: 0, unknown: 0 };
  let checks = 0;
  const endAt = threadCpuSeconds() + SECONDS / 2;
  for (let round = 0; threadCpuSeconds() < endAt; round++) {
    const order = round % 2 === 0 ? (['known', 'unknown'] as const) : (['unknown', 'known'] as const);
    for (const side of order) {
      const list = side === 'known' ? known : unknown;
      const t = threadCpuSeconds();
      for (const credentials of list) {
        server.authenticate({ method: 'REGISTER', uri: `sip:${DOMAIN}`, credentials: [credentials] }, lookup);
      }
      spent[side] += threadCpuSeconds() - t;
    }
    checks += known.length;
  }
  return { knownUs: (spent.known * 1e6) / checks, unknownUs: (spent.unknown * 1e6) / checks };
}

/** Heap growth per binding, 50,000 extensions each with one contact over UDP. */
function benchMemory(count = 50_000): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const registrar = new Registrar({ domain: DOMAIN, sweepIntervalMs: 0 });
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  // Inputs are built as the message layer would hand them over: fresh strings per request.
  const inputs = Array.from({ length: count }, (_, i) => {
    const ext = String(10000 + i);
    const port = 20000 + (i % 40000);
    const uri = `sip:${ext}@192.168.${(i >> 8) & 255}.${i & 255}:${port};transport=udp`;
    return {
      extension: ext,
      callId: `${i.toString(16)}a7f3c9e1b2d4f6a8c0e2@192.168.${(i >> 8) & 255}.${i & 255}`,
      cseq: 1,
      wildcard: false,
      expires: 3600,
      contacts: [{ uri, uriKey: `sip:${ext}@192.168.${(i >> 8) & 255}.${i & 255}:${port};udp` }],
      flow: {
        transport: 'udp' as const,
        remoteAddress: `192.168.${(i >> 8) & 255}.${i & 255}`,
        remotePort: port,
      },
      userAgent: 'Yealink SIP-T46S 66.86.0.15',
    };
  });
  for (const input of inputs) registrar.register(input);
  inputs.length = 0;
  gc();
  gc();
  const after = process.memoryUsage().heapUsed;
  if (registrar.size !== count) throw new Error('registrations missing');
  void registrar.close();
  // Measured from before the inputs existed: what the bindings keep of them (strings, flows) is counted,
  // the input objects themselves are garbage by now.
  return (after - before) / count;
}

export default async function main(): Promise<void> {
  const parseSerializePerSec = benchParseSerialize();
  console.log(
    `parse+serialize: ${Math.round(parseSerializePerSec).toLocaleString('en')} messages/s per core`,
  );
  const inProcess = benchInProcess();
  console.log(
    `REGISTER (MD5 digest) in process: ${Math.round(inProcess).toLocaleString('en')}/s per core  (${(1e6 / inProcess).toFixed(1)} µs each: parse, authenticate, register, serialize)`,
  );
  const udp = await benchUdp();
  console.log(
    `REGISTER (MD5 digest) through UDP, stack and registrar: ${Math.round(udp.perSec).toLocaleString('en')}/s` +
      ` wall clock (${udp.ok} × 200, ${udp.other} other)`,
  );
  // Per core: REGISTERs answered per CPU second of the server thread.
  const registerPerSec = udp.perCpuSec;
  console.log(
    `  → ${Math.round(registerPerSec).toLocaleString('en')} REGISTER/s per core (server thread CPU time)`,
  );
  const timing = benchAuthTiming();
  console.log(
    `wrong credentials, existing user: ${timing.knownUs.toFixed(2)} µs; non-existing user: ${timing.unknownUs.toFixed(2)} µs`,
  );
  const bytesPerRegistration = benchMemory();
  console.log(`memory: ${Math.round(bytesPerRegistration)} bytes per registration (50,000 bindings)`);
  console.log(
    JSON.stringify({
      bench: 'sip',
      registerPerSec: Math.round(registerPerSec),
      registerUdpPerSec: Math.round(udp.perSec),

      registerInProcessPerSec: Math.round(inProcess),
      parseSerializePerSec: Math.round(parseSerializePerSec),
      bytesPerRegistration: Math.round(bytesPerRegistration),
      authKnownUserMicros: Number(timing.knownUs.toFixed(2)),
      authUnknownUserMicros: Number(timing.unknownUs.toFixed(2)),
    }),
  );
}

/** What the load generator worker is told. */
interface LoadSpec {
  role: 'sip-load';
  port: number;
  users: Array<{ extension: string; sipPassword: string }>;
  perUser: number;
  window: number;
}

/**
 * The load generator (worker thread): challenges every phone once, prepares its authenticated REGISTERs
 * (successive nonce-counts, as phones refreshing do) so the measured phase costs the generator only
 * sends, then keeps `window` REGISTERs in flight and counts the 200s.
 */
async function loadGenerator(spec: LoadSpec): Promise<void> {
  const { createSocket } = await import('node:dgram');
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const port = socket.address().port;
  const send = (text: string | Buffer) =>
    new Promise<void>((resolve) => socket.send(text, spec.port, '127.0.0.1', () => resolve()));
  // Phase 1: one challenge per phone.
  const challenges = new Map<string, string[]>();
  socket.on('message', (buf) => {
    const m = parseMessage(buf);
    if (isParseError(m) || m.kind !== 'response' || m.status !== 401) return;
    const ext = /^bench-(\d+)$/.exec(getHeaderValues(m, 'call-id')[0] ?? '')?.[1];
    if (ext) challenges.set(ext, getHeaderValues(m, 'www-authenticate'));
  });
  for (const u of spec.users)
    await send(registerText(u.extension, 1, port, undefined, `bench-${u.extension}`));
  while (challenges.size < spec.users.length) {
    await new Promise((r) => setTimeout(r, 50));
    for (const u of spec.users) {
      if (!challenges.has(u.extension))
        await send(registerText(u.extension, 1, port, undefined, `bench-${u.extension}`));
    }
  }
  socket.removeAllListeners('message');
  // Phase 2: prepare.
  const requests: Buffer[] = [];
  const clients = spec.users.map((u) => new DigestClient({ username: u.extension, password: u.sipPassword }));
  for (let round = 0; round < spec.perUser; round++) {
    spec.users.forEach((u, i) => {
      const auth = clients[i]!.authorize(challenges.get(u.extension)!, 'REGISTER', `sip:${DOMAIN}`)!;
      requests.push(Buffer.from(registerText(u.extension, round + 2, port, auth, `bench-${u.extension}`)));
    });
  }
  // Phase 3: measured.
  let next = 0;
  let ok = 0;
  let other = 0;
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (next < requests.length && next - ok - other < spec.window)
        socket.send(requests[next++]!, spec.port, '127.0.0.1');
    };
    socket.on('message', (buf) => {
      // Only the status code matters here: a byte compare, not a parse.
      if (buf[8] === 0x32 && buf[9] === 0x30 && buf[10] === 0x30) ok++;
      else other++;
      if (ok + other >= requests.length) resolve();
      else pump();
    });
    pump();
  });
  const elapsed = (performance.now() - started) / 1000;
  socket.close();
  parentPort!.postMessage({ ok, other, elapsed });
}

/**
 * REGISTER through the real UDP path: UdpTransport → SipStack (transactions) → SipServer (digest MD5,
 * registrar) on this thread; the load generator in a worker. Returns 200s per second and how busy this
 * thread's event loop was meanwhile.
 */
async function benchUdp(): Promise<{
  perSec: number;
  perCpuSec: number;
  cpuShare: number;
  ok: number;
  other: number;
}> {
  const { UdpTransport } = await import('../src/sip/transport/udp-transport.ts');
  const { SipStack } = await import('../src/sip/stack.ts');
  const udp = await UdpTransport.listen({ host: '127.0.0.1', port: 0, rateLimit: false });
  const stack = new SipStack([udp], { viaHost: '127.0.0.1', userAgent: 'Parley' });
  const list = users(1000);
  const server = new SipServer({
    stack,
    directory: staticDirectory(list),
    domain: DOMAIN,
    logger: quietLogger(),
    algorithms: ['MD5'],
    registrar: { sweepIntervalMs: 0 },
  });
  const perUser = Math.max(2, Math.round(SECONDS * 6));
  const spec: LoadSpec = { role: 'sip-load', port: udp.localPort, users: list, perUser, window: 64 };
  const worker = new Worker(new URL(import.meta.url), { workerData: spec });
  const cpuBefore = threadCpuSeconds();
  const result = await new Promise<{ ok: number; other: number; elapsed: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const cpu = threadCpuSeconds() - cpuBefore;
  await worker.terminate();
  await server.close();
  await stack.close();
  await udp.close();
  // The CPU window also covers the generator's set-up (challenges, preparing requests), during which this
  // thread answers the challenges: a slight overcount of the server's cost, never an undercount.
  return {
    perSec: result.ok / result.elapsed,
    perCpuSec: result.ok / cpu,
    cpuShare: cpu / result.elapsed,
    ok: result.ok,
    other: result.other,
  };
}

if (!isMainThread && (workerData as LoadSpec | undefined)?.role === 'sip-load') {
  await loadGenerator(workerData as LoadSpec);
}
