/**
 * sipp as a phone of test user `from` calling `to` through a running Parley: the options every such
 * scenario takes (digest credentials, the digest URI Parley checks against the Request-URI, RFC 2617
 * §3.2.2.5, and the `caller` variable), so a test names only its scenario and what differs.
 */
import { resolve } from 'node:path';
import type { ParleyProcess } from './parley-process.ts';
import type { SippOptions } from './sipp.ts';
import { passwordOf } from './users.ts';

const SCENARIOS = resolve(import.meta.dirname, '..', 'scenarios');

/**
 * Options for `startSipp`/`runSipp`: one call of scenarios/`scenario` from `from` to `to`, with `from`'s
 * password unless `authPassword` says another.
 */
export function sippCaller(
  parley: ParleyProcess,
  o: { scenario: string; from: string; to: string } & Omit<
    SippOptions,
    'scenario' | 'remote' | 'service' | 'authUser'
  >,
): SippOptions {
  const { scenario, from, to, set, extraArgs, ...rest } = o;
  return {
    scenario: resolve(SCENARIOS, scenario),
    remote: `127.0.0.1:${parley.sipPort}`,
    service: to,
    authUser: from,
    authPassword: passwordOf(from),
    set: { caller: from, ...set },
    // sipp's digest uri defaults to sip:host:port; Parley checks it against the Request-URI.
    extraArgs: ['-auth_uri', `${to}@127.0.0.1:${parley.sipPort}`, ...(extraArgs ?? [])],
    calls: 1,
    ...rest,
  };
}
