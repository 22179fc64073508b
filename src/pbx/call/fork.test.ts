import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipStack } from '../../sip/stack.ts';
import { Call } from './call.ts';
import { CallMedia, type MediaFailure } from './call-media.ts';
import type { CallServices } from './call-services.ts';
import { Fork, type ForkFailure, type ForkTarget } from './fork.ts';
import type { DialEvents, OutboundLeg } from './outbound-leg.ts';

/** A media session stand-in (a CallMedia as far as `isMediaFailure` can tell) that records its closing. */
function fakeMedia(name: string): CallMedia & { closed: boolean } {
  const m = Object.create(CallMedia.prototype) as CallMedia & { closed: boolean };
  Object.assign(m, {
    name,
    closed: false,
    localSdp: `v=0 ${name}`,
    close() {
      m.closed = true;
    },
  });
  return m;
}

/** A dialled leg stand-in: the test drives its responses; `hangup` while ringing is a CANCEL (487). */
class FakeLeg {
  readonly callId: string;
  readonly events: DialEvents;
  hungUp: string | undefined;
  handlers: unknown;
  #answered = false;
  #ended: ((reason: string) => void)[] = [];
  constructor(callId: string, events: DialEvents) {
    this.callId = callId;
    this.events = events;
  }
  get leg(): OutboundLeg {
    return this as unknown as OutboundLeg;
  }
  ring(): void {
    this.events.ringing?.(this.leg, {} as never);
  }
  answer(sdp: string | undefined = 'v=0 answer'): void {
    this.#answered = true;
    this.events.answered?.(this.leg, sdp, {} as never);
  }
  fail(status: number, reason = 'Nope'): void {
    this.events.failed?.(this.leg, status, reason);
    this.#end('remote');
  }
  hangup(reason = 'local-hangup'): void {
    if (this.hungUp !== undefined) return;
    this.hungUp = reason;
    if (!this.#answered) this.events.failed?.(this.leg, 487, 'Request Terminated');
    this.#end(reason);
  }
  onEnded(fn: (reason: string) => void): void {
    this.#ended.push(fn);
  }
  #end(reason: string): void {
    for (const fn of this.#ended.splice(0)) fn(reason);
  }
}

const quietLogger = { warn() {}, info() {}, debug() {} };

/** A fork over fake legs; `offers` says per target whether its media opens (and may delay it). */
function setup(offers: Array<'ok' | 'fail' | Promise<void>>) {
  const legs: FakeLeg[] = [];
  const media: ReturnType<typeof fakeMedia>[] = [];
  const call = new Call({ id: 'c1', from: '101', to: '102', direction: 'inbound' });
  const svc = { stack: {} as SipStack, logger: quietLogger } as unknown as CallServices;
  const targets = offers.map((_, i) => ({ uri: `sip:102@phone${i}` }) as unknown as ForkTarget);
  let next = 0;
  const offer = async (): Promise<CallMedia | MediaFailure> => {
    const what = offers[next++]!;
    if (what instanceof Promise) await what;
    if (what === 'fail') return { message: 'no ports' } as MediaFailure;
    const m = fakeMedia(`m${media.length}`);
    media.push(m);
    return m;
  };
  const dial = ((_stack: SipStack, _options: unknown, events: DialEvents) => {
    const leg = new FakeLeg(`leg${legs.length}`, events);
    legs.push(leg);
    return leg.leg;
  }) as unknown as typeof import('./outbound-leg.ts').OutboundLeg.dial;
  const seen = {
    answered: [] as { leg: string; media: string; answer: string | undefined }[],
    failed: [] as ForkFailure[],
    rang: 0,
    dialled: [] as string[],
  };
  const ring = (ringTimeoutMs?: number) =>
    Fork.ring(
      svc,
      call,
      targets,
      { affinity: 'call:c1', offer, dial, ...(ringTimeoutMs !== undefined ? { ringTimeoutMs } : {}) },
      {
        dialled: (leg) => seen.dialled.push(leg.callId),
        ringing: () => seen.rang++,
        answered: (leg, m, answer) =>
          seen.answered.push({ leg: leg.callId, media: (m as unknown as { name: string }).name, answer }),
        failed: (f) => seen.failed.push(f),
      },
    );
  return { legs, media, call, seen, ring };
}

test('the first to answer wins: the others are cancelled and their media closed', async () => {
  const { legs, media, seen, ring, call } = setup(['ok', 'ok', 'ok']);
  const fork = await ring();
  assert.deepEqual(seen.dialled, ['leg0', 'leg1', 'leg2']);
  legs[0]!.ring();
  legs[2]!.ring();
  assert.equal(seen.rang, 1, 'ringing is reported once');
  legs[1]!.answer('v=0 b');
  assert.deepEqual(seen.answered, [{ leg: 'leg1', media: 'm1', answer: 'v=0 b' }]);
  assert.equal(fork.answered, true);
  assert.deepEqual(
    legs.map((l) => l.hungUp),
    ['cancelled', undefined, 'cancelled'],
  );
  assert.deepEqual(
    media.map((m) => m.closed),
    [true, false, true],
  );
  // A late 2xx from a loser gets hung up; nothing else is reported.
  legs[0]!.answer();
  assert.equal(seen.answered.length, 1);
  assert.deepEqual(seen.failed, []);
  assert.equal(call.legs.size, 3, 'every leg belongs to the call');
});

test('everyone fails: busy anywhere wins over the last status; a lone failure keeps its status', async () => {
  const a = setup(['ok', 'ok']);
  await a.ring();
  a.legs[0]!.fail(486, 'Busy Here');
  assert.deepEqual(a.seen.failed, [], 'one leg is still ringing');
  a.legs[1]!.fail(404, 'Not Found');
  assert.deepEqual(a.seen.failed, [
    { cause: 'failed', busy: true, lastStatus: 404, lastReason: 'Not Found' },
  ]);
  assert.ok(a.media.every((m) => m.closed));

  const b = setup(['ok']);
  await b.ring();
  b.legs[0]!.fail(603, 'Decline');
  assert.deepEqual(b.seen.failed, [{ cause: 'failed', busy: false, lastStatus: 603, lastReason: 'Decline' }]);
});

test('a leg failing while the next is still being set up does not end the fork', async () => {
  let release: () => void = () => {};
  const slow = new Promise<void>((r) => {
    release = r;
  });
  const { legs, seen, ring } = setup(['ok', slow]);
  const ringing = ring();
  // The first contact's connection is gone: it fails at once, before the second has been dialled.
  await new Promise((r) => setImmediate(r));
  legs[0]!.fail(503, 'Service Unavailable');
  assert.deepEqual(seen.failed, []);
  release();
  await ringing;
  assert.equal(legs.length, 2, 'the second contact was rung');
  legs[1]!.answer();
  assert.deepEqual(
    seen.answered.map((a) => a.leg),
    ['leg1'],
  );
  assert.deepEqual(seen.failed, []);
});

test('no leg could be dialled, the ring timeout, the call ending and cancel()', async () => {
  const none = setup(['fail', 'fail']);
  await none.ring();
  assert.deepEqual(none.seen.failed, [
    { cause: 'no-legs', busy: false, lastStatus: 480, lastReason: 'Temporarily Unavailable' },
  ]);

  const slow = setup(['ok', 'ok']);
  await slow.ring(20);
  // Waits for the timer (however late a busy machine runs it), not for a set time.
  for (let i = 0; i < 500 && slow.seen.failed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(slow.seen.failed[0]?.cause, 'timeout');
  assert.deepEqual(
    slow.legs.map((l) => l.hungUp),
    ['cancelled', 'cancelled'],
  );
  assert.equal(slow.seen.failed.length, 1, 'the cancelled legs do not report again');

  const ended = setup(['ok']);
  await ended.ring();
  ended.call.end('remote');
  assert.equal(ended.legs[0]!.hungUp, 'local-hangup', 'the call ending hangs up its legs');
  assert.deepEqual(ended.seen.failed, [], 'nothing to report once the call is over');

  const cancelled = setup(['ok', 'ok']);
  const fork = await cancelled.ring();
  fork.cancel();
  assert.deepEqual(
    cancelled.legs.map((l) => l.hungUp),
    ['cancelled', 'cancelled'],
  );
  assert.ok(cancelled.media.every((m) => m.closed));
  assert.deepEqual(cancelled.seen.failed, []);
});
