/**
 * The setup of a whole-system call test: a real `parley serve` (free ports, its own data directory),
 * provisioned with users, conferences and trunks, and the baresip phones the test talks through, each
 * sending its own test tone. `callFixture` starts it in `before` and stops every process it started
 * in `after`; a start that fails half-way stops what it had started before throwing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { BARESIP, type Baresip } from './baresip.ts';
import { type ParleyProcess, startParley } from './parley-process.ts';
import { startPhone } from './phones.ts';
import { type RtpListener, rtpListener } from './rtp-listener.ts';
import { describeSipp, type SippRun } from './sipp.ts';
import { SOX, toneFile, waitFor } from './tones.ts';
import { passwordOf } from './users.ts';

/** A baresip phone signed in as a test user, its microphone a tone. */
export interface PhoneSpec {
  extension: string;
  /** The microphone's tone in Hz. */
  tone: number;
  /** The tone file's sample rate (default 8000; 16000 for a wideband phone). */
  rate?: number;
  autoAnswer?: boolean;
  /** Codecs it offers and accepts (baresip's default: PCMU, PCMA). */
  codecs?: string[];
  /** Its name in `phones` (default: the extension; two phones of one user need names). */
  key?: string;
}

/** The usual pair of a direct call: 101 sending 700 Hz, and 102 sending 1300 Hz, answering by itself. */
export const CALLER_AND_CALLEE: readonly PhoneSpec[] = [
  { extension: '101', tone: 700 },
  { extension: '102', tone: 1300, autoAnswer: true },
];

type Provision = Parameters<ParleyProcess['provision']>[0];

export interface CallFixtureOptions {
  /** Names the temporary directory of tone files. */
  name: string;
  users?: Provision['users'];
  conferences?: Provision['conferences'];
  trunks?: Provision['trunks'];
  /** Started in parallel once Parley is provisioned; all registered before the tests run. */
  phones?: readonly PhoneSpec[];
  /** Options of `startParley` (environment, domain, RTP ports). */
  parley?: Parameters<typeof startParley>[0];
}

/** A conference member as the participants API lists it. */
export interface Participant {
  id: string;
  callerId: string;
  extension?: string;
  role: string;
  muted: boolean;
}

export interface CallFixture {
  parley: ParleyProcess;
  /** Holds the tone files. */
  dir: string;
  /** What `provision` created, by kind. */
  created: Record<string, Array<{ id: string }>>;
  /** The first conference's id ('' without conferences). */
  conferenceId: string;
  phones: Map<string, Baresip>;
  /** The phone of that key (throws when there is none). */
  phone(key: string): Baresip;
  /** Starts and registers another phone; it is stopped at `t.after` when given, else with the fixture. */
  addPhone(spec: PhoneSpec, t?: { after(fn: () => Promise<void>): void }): Promise<Baresip>;
  /** The first conference's participants. */
  participants(): Promise<Participant[]>;
  /**
   * `POST /api/conferences/{id}/invite` of an outside number answered by `carrier`, and its member in
   * the room; when it does not get in within 15 s, the carrier is stopped and its run told.
   */
  inviteCarrier(number: string, carrier: SippRun): Promise<Participant>;
  /** `POST /api/conferences/{id}/invite` to the first conference. */
  invite(destination: string): Promise<{ callId: string }>;
  /** Phone `key` dials `room` and waits until the first conference has `count` members. */
  joinRoom(key: string, room: string, count: number): Promise<void>;
  /**
   * For a test where sipp talks to phone `spec` through Parley: an RTP listener for sipp's media and the
   * phone, both closed at `t.after`; undefined (the test skipped) without baresip or sox.
   */
  phoneAndListener(
    spec: PhoneSpec,
    t: { after(fn: () => unknown): void; skip(message: string): void },
  ): Promise<{ phone: Baresip; rtp: RtpListener } | undefined>;
  /** Phone `from` dials `number`, which phone `to` answers: both calls established. */
  call(from: string, number: string, to: string): Promise<[Baresip, Baresip]>;
  /** Phone `key` hangs up and waits for its call to close. */
  hangUp(key: string): Promise<void>;
  /** Stops every phone, then Parley, and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** Starts the fixture; the caller stops it. */
export async function startCallFixture(options: CallFixtureOptions): Promise<CallFixture> {
  const dir = mkdtempSync(join(tmpdir(), `parley-${options.name}-`));
  const phones = new Map<string, Baresip>();
  const extra: Baresip[] = [];
  let parley: ParleyProcess | undefined;
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      for (const p of [...phones.values(), ...extra]) await p.stop().catch(() => {});
      await parley?.stop();
      rmSync(dir, { recursive: true, force: true });
    })();
    return stopped;
  };
  try {
    parley = await startParley(options.parley);
    const running = parley;
    const { users, conferences, trunks } = options;
    // Nothing to provision: nothing to apply either.
    const created =
      users || conferences || trunks
        ? await running.provision({
            ...(users ? { users } : {}),
            ...(conferences ? { conferences } : {}),
            ...(trunks ? { trunks } : {}),
          })
        : {};
    const start = (spec: PhoneSpec) =>
      startPhone({
        extension: spec.extension,
        password: passwordOf(spec.extension),
        domain: running.domain,
        pbxPort: running.sipPort,
        source: toneFile(dir, spec.tone, spec.rate),
        ...(spec.autoAnswer ? { autoAnswer: true } : {}),
        ...(spec.codecs ? { codecs: spec.codecs } : {}),
      });
    const specs = options.phones ?? [];
    const started = await Promise.allSettled(specs.map(start));
    for (const [i, s] of started.entries())
      if (s.status === 'fulfilled') phones.set(specs[i]!.key ?? specs[i]!.extension, s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    await Promise.all([...phones.values()].map((p) => p.registered()));
    const conferenceId = created.conferences?.[0]?.id ?? '';
    const participants = () =>
      running.api<Participant[]>('GET', `/api/conferences/${conferenceId}/participants`);
    const invite = (destination: string) =>
      running.api<{ callId: string }>('POST', `/api/conferences/${conferenceId}/invite`, { destination });
    const phone = (key: string) => {
      const p = phones.get(key);
      if (!p) throw new Error(`no phone ${key} in this fixture`);
      return p;
    };
    return {
      parley: running,
      dir,
      created,
      conferenceId,
      phones,
      phone,
      async addPhone(spec, t) {
        const p = await start(spec);
        if (t) t.after(() => p.stop().catch(() => {}));
        else extra.push(p);
        await p.registered();
        return p;
      },
      participants,
      invite,
      async inviteCarrier(number, carrier) {
        await invite(number);
        return waitFor(
          'the carrier call in the room',
          async () => (await participants()).find((p) => p.callerId === number),
          15_000,
        ).catch(async (err) => {
          const r = await carrier.stop();
          throw new Error(
            `${err}\n${describeSipp(r)}\n${r.stdout.slice(-1500)}\n${running.output().slice(-3000)}`,
          );
        });
      },
      async joinRoom(key, room, count) {
        const p = phone(key);
        await p.command('dial', room);
        await p.event('CALL_ESTABLISHED');
        await waitFor(`${key} in the room`, async () =>
          (await participants()).length === count ? true : undefined,
        );
      },
      async phoneAndListener(spec, t) {
        if (!BARESIP || !SOX) {
          t.skip('baresip or sox is not installed');
          return undefined;
        }
        const rtp = await rtpListener();
        t.after(() => rtp.socket.close());
        const p = await start(spec);
        t.after(() => p.stop().catch(() => {}));
        await p.registered();
        return { phone: p, rtp };
      },
      async call(from, number, to) {
        const [a, b] = [phone(from), phone(to)];
        await a.command('dial', number);
        await a.event('CALL_ESTABLISHED');
        await b.event('CALL_ESTABLISHED');
        return [a, b];
      },
      async hangUp(key) {
        const p = phone(key);
        await p.command('hangup');
        await p.event('CALL_CLOSED');
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Registers `before`/`after` hooks in the current `describe` and returns the fixture, filled in by
 * `before`. `options` may be a function, called in `before` (e.g. to name a carrier's port started in an
 * earlier hook).
 */
export function callFixture(options: CallFixtureOptions | (() => CallFixtureOptions)): CallFixture {
  const fixture = {} as CallFixture;
  before(async () => {
    Object.assign(fixture, await startCallFixture(typeof options === 'function' ? options() : options));
  });
  after(async () => {
    await fixture.stop?.();
  });
  return fixture;
}
