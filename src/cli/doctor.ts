/**
 * `parley doctor`: checks what `parley serve` needs, with the same flags, and says what is wrong in plain
 * words: the runtime, the store (reachable, migrated), the ports (free), the prompts (present), the TLS
 * files (readable, a matching pair, not expired). Exit code 1 when anything would stop `serve`.
 */
import { X509Certificate } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createSecureContext } from 'node:tls';
import {
  LANGUAGES,
  musicOnHoldPath,
  PROMPT_NAMES,
  PROMPTS_DIR,
  promptPath,
  TONE_NAMES,
  tonePath,
} from '../../prompts/index.ts';
import { inspectStore } from '../store/index.ts';
import { type HostPort, parseServeOptions, SERVE_FLAGS } from './options.ts';

export const usage = `Usage: parley doctor [the options of parley serve]

Checks, without starting anything, what \`parley serve\` with the same options needs: Node.js, the store
(reachable, schema up to date), the HTTP and SIP ports (free), the prompts, the TLS certificate and key.

${SERVE_FLAGS.map((f) => `  ${`${f.flag} ${f.value}`.padEnd(22)} ${f.env}`).join('\n')}
`;

type Level = 'ok' | 'warn' | 'fail';

export interface Finding {
  level: Level;
  text: string;
}

function bindTcp(hp: HostPort): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    s.listen({ host: hp.host, port: hp.port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

function bindUdp(hp: HostPort): Promise<string | undefined> {
  return new Promise((resolve) => {
    const s = createSocket(hp.host.includes(':') ? 'udp6' : 'udp4');
    s.once('error', (err: NodeJS.ErrnoException) => {
      s.close();
      resolve(err.code ?? err.message);
    });
    s.bind({ address: hp.host, port: hp.port, exclusive: true }, () => s.close(() => resolve(undefined)));
  });
}

function portProblem(code: string, what: string, hp: HostPort): string {
  if (code === 'EADDRINUSE')
    return `${what} port ${hp.port} on ${hp.host} is already in use (another PBX or Parley running?)`;
  if (code === 'EACCES')
    return `${what} port ${hp.port} needs privileges (ports below 1024 need root or CAP_NET_BIND_SERVICE)`;
  if (code === 'EADDRNOTAVAIL') return `${what} address ${hp.host} is not an address of this machine`;
  return `${what} port ${hp.port} on ${hp.host} cannot be opened: ${code}`;
}

/** Runs every check; pure of output, so tests can look at the findings. */
export async function diagnose(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
): Promise<Finding[]> {
  const out: Finding[] = [];
  const add = (level: Level, text: string) => out.push({ level, text });
  const parsed = parseServeOptions(argv, env);
  if (!parsed.ok) {
    add('fail', parsed.error);
    return out;
  }
  const o = parsed.value;

  const major = Number(process.versions.node.split('.')[0]);
  add(
    major >= 24 ? 'ok' : 'fail',
    `Node.js ${process.versions.node}${major >= 24 ? '' : ' (Parley needs 24 or newer: run it with npm start)'}`,
  );

  try {
    const s = await inspectStore({ data: o.data, database: o.database });
    const where = s.engine === 'postgres' ? 'the PostgreSQL database' : `the store in ${o.data}`;
    if (!s.exists) {
      try {
        accessSync(existsSync(o.data) ? o.data : '.', constants.W_OK);
        add('ok', `${where} does not exist yet; parley serve will create it`);
      } catch {
        add('fail', `${where} does not exist and ${o.data} is not writable`);
      }
    } else if (s.schemaVersion > s.latestSchemaVersion)
      add(
        'fail',
        `${where} has schema ${s.schemaVersion}, newer than this Parley (${s.latestSchemaVersion}): upgrade Parley`,
      );
    else if (s.schemaVersion < s.latestSchemaVersion)
      add(
        'warn',
        `${where} has schema ${s.schemaVersion} of ${s.latestSchemaVersion}; parley serve will migrate it`,
      );
    else add('ok', `${where} is reachable, schema up to date, configuration version ${s.liveVersion} live`);
  } catch (err) {
    add('fail', `the store cannot be reached: ${(err as Error).message}`);
  }

  const checks: Array<[string, HostPort, (hp: HostPort) => Promise<string | undefined>]> = [
    ['HTTP', o.http, bindTcp],
    ['SIP UDP', o.sip, bindUdp],
    ['SIP TCP', o.sip, bindTcp],
  ];
  if (o.tlsCert) checks.push(['SIP TLS', { host: o.sip.host, port: 5061 }, bindTcp]);
  for (const [what, hp, bind] of checks) {
    const problem = await bind(hp);
    add(
      problem ? 'fail' : 'ok',
      problem ? portProblem(problem, what, hp) : `${what} port ${hp.port} on ${hp.host} is free`,
    );
  }
  add(
    'ok',
    `media ports ${o.rtpPorts.min}-${o.rtpPorts.max} (${o.rtpPorts.max - o.rtpPorts.min + 1} UDP ports)`,
  );

  const wanted = [
    ...LANGUAGES.flatMap((lang) => PROMPT_NAMES.map((name) => promptPath(lang, name))),
    ...TONE_NAMES.map((t) => tonePath(t)),
    musicOnHoldPath(),
  ];
  const missing = wanted.filter((f) => {
    try {
      accessSync(f, constants.R_OK);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length)
    add(
      'fail',
      `${missing.length} prompt file(s) missing or unreadable in ${PROMPTS_DIR}, e.g. ${missing[0]}`,
    );
  else
    add(
      'ok',
      `prompts: ${LANGUAGES.length} languages × ${PROMPT_NAMES.length} prompts, tones, music on hold`,
    );

  if (o.tlsCert && o.tlsKey) {
    try {
      const cert = readFileSync(o.tlsCert);
      const key = readFileSync(o.tlsKey);
      createSecureContext({ cert, key });
      const x509 = new X509Certificate(cert);
      const daysLeft = Math.floor((Date.parse(x509.validTo) - Date.now()) / 86_400_000);
      if (daysLeft < 0) add('fail', `the TLS certificate expired on ${x509.validTo}`);
      else if (daysLeft < 21)
        add('warn', `the TLS certificate expires in ${daysLeft} days (${x509.validTo})`);
      else
        add(
          'ok',
          `TLS certificate for ${x509.subject.replace(/\n/g, ', ')} matches its key, valid until ${x509.validTo}`,
        );
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === 'ENOENT' || e.code === 'EACCES'
          ? `cannot read ${e.path}`
          : /key values mismatch/i.test(e.message)
            ? 'the key does not belong to the certificate'
            : e.message;
      add('fail', `TLS: ${why}`);
    }
  } else add('ok', 'no TLS certificate given: HTTP and SIP without TLS');
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const findings = await diagnose(argv);
  for (const f of findings) process.stdout.write(`${f.level.toUpperCase().padEnd(4)}  ${f.text}\n`);
  const failed = findings.filter((f) => f.level === 'fail').length;
  process.stdout.write(failed ? `\n${failed} problem(s) would stop parley serve.\n` : '\nAll good.\n');
  return failed ? 1 : 0;
}
