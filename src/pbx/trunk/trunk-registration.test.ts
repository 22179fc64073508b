import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';
import { createResponse, getHeader, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { SipStack } from '../../sip/stack.ts';
import { TrunkRegistration } from './trunk-registration.ts';

/** A stack that records each REGISTER and lets the test answer it. */
function fakeStack() {
  const sent: Array<{ request: SipRequest; answer: (r: SipResponse) => void }> = [];
  const stack = {
    contact: () => '<sip:parley-trunk@127.0.0.1:5070>',
    sendRequest: (request: SipRequest, _target: unknown, cb: { onFinal?: (r: SipResponse) => void }) => {
      sent.push({ request, answer: (r) => cb.onFinal?.(r) });
      return {};
    },
  } as unknown as SipStack;
  return { stack, sent };
}

const CHALLENGE = {
  name: 'WWW-Authenticate',
  value: 'Digest realm="carrier.test", nonce="n1", algorithm=MD5',
};

function challenge(req: SipRequest): SipResponse {
  return createResponse(req, 401, 'Unauthorized', { headers: [CHALLENGE] });
}

function ok(req: SipRequest, expires: number): SipResponse {
  return createResponse(req, 200, 'OK', {
    headers: [{ name: 'Contact', value: `<sip:parley-trunk@127.0.0.1:5070>;expires=${expires}` }],
  });
}

/** Lets the registration's promises (target resolution, cycles) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

const expiresOf = (r: SipRequest) => Number(getHeader(r, 'expires'));
const authorized = (r: SipRequest) => getHeader(r, 'authorization') !== undefined;

describe('TrunkRegistration', () => {
  let stack: ReturnType<typeof fakeStack>;
  let reg: TrunkRegistration;

  beforeEach(() => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    stack = fakeStack();
    reg = new TrunkRegistration(stack.stack, {
      id: 't1',
      host: '127.0.0.1',
      port: 5099,
      transport: 'udp',
      username: 'parley-trunk',
      password: 'trunk-secret',
    });
  });

  afterEach(() => {
    mock.timers.reset();
  });

  /** Registers (challenged once) with a 2 s binding: the refresh is due 1.6 s later. */
  async function register(): Promise<void> {
    reg.start();
    await settle();
    stack.sent[0]!.answer(challenge(stack.sent[0]!.request));
    await settle();
    assert.ok(authorized(stack.sent[1]!.request));
    stack.sent[1]!.answer(ok(stack.sent[1]!.request, 2));
    await settle();
    assert.equal(reg.status.state, 'registered');
  }

  test('a stop while idle sends the unregistration, challenged and answered', async () => {
    await register();
    const closed = reg.close();
    await settle();
    assert.equal(stack.sent.length, 3);
    assert.equal(expiresOf(stack.sent[2]!.request), 0);
    stack.sent[2]!.answer(challenge(stack.sent[2]!.request));
    await settle();
    assert.equal(expiresOf(stack.sent[3]!.request), 0);
    assert.ok(authorized(stack.sent[3]!.request));
    stack.sent[3]!.answer(ok(stack.sent[3]!.request, 0));
    await closed;
    assert.equal(stack.sent.length, 4);
    assert.equal(reg.status.state, 'stopped');
  });

  test('a stop during a challenged refresh: the unregistration answers the challenge, no refresh goes on', async () => {
    await register();
    mock.timers.tick(1600);
    await settle();
    assert.equal(stack.sent.length, 3, 'the refresh went out');
    assert.equal(expiresOf(stack.sent[2]!.request), 600);
    const closed = reg.close();
    await settle();
    // One REGISTER at a time (RFC 3261 §10.2): nothing more before the refresh's final response.
    assert.equal(stack.sent.length, 3);
    stack.sent[2]!.answer(challenge(stack.sent[2]!.request));
    await settle();
    assert.equal(stack.sent.length, 4);
    assert.equal(expiresOf(stack.sent[3]!.request), 0, 'the unregistration supersedes the refresh');
    assert.ok(authorized(stack.sent[3]!.request), 'answering the refresh challenge');
    stack.sent[3]!.answer(ok(stack.sent[3]!.request, 0));
    await closed;
    mock.timers.tick(10_000);
    await settle();
    assert.equal(stack.sent.length, 4, 'nothing after the unregistration');
    assert.equal(reg.status.state, 'stopped');
  });

  test('a refresh granted after the stop is removed at once', async () => {
    await register();
    mock.timers.tick(1600);
    await settle();
    stack.sent[2]!.answer(challenge(stack.sent[2]!.request));
    await settle();
    assert.equal(expiresOf(stack.sent[3]!.request), 600);
    const closed = reg.close();
    stack.sent[3]!.answer(ok(stack.sent[3]!.request, 2));
    await settle();
    assert.equal(stack.sent.length, 5);
    assert.equal(expiresOf(stack.sent[4]!.request), 0);
    stack.sent[4]!.answer(ok(stack.sent[4]!.request, 0));
    await closed;
    assert.equal(stack.sent.length, 5);
    assert.equal(reg.status.state, 'stopped', 'no "registered" after the stop');
  });

  test('a refresh whose timer fired just before the stop sends the unregistration instead', async () => {
    await register();
    mock.timers.tick(1600);
    // The refresh is resolving its target: it has not sent anything yet.
    const closed = reg.close();
    await settle();
    assert.equal(stack.sent.length, 3);
    assert.equal(expiresOf(stack.sent[2]!.request), 0);
    stack.sent[2]!.answer(ok(stack.sent[2]!.request, 0));
    await closed;
    assert.equal(stack.sent.length, 3);
  });

  test('a stop during the first registration: nothing more unless it is granted', async () => {
    reg.start();
    await settle();
    await reg.close();
    assert.equal(reg.status.state, 'stopped', 'close does not wait for a registration that bound nothing');
    stack.sent[0]!.answer(challenge(stack.sent[0]!.request));
    await settle();
    mock.timers.tick(600_000);
    await settle();
    assert.equal(stack.sent.length, 1, 'the challenge is not answered');
    assert.equal(reg.status.state, 'stopped');
  });

  test('a failed refresh after the stop schedules no retry', async () => {
    await register();
    mock.timers.tick(1600);
    await settle();
    const closed = reg.close();
    stack.sent[2]!.answer(createResponse(stack.sent[2]!.request, 500, 'Server Error'));
    await settle();
    // A binding may still be there: the unregistration is tried once.
    assert.equal(expiresOf(stack.sent[3]!.request), 0);
    stack.sent[3]!.answer(createResponse(stack.sent[3]!.request, 500, 'Server Error'));
    await closed;
    mock.timers.tick(600_000);
    await settle();
    assert.equal(stack.sent.length, 4);
    assert.equal(reg.status.state, 'stopped');
  });
});
