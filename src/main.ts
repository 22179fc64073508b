/**
 * The composition root: builds and wires the store, the SIP stack, the PBX and the HTTP API. The only file
 * that knows all the others. Start-up is all or nothing: whatever started is closed again when a later part
 * fails, so a port in use leaves nothing half-running.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { buildApi, EventBus, MetricsRegistry } from './api/index.ts';
import type { ServeOptions } from './cli/options.ts';
import type { Logger } from './log.ts';
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

    const api = buildApi({ store, logger, events, metrics, https: tls, secureCookies: Boolean(tls) });
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
    transports.push(new WsTransport({ server: api.server, log: sipLog }));

    const advertised =
      options.publicIp ?? (sipHost === '0.0.0.0' || sipHost === '::' ? '127.0.0.1' : sipHost);
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
