/**
 * A carrier played by sipp (scenarios/calls-carrier-uas.xml) for trunk tests: it challenges Parley's
 * INVITE with 401, answers only the trunk's digest credentials and caller ID, and stays up until BYE.
 * Started before Parley is told its port, and on a new port when the first one was taken in between
 * (other tests and phones bind random ports all the time).
 */
import { join } from 'node:path';
import { freePort } from './ports.ts';
import { describeSipp, type SippRun, startSipp } from './sipp.ts';

const SCENARIOS = join(import.meta.dirname, '..', 'scenarios');

export interface CarrierAccount {
  username: string;
  password: string;
  /** The caller ID (From user) the carrier expects from the trunk. */
  callerId: string;
}

/** A listening carrier (its SIP port is `run.port`), ready for the first INVITE. */
export async function startCarrier(
  account: CarrierAccount,
  options: {
    calls?: number;
    timeoutSeconds?: number;
    traceMessages?: boolean;
    /** Another carrier scenario in scenarios/ taking the same variables (default calls-carrier-uas.xml). */
    scenario?: string;
  } = {},
): Promise<SippRun> {
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const run = await startSipp({
      scenario: join(SCENARIOS, options.scenario ?? 'calls-carrier-uas.xml'),
      localPort: await freePort(),
      calls: options.calls ?? 1,
      set: { trunkuser: account.username, trunkpass: account.password, callerid: account.callerId },
      timeoutSeconds: options.timeoutSeconds ?? 30,
      ...(options.traceMessages ? { traceMessages: true } : {}),
    });
    try {
      await run.ready();
      return run;
    } catch (err) {
      last = `${err}\n${describeSipp(await run.stop())}`;
    }
  }
  throw new Error(`the sipp carrier did not start:\n${last}`);
}

/** The trunk account the carrier tests use. */
export const TEST_TRUNK: CarrierAccount = {
  username: 'parley-trunk',
  password: 'trunk-secret-9',
  callerId: '+3225550000',
};

/** The trunk that sends Parley's outside calls to a carrier on `port` with `account`'s credentials. */
export function carrierTrunk(port: number, account: CarrierAccount = TEST_TRUNK): Record<string, unknown> {
  return {
    name: 'Carrier',
    host: '127.0.0.1',
    port,
    transport: 'udp',
    username: account.username,
    password: account.password,
    register: false,
    callerId: account.callerId,
    inboundAddresses: [],
  };
}
