import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { ConferenceManager } from '../conference/conference-manager.ts';
import { FakeRoomMedia } from '../conference/fake-room-media.ts';
import type { RoutingConference } from '../routing/routing-config.ts';
import { accessCode, sameCode } from './access-code.ts';
import { conferenceFlow } from './conference-flow.ts';
import { FakeCallContext } from './fake-call-context.ts';

const flush = async (turns = 3) => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

const board: RoutingConference = {
  id: 'c1',
  name: 'Board',
  extension: '800',
  accessCode: '4321',
  adminExtension: '101',
  waitForAdmin: true,
};
const open: RoutingConference = { id: 'c2', name: 'Open', extension: '801', waitForAdmin: false };

function rooms() {
  const media = new FakeRoomMedia();
  const manager = new ConferenceManager({ createMedia: () => media });
  return { media, manager };
}

/** Waits until the flow is listening for digits (the prompt has started). */
async function prompted(ctx: FakeCallContext): Promise<void> {
  for (let i = 0; i < 50 && ctx.listeningForDigits === 0; i++) await flush(1);
  assert.ok(ctx.listeningForDigits > 0, 'the flow listens for digits');
}

beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
afterEach(() => mock.timers.reset());

test('three wrong codes: "wrong code" twice, then goodbye and hang-up; the room is never entered', async () => {
  const ctx = new FakeCallContext();
  const { manager } = rooms();
  const flow = conferenceFlow(ctx, board, manager);
  for (const code of ['1111#', '#', '43210#']) {
    await prompted(ctx);
    ctx.press(code);
    await flush();
  }
  assert.equal(await flow, 'denied');
  assert.deepEqual(ctx.log, [
    'answer',
    'play enter-access-code',
    'play wrong-code,enter-access-code',
    'play wrong-code,enter-access-code',
    'play goodbye',
    'hangup access-denied',
  ]);
  assert.equal(manager.size, 0);
});

test('a silent caller times out three times and is told goodbye', async () => {
  const ctx = new FakeCallContext();
  const { manager } = rooms();
  const flow = conferenceFlow(ctx, board, manager);
  for (let i = 0; i < 3; i++) {
    await prompted(ctx);
    await flush();
    mock.timers.tick(10_000);
    await flush();
  }
  assert.equal(await flow, 'denied');
  assert.equal(ctx.log.at(-1), 'hangup access-denied');
});

test('the right code (typed over the prompt) brings the caller in; wrong then right works too', async () => {
  const { manager, media } = rooms();
  const first = new FakeCallContext({ mediaId: 'A', autoPlay: false });
  const flow = conferenceFlow(first, { ...open, accessCode: '77' }, manager);
  await prompted(first);
  first.press('77#');
  await flush();
  first.finishPlayback(); // "entering"
  await flush();
  assert.deepEqual(first.log, ['answer', 'play enter-access-code', 'play entering']);
  assert.equal(manager.participants('c2').length, 1);
  assert.ok(media.log.includes('join A open'));

  const second = new FakeCallContext({ mediaId: 'B' });
  const flow2 = conferenceFlow(second, { ...open, accessCode: '77' }, manager);
  await prompted(second);
  second.press('78#');
  await flush();
  await prompted(second);
  second.press('77#');
  await flush(6);
  assert.equal(manager.participants('c2').length, 2);
  assert.deepEqual(second.log, [
    'answer',
    'play enter-access-code',
    'play wrong-code,enter-access-code',
    'play entering',
  ]);

  // Hanging up leaves the room; the last one out ends it.
  second.farHangup();
  assert.equal(await flow2, 'left');
  first.farHangup();
  assert.equal(await flow, 'left');
  assert.equal(manager.size, 0);
});

test('no code configured: straight in without a prompt; a stray # changes nothing', async () => {
  const { manager, media } = rooms();
  const ctx = new FakeCallContext({ mediaId: 'A' });
  const flow = conferenceFlow(ctx, open, manager);
  ctx.press('#');
  await flush(6);
  assert.deepEqual(ctx.log, ['answer', 'play entering']);
  assert.deepEqual(
    manager.participants('c2').map((p) => p.role),
    ['participant'],
  );
  assert.ok(media.log.includes('play A only-participant'));
  ctx.farHangup();
  assert.equal(await flow, 'left');
});

test('wait for the admin: participants wait with music; the admin (by authenticated extension) releases them', async () => {
  const { manager, media } = rooms();
  const p1 = new FakeCallContext({ mediaId: 'P1', extension: '102' });
  const p2 = new FakeCallContext({ mediaId: 'P2', callerId: '+3226667777' });
  const admin = new FakeCallContext({ mediaId: 'ADM', extension: '101' });
  const flows = [p1, p2].map((ctx) => conferenceFlow(ctx, board, manager));
  for (const ctx of [p1, p2]) {
    await prompted(ctx);
    ctx.press('4321#');
  }
  await flush(6);
  assert.deepEqual(
    manager.participants('c1').map((p) => [p.role, p.waiting]),
    [
      ['participant', true],
      ['participant', true],
    ],
  );
  assert.deepEqual(media.members.get('P1'), { muted: false, hold: true });
  assert.ok(media.log.includes('play P1 wait-for-admin,music-on-hold'));

  const adminFlow = conferenceFlow(admin, board, manager);
  await prompted(admin);
  admin.press('4321#');
  await flush(6);
  const list = manager.participants('c1');
  assert.deepEqual(
    list.map((p) => [p.callerId, p.extension, p.role, p.waiting]),
    [
      ['Caller P1', '102', 'participant', false],
      ['+3226667777', undefined, 'participant', false],
      ['Caller ADM', '101', 'admin', false],
    ],
  );
  assert.deepEqual(media.members.get('P1'), { muted: false, hold: false });
  assert.deepEqual(media.members.get('P2'), { muted: false, hold: false });

  // The admin kicks P2 from the console: its call is hung up and its flow ends.
  assert.equal(manager.kick('c1', list[1]!.id), true);
  assert.equal(await flows[1], 'left');
  assert.equal(p2.log.at(-1), 'hangup kicked');
  for (const ctx of [p1, admin]) ctx.farHangup();
  assert.deepEqual(await Promise.all([flows[0], adminFlow]), ['left', 'left']);
});

test('an invited callee joins without the code; a locked room is said so and hung up', async () => {
  const { manager } = rooms();
  const invited = new FakeCallContext({ mediaId: 'I' });
  const flow = conferenceFlow(invited, board, manager, { skipAccessCode: true, answered: true });
  await flush(4);
  assert.deepEqual(invited.log, ['play entering']);
  assert.equal(manager.participants('c1').length, 1);

  manager.lock('c1', true);
  const late = new FakeCallContext({ mediaId: 'L' });
  const lateFlow = conferenceFlow(late, board, manager, { skipAccessCode: true });
  assert.equal(await lateFlow, 'locked');
  assert.deepEqual(late.log, [
    'answer',
    'play entering',
    'play conference-locked',
    'hangup conference-locked',
  ]);
  invited.farHangup();
  assert.equal(await flow, 'left');
});

test('a caller who hangs up during the prompt leaves the flow quietly', async () => {
  const { manager } = rooms();
  const ctx = new FakeCallContext({ autoPlay: false });
  const flow = conferenceFlow(ctx, board, manager);
  await prompted(ctx);
  ctx.farHangup();
  assert.equal(await flow, 'hangup');
  assert.deepEqual(ctx.log, ['answer', 'play enter-access-code', 'far-hangup']);
  const gone = new FakeCallContext();
  gone.farHangup();
  assert.equal(await conferenceFlow(gone, open, manager), 'hangup');
});

test('access codes compare in constant time, whatever their lengths', async () => {
  assert.equal(sameCode('4321', '4321'), true);
  assert.equal(sameCode('432', '4321'), false);
  assert.equal(sameCode('43210', '4321'), false);
  assert.equal(sameCode('', '4321'), false);
  assert.equal(await accessCode(new FakeCallContext(), undefined), 'granted');
  assert.equal(await accessCode(new FakeCallContext(), ''), 'granted');
});

test('a failing hang-up asked for by the room is reported, not thrown', async () => {
  const { manager } = rooms();
  const ctx = new FakeCallContext({ mediaId: 'K' });
  ctx.hangup = () => {
    throw new Error('transport down');
  };
  const errors: unknown[] = [];
  const flow = conferenceFlow(ctx, open, manager, { onError: (e) => errors.push(e) });
  await flush(6);
  const [p] = manager.participants('c2');
  assert.equal(manager.kick('c2', p!.id), true);
  await flush(2);
  assert.equal(errors.length, 1);
  assert.equal(manager.size, 0, 'the member left the room all the same');
  ctx.farHangup();
  assert.equal(await flow, 'left');
});
