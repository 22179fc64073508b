/**
 * Free port finder for tests on 127.0.0.1. Tests run in parallel with other tests, so every listener picks
 * a port the kernel says is free right now. A port is returned only when it is free for BOTH UDP and TCP
 * (SIP listens on both at once). There is an unavoidable window between probing and the real bind: callers
 * that bind themselves should still be ready to retry on EADDRINUSE.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

const HOST = '127.0.0.1';

function tryUdp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => {
      s.close();
      resolve(null);
    });
    s.bind(port, HOST, () => {
      const bound = s.address().port;
      s.close(() => resolve(bound));
    });
  });
}

function tryTcp(port: number): Promise<number | null> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(null));
    srv.listen({ port, host: HOST, exclusive: true }, () => {
      const addr = srv.address();
      const bound = typeof addr === 'object' && addr ? addr.port : null;
      srv.close(() => resolve(bound));
    });
  });
}

/** A port on 127.0.0.1 that is free for both UDP and TCP at the time of the call. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryTcp(0);
    if (port === null) continue;
    if ((await tryUdp(port)) !== null) return port;
  }
  throw new Error('no free UDP+TCP port on 127.0.0.1 after 50 attempts');
}

/** A UDP-only free port on 127.0.0.1. */
export async function freeUdpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryUdp(0);
    if (port !== null) return port;
  }
  throw new Error('no free UDP port on 127.0.0.1');
}

/** A TCP-only free port on 127.0.0.1. */
export async function freeTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await tryTcp(0);
    if (port !== null) return port;
  }
  throw new Error('no free TCP port on 127.0.0.1');
}

/**
 * `count` UDP ports in a row (`base`, `base+1`, …) that are all free, e.g. for RTP/RTCP pairs or sipp's
 * media echo ports (it binds `-mp` and `-mp + 2`). Picks a random base in 20000–32767, below the kernel's
 * ephemeral range and above the media engines' test ranges (test/helpers/rtp-ports.ts), and retries.
 */
export async function freeUdpPortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20000 + 2 * Math.floor(Math.random() * Math.floor((32768 - 20000 - count) / 2));
    let ok = true;
    for (let i = 0; i < count && ok; i++) ok = (await tryUdp(base + i)) !== null;
    if (ok) return base;
  }
  throw new Error(`no ${count} consecutive free UDP ports on 127.0.0.1`);
}

/**
 * Calls `start`, which binds ports it has just probed free, again (three attempts in all) while it fails
 * because one was taken in the window between probe and bind: `taken(err)` says whether that is why.
 */
export async function retryWhilePortTaken<T>(
  start: () => Promise<T>,
  taken: (err: Error) => boolean,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= 3 || !(err instanceof Error) || !taken(err)) throw err;
    }
  }
}
