import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { type CollectedDigits, collectDigits } from './collect-digits.ts';
import { FakeCallContext } from './fake-call-context.ts';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The promise's value if it has settled, else 'pending'. */
async function state<T>(p: Promise<T>): Promise<T | 'pending'> {
  await flush();
  return Promise.race([p, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('digits typed over the prompt cut it short and count; # ends the input', async () => {
  const ctx = new FakeCallContext({ autoPlay: false });
  const got = collectDigits(ctx, { prompt: ['enter-access-code'] });
  assert.deepEqual(ctx.log, ['play enter-access-code']);
  ctx.press('12');
  ctx.press('34#');
  assert.deepEqual(await got, { digits: '1234', reason: 'terminator' });
  assert.equal(ctx.listeningForDigits, 0);
});

test('no clock runs while the prompt plays; after it, the first digit has 10 s', async () => {
  const ctx = new FakeCallContext({ autoPlay: false });
  const got = collectDigits(ctx, { prompt: ['enter-access-code'] });
  mock.timers.tick(60_000);
  assert.equal(await state(got), 'pending');
  ctx.finishPlayback();
  await flush();
  mock.timers.tick(9_999);
  assert.equal(await state(got), 'pending');
  mock.timers.tick(1);
  assert.deepEqual(await got, { digits: '', reason: 'timeout' });
});

test('inter-digit timeout: 5 s after the last digit', async () => {
  const ctx = new FakeCallContext();
  const got = collectDigits(ctx);
  ctx.press('4');
  mock.timers.tick(4_000);
  ctx.press('2');
  mock.timers.tick(4_999);
  assert.equal(await state(got), 'pending');
  mock.timers.tick(1);
  assert.deepEqual(await got, { digits: '42', reason: 'timeout' });
});

test('overall timeout: a slow typist is cut off after 30 s', async () => {
  const ctx = new FakeCallContext();
  const got = collectDigits(ctx, { overallTimeoutMs: 30_000 });
  for (let i = 0; i < 7; i++) {
    ctx.press(String(i));
    mock.timers.tick(4_500);
  }
  assert.deepEqual(await got, { digits: '0123456', reason: 'timeout' });
});

test('max digits ends the input without waiting for #', async () => {
  const ctx = new FakeCallContext();
  const got = collectDigits(ctx, { maxDigits: 4 });
  ctx.press('123456');
  assert.deepEqual(await got, { digits: '1234', reason: 'max-digits' });
  assert.equal(ctx.listeningForDigits, 0);
});

test('the caller hanging up ends the input, during the prompt or after', async () => {
  const ctx = new FakeCallContext({ autoPlay: false });
  const got = collectDigits(ctx, { prompt: ['enter-access-code'] });
  ctx.press('9');
  ctx.farHangup();
  assert.deepEqual(await got, { digits: '9', reason: 'hangup' });
  const gone = await collectDigits(ctx);
  assert.deepEqual(gone, { digits: '', reason: 'hangup' } satisfies CollectedDigits);
  assert.equal(ctx.listeningForDigits, 0);
});

test('a custom terminator: # is then an ordinary digit', async () => {
  const ctx = new FakeCallContext();
  const got = collectDigits(ctx, { terminator: '*' });
  ctx.press('#1*');
  assert.deepEqual(await got, { digits: '#1', reason: 'terminator' });
});
