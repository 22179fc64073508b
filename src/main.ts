/**
 * The composition root: builds and wires the store, the SIP stack, the PBX and the HTTP API. The only file
 * that knows all the others. Start-up is all or nothing: whatever started is closed again when a later part
 * fails, so a port in use leaves nothing half-running.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { buildApi, EventBus, MetricsRegistry, type PbxPort, PbxPortError } from './api/index.ts';
import type { ServeOptions } from './cli/options.ts';
import type { Logger } from './log.ts';
import { MediaEngine, type MediaEngineStats } from './media/index.ts';
import { parseThreadPriority } from './media/worker/thread-priority.ts';
import { InviteError } from './pbx/call/call-manager.ts';
import { Pbx } from './pbx/pbx.ts';
import { SipServer } from './pbx/sip-server.ts';
import { SipStack } from './sip/stack.ts';
import { TcpTransport } from './sip/transport/tcp-transport.ts';
import { TlsTransport } from './sip/transport/tls-transport.ts';
import type { Transport } from './sip/transport/transport.ts';
import { UdpTransport } from './sip/transport/udp-transport.ts';
import { WsTransport } from './sip/transport/ws-transport.ts';
import type { UserDirectory } from './store/directory.ts';
import { openStore } from './store/index.ts';

/** A running Parley. `close()` stops it; calling it twice is harmless. */
export interface Parley {
  readonly httpPort: number;
  readonly sipPort: number;
  close(): Promise<void>;
}

/** Turns a bind failure into the plain sentence a person needs. */
function explainListenError(what: string, host: string, port: number, err: unknown): Error {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'EADDRINUSE') return new Error(`${what} port ${host}:${port} is already in use`);
  if (code === 'EACCES')
    return new Error(`${what} port ${host}:${port} needs more privileges (use a port above 1023)`);
  if (code === 'EADDRNOTAVAIL') return new Error(`${what} address ${host} is not an address of this machine`);
  return new Error(`${what} cannot listen on ${host}:${port}: ${(err as Error)?.message ?? err}`);
}

async function listenOn<T>(what: string, host: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    throw explainListenError(what, host, port, err);
  }
}

/**
 * The API's view of the PBX: live rooms and invitations. The API is built before the PBX (the SIP
 * WebSocket transport needs the HTTP server), so this reads the PBX when a request comes.
 */
function pbxPort(current: () => Pbx | undefined): PbxPort {
  const pbx = (): Pbx => {
    const p = current();
    if (!p) throw new PbxPortError('FAILED', 'the PBX is still starting');
    return p;
  };
  return {
    participants: (id) => current()?.participants(id) ?? [],
    invite: async (id, destination) => {
      try {
        return await pbx().calls.invite(id, destination);
      } catch (err) {
        if (err instanceof InviteError) throw new PbxPortError(err.code, err.message);
        throw err;
      }
    },
    mute: (id, pid) => pbx().rooms.mute(id, pid),
    unmute: (id, pid) => pbx().rooms.unmute(id, pid),
    kick: (id, pid) => pbx().rooms.kick(id, pid),
    lock: (id, locked) => pbx().rooms.lock(id, locked),
    trunkStatus: (id) => {
      const s = current()?.trunkStatus(id);
      if (!s) return undefined;
      const state = s.state === 'stopped' ? 'unregistered' : s.state;
      return s.lastError ? { state, detail: s.lastError } : { state };
    },
  };
}

/**
 * Which browser pages may open SIP over WebSocket (RFC 7118 §6: check Origin). By default the pages of this
 * PBX itself: an Origin whose host is one of its names (the SIP domain, its addresses, the machine's name,
 * loopback). `PARLEY_WS_ORIGINS` adds origins (comma-separated, e.g. an Odoo server's
 * `https://odoo.example.com`), or `*` for any. Clients that send no Origin are not browsers: allowed.
 */
function webSocketOriginPolicy(names: Array<string | undefined>, extra: string | undefined) {
  const allowed = (extra ?? '')
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, '').toLowerCase())
    .filter(Boolean);
  const hosts = new Set(
    [...names, hostname(), 'localhost', '127.0.0.1', '[::1]']
      .filter((h): h is string => Boolean(h) && h !== '0.0.0.0' && h !== '::')
      .map((h) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase()),
  );
  return (origin: string | undefined): boolean => {
    if (origin === undefined) return true;
    if (allowed.includes('*') || allowed.includes(origin.toLowerCase())) return true;
    try {
      return hosts.has(new URL(origin).hostname.toLowerCase());
    } catch {
      return false;
    }
  };
}

/** How often the media figures behind `/metrics` are refreshed from the workers. */
const MEDIA_STATS_MS = 1000;

/**
 * Media figures on `/metrics`. The workers answer asynchronously and a scrape is synchronous, so a timer
 * asks them every second; the tick counters add up what each ask reports (each ask resets the workers'
 * clock figures, so the lateness percentile covers the last second). Frame and packet figures are sums over the
 * sessions open now (gauges: they drop when sessions close). Returns the stop function.
 */
function mediaMetrics(engine: MediaEngine, metrics: MetricsRegistry, logger: Logger): () => void {
  let latest: MediaEngineStats | undefined;
  const ticks = metrics.counter('parley_media_ticks_total', 'media clock ticks due, all workers');
  const lateTicks = metrics.counter(
    'parley_media_late_ticks_total',
    'media clock ticks that ran a whole period late or were skipped (every frame of that tick late)',
  );
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const refresh = async () => {
    try {
      latest = await engine.stats({ resetClock: true });
      for (const w of latest.workers) {
        ticks.inc(undefined, w.clock.lateness.count + w.clock.skipped);
        lateTicks.inc(undefined, w.clock.caughtUp + w.clock.skipped);
      }
    } catch (err) {
      if (!stopped) logger.warn({ err }, 'media figures unavailable');
    }
    if (!stopped) timer = setTimeout(refresh, MEDIA_STATS_MS).unref();
  };
  timer = setTimeout(refresh, MEDIA_STATS_MS).unref();
  const sum = (pick: (w: MediaEngineStats['workers'][number]) => number) => () =>
    latest ? latest.workers.reduce((a, w) => a + pick(w), 0) : 0;
  metrics.gauge('parley_media_sessions', 'RTP sessions open', () => latest?.sessions ?? 0);
  metrics.gauge(
    'parley_media_tick_lateness_p99_ms',
    'p99 lateness of media clock ticks over the last second, worst worker',
    () => (latest ? Math.max(0, ...latest.workers.map((w) => w.clock.lateness.p99)) : 0),
  );
  metrics.gauge(
    'parley_media_worker_cpu_ratio',
    'CPU time of the media worker threads per wall time over the last second (1 = one core)',
    sum((w) => w.cpu),
  );
  metrics.gauge(
    'parley_media_frames_played',
    'frames played from received packets, open sessions',
    sum((w) => w.totals.framesPlayed),
  );
  metrics.gauge(
    'parley_media_frames_concealed',
    'frames concealed because their packet was late or lost, open sessions',
    sum((w) => w.totals.framesConcealed),
  );
  metrics.gauge(
    'parley_media_packets_received',
    'RTP packets received, open sessions',
    sum((w) => w.totals.packetsReceived),
  );
  metrics.gauge(
    'parley_media_packets_late',
    'RTP packets that arrived after their play-out time, open sessions',
    sum((w) => w.totals.late),
  );
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

/**
 * The address phones are told to send to when none is given: the bind address, or for a wildcard bind the
 * machine's first non-internal IPv4 address (loopback when it has none).
 */
function advertisedAddress(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * How long calls may go on after SIGTERM before they are hung up: 10 s, or `PARLEY_SHUTDOWN_GRACE_MS`
 * (milliseconds; a deployment that drains longer, or a test that cannot wait).
 */
function shutdownGraceMs(): number {
  return msFromEnv('PARLEY_SHUTDOWN_GRACE_MS') ?? 10_000;
}

/** Milliseconds from an environment variable, or undefined when unset or not a number ≥ 0. */
function msFromEnv(name: string): number | undefined {
  const raw = process.env[name]?.trim();
  const ms = raw ? Number(raw) : Number.NaN;
  return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
}

export async function startParley(options: ServeOptions, logger: Logger): Promise<Parley> {
  const closers: Array<() => Promise<void> | void> = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    while (closers.length) {
      const c = closers.pop()!;
      try {
        await c();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
  };
  try {
    mkdirSync(options.data, { recursive: true });
    let tls: { cert: Buffer; key: Buffer } | undefined;
    if (options.tlsCert && options.tlsKey) {
      try {
        tls = { cert: readFileSync(options.tlsCert), key: readFileSync(options.tlsKey) };
      } catch (err) {
        throw new Error(`cannot read the TLS certificate or key: ${(err as Error).message}`);
      }
    }

    const store = await openStore({ data: options.data, database: options.database, logger });
    closers.push(() => store.close());
    const events = new EventBus();
    const metrics = new MetricsRegistry();
    // The live configuration is replaced on every Apply: always read the current one.
    const directory: UserDirectory = { findUser: (ext) => store.live.findUser(ext) };

    let running: Pbx | undefined;
    const api = buildApi({
      store,
      logger,
      events,
      metrics,
      https: tls,
      secureCookies: Boolean(tls),
      domain: options.domain,
      pbx: pbxPort(() => running),
    });
    closers.push(() => api.close());
    await api.ready();

    const { host: sipHost, port: sipPort } = options.sip;
    const sipLog = logger.child({ component: 'sip' });
    const transports: Transport[] = [];
    closers.push(async () => {
      for (const t of transports) await t.close();
    });
    const udp = await listenOn('SIP UDP', sipHost, sipPort, () =>
      UdpTransport.listen({ host: sipHost, port: sipPort, log: sipLog }),
    );
    transports.push(udp);
    transports.push(
      await listenOn('SIP TCP', sipHost, udp.localPort, () =>
        TcpTransport.listen({ host: sipHost, port: udp.localPort, log: sipLog }),
      ),
    );
    if (tls) {
      const tlsPort = sipPort === 5060 ? 5061 : udp.localPort + 1;
      transports.push(
        await listenOn('SIP TLS', sipHost, tlsPort, () =>
          TlsTransport.listen({ host: sipHost, port: tlsPort, cert: tls.cert, key: tls.key, log: sipLog }),
        ),
      );
    }
    const advertised = options.publicIp ?? advertisedAddress(sipHost);
    const allowOrigin = webSocketOriginPolicy(
      [options.domain, options.http.host, options.publicIp, sipHost],
      options.wsOrigins,
    );
    transports.push(new WsTransport({ server: api.server, log: sipLog, allowOrigin }));
    const stack = new SipStack(transports, {
      viaHost: advertised,
      userAgent: 'Parley',
      log: sipLog,
    });
    closers.push(() => stack.close());
    const sipServer = new SipServer({
      stack,
      directory,
      domain: options.domain,
      logger: sipLog,
      dataDir: options.data,
      serverName: 'Parley',
    });
    closers.push(() => sipServer.close());
    await sipServer.start();

    // A call whose media stopped arriving for this long is hung up: 30 s, or PARLEY_RTP_TIMEOUT_MS.
    const rtpTimeoutMs = msFromEnv('PARLEY_RTP_TIMEOUT_MS');
    // Media threads run at real-time priority when the system permits (PARLEY_MEDIA_PRIORITY).
    const priority = parseThreadPriority(process.env.PARLEY_MEDIA_PRIORITY);
    if (typeof priority !== 'string') throw new Error(`PARLEY_MEDIA_PRIORITY: ${priority.error}`);
    const engine = new MediaEngine({
      rtpPorts: options.rtpPorts,
      priority,
      ...(rtpTimeoutMs !== undefined ? { rtpTimeoutMs } : {}),
    });
    closers.push(() => engine.close());
    engine
      .stats()
      .then((s) => {
        const got = s.workers.map((w) => w.priority);
        logger.info({ workers: got.length, priority: got[0] }, 'media workers started');
        if (priority !== 'normal' && got.includes('normal'))
          logger.warn(
            { wanted: priority, got },
            'media threads could not get the priority asked for (needs CAP_SYS_NICE or an RLIMIT_RTPRIO allowance); audio may stutter on a busy machine',
          );
      })
      .catch(() => {});
    // Browsers call in over WebRTC: load it now rather than on the first call (about half a second).
    engine.warmUpWebRtc().catch((err: unknown) => logger.warn({ err }, 'WebRTC warm-up failed'));
    closers.push(mediaMetrics(engine, metrics, logger));
    const mediaAddress = options.publicIp ?? advertised;
    const pbx = new Pbx({
      stack,
      sipServer,
      engine,
      config: () => store.live,
      mediaAddress,
      domain: options.domain,
      logger: logger.child({ component: 'pbx' }),
      events: (type, data) => events.publish(type as never, data as never),
      record: (summary) => {
        const { reason: _reason, ...record } = summary;
        store.addCallRecord(record).catch((err: unknown) => logger.warn({ err }, 'call record not saved'));
      },
    });
    running = pbx;
    closers.push(() => pbx.shutdown(shutdownGraceMs()));
    const offApplied = store.onApplied(() => {
      pbx
        .applied()
        .catch((err: unknown) => logger.error({ err }, 'applying the configuration to the PBX failed'));
    });
    closers.push(offApplied);

    const { host: httpHost, port: httpPort } = options.http;
    await listenOn('HTTP', httpHost, httpPort, () => api.listen({ host: httpHost, port: httpPort }));
    const address = api.server.address();
    const boundHttpPort = typeof address === 'object' && address ? address.port : httpPort;
    logger.info(
      {
        http: `${httpHost}:${boundHttpPort}`,
        sip: `${sipHost}:${udp.localPort}`,
        domain: options.domain,
        store: store.engine,
        data: options.data,
      },
      'parley is running',
    );
    return { httpPort: boundHttpPort, sipPort: udp.localPort, close };
  } catch (err) {
    await close();
    throw err;
  }
}
