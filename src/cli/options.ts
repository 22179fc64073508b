/**
 * `parley serve` options: each flag also an environment variable (CONTRACT.md). Parsing is pure and
 * returns either the options or a plain-words error, so a bad flag is one clear line on stderr.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';

export interface HostPort {
  host: string;
  port: number;
}

export interface ServeOptions {
  data: string;
  database?: string;
  http: HostPort;
  sip: HostPort;
  rtpPorts: { min: number; max: number };
  publicIp?: string;
  domain: string;
  tlsCert?: string;
  tlsKey?: string;
  /** Extra browser origins allowed on the SIP WebSocket (e.g. an Odoo server's), comma-separated. */
  wsOrigins?: string;
  logLevel: string;
}

interface FlagSpec {
  flag: string;
  env: string;
  key: keyof ServeOptions | 'tls-cert' | 'tls-key';
  help: string;
  value: string;
  defaultText: string;
}

export const SERVE_FLAGS: FlagSpec[] = [
  {
    flag: '--data',
    env: 'PARLEY_DATA',
    key: 'data',
    value: 'DIR',
    defaultText: './data',
    help: 'embedded store, recordings, generated keys',
  },
  {
    flag: '--database',
    env: 'PARLEY_DATABASE',
    key: 'database',
    value: 'URL',
    defaultText: 'SQLite in DIR',
    help: 'postgres://user:pass@host/db to use PostgreSQL instead of the embedded store',
  },
  {
    flag: '--http',
    env: 'PARLEY_HTTP',
    key: 'http',
    value: 'HOST:PORT',
    defaultText: '0.0.0.0:8080',
    help: 'console, API, and SIP over WebSocket at path /ws',
  },
  {
    flag: '--sip',
    env: 'PARLEY_SIP',
    key: 'sip',
    value: 'HOST:PORT',
    defaultText: '0.0.0.0:5060',
    help: 'SIP over UDP and TCP (TLS on port 5061 when a certificate is given)',
  },
  {
    flag: '--rtp-ports',
    env: 'PARLEY_RTP_PORTS',
    key: 'rtpPorts',
    value: 'A-B',
    defaultText: '10000-20000',
    help: 'UDP ports for media',
  },
  {
    flag: '--public-ip',
    env: 'PARLEY_PUBLIC_IP',
    key: 'publicIp',
    value: 'IP',
    defaultText: 'the bind address',
    help: 'address written into SDP and Contact headers',
  },
  {
    flag: '--domain',
    env: 'PARLEY_DOMAIN',
    key: 'domain',
    value: 'NAME',
    defaultText: 'the host name',
    help: 'SIP domain and digest realm',
  },
  {
    flag: '--tls-cert',
    env: 'PARLEY_TLS_CERT',
    key: 'tlsCert',
    value: 'FILE',
    defaultText: 'none',
    help: 'PEM certificate: HTTPS/WSS on the HTTP port and SIP over TLS',
  },
  {
    flag: '--tls-key',
    env: 'PARLEY_TLS_KEY',
    key: 'tlsKey',
    value: 'FILE',
    defaultText: 'none',
    help: 'PEM private key for --tls-cert',
  },
  {
    flag: '--ws-origins',
    env: 'PARLEY_WS_ORIGINS',
    key: 'wsOrigins',
    value: 'LIST',
    defaultText: "Parley's own names",
    help: 'other web origins whose pages may use SIP over WebSocket, e.g. https://odoo.example.com',
  },
  {
    flag: '--log-level',
    env: 'PARLEY_LOG_LEVEL',
    key: 'logLevel',
    value: 'LEVEL',
    defaultText: 'info',
    help: 'trace, debug, info, warn, error',
  },
];

export const SERVE_USAGE = `Usage: parley serve [options]

Runs the PBX: SIP (UDP, TCP, TLS, WebSocket), media, the web console and the API.
Every option can also be set with the environment variable shown.

${SERVE_FLAGS.map((f) => `  ${`${f.flag} ${f.value}`.padEnd(22)} ${f.env.padEnd(18)} ${f.help} (default: ${f.defaultText})`).join('\n')}
  -h, --help

Example: parley serve --http 0.0.0.0:8080 --sip 0.0.0.0:5060 --public-ip 192.0.2.10 --domain pbx.example.com
`;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseHostPort(text: string, what: string): ParseResult<HostPort> {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(text.trim());
  if (!m) return { ok: false, error: `${what}: expected HOST:PORT (e.g. 0.0.0.0:5060), got "${text}"` };
  const port = Number(m[3]);
  if (port < 1 || port > 65535) return { ok: false, error: `${what}: port ${port} is outside 1-65535` };
  return { ok: true, value: { host: m[1] ?? m[2]!, port } };
}

export function parsePortRange(text: string): ParseResult<{ min: number; max: number }> {
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
  if (!m) return { ok: false, error: `--rtp-ports: expected A-B (e.g. 10000-20000), got "${text}"` };
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535 || min >= max)
    return { ok: false, error: `--rtp-ports: need 1024 <= A < B <= 65535, got ${min}-${max}` };
  if (max - min < 3) return { ok: false, error: '--rtp-ports: the range must hold at least 4 ports' };
  return { ok: true, value: { min, max } };
}

/** Reads the common store options (`--data`, `--database`) every command takes. */
export function readFlags(argv: string[], known: string[]): ParseResult<Map<string, string>> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let value: string | undefined;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (!known.includes(arg)) return { ok: false, error: `unknown option "${arg}" (see --help)` };
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) return { ok: false, error: `${arg} needs a value` };
    }
    out.set(arg, value);
  }
  return { ok: true, value: out };
}

export function parseServeOptions(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): ParseResult<ServeOptions> {
  const flags = readFlags(
    argv,
    SERVE_FLAGS.map((f) => f.flag),
  );
  if (!flags.ok) return flags;
  const get = (flag: string): string | undefined => {
    const spec = SERVE_FLAGS.find((f) => f.flag === flag)!;
    const v = flags.value.get(flag) ?? env[spec.env];
    return v === '' ? undefined : v;
  };
  const http = parseHostPort(get('--http') ?? '0.0.0.0:8080', '--http');
  if (!http.ok) return http;
  const sip = parseHostPort(get('--sip') ?? '0.0.0.0:5060', '--sip');
  if (!sip.ok) return sip;
  const rtp = parsePortRange(get('--rtp-ports') ?? '10000-20000');
  if (!rtp.ok) return rtp;
  const tlsCert = get('--tls-cert');
  const tlsKey = get('--tls-key');
  if (Boolean(tlsCert) !== Boolean(tlsKey))
    return { ok: false, error: '--tls-cert and --tls-key go together: give both or neither' };
  const publicIp = get('--public-ip');
  if (publicIp !== undefined && !/^[0-9.]+$|^[0-9a-fA-F:]+$/.test(publicIp))
    return { ok: false, error: `--public-ip: "${publicIp}" is not an IP address` };
  const logLevel = get('--log-level') ?? 'info';
  if (!['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(logLevel))
    return { ok: false, error: `--log-level: unknown level "${logLevel}"` };
  const domain = get('--domain') ?? hostname();
  if (!/^[A-Za-z0-9.-]+$/.test(domain))
    return { ok: false, error: `--domain: "${domain}" is not a host name` };
  return {
    ok: true,
    value: {
      data: resolve(get('--data') ?? './data'),
      database: get('--database'),
      http: http.value,
      sip: sip.value,
      rtpPorts: rtp.value,
      publicIp,
      domain,
      tlsCert,
      tlsKey,
      ...(get('--ws-origins') ? { wsOrigins: get('--ws-origins') } : {}),
      logLevel,
    },
  };
}
