import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import type { RoutingConference } from '../routing/routing-config.ts';
import type { ConferenceEventMap } from './conference-events.ts';
import type { MemberCall } from './conference-member.ts';
import { ConferenceRoom, type ConferenceRoomOptions, type JoinResult } from './conference-room.ts';
import { FakeRoomMedia } from './fake-room-media.ts';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

interface FakeCall extends MemberCall {
  hungUp: string[];
}

function call(mediaId: string, extension?: string): FakeCall {
  const hungUp: string[] = [];
  const c: FakeCall = {
    mediaId,
    callerId: `Caller ${mediaId}`,
    hungUp,
    hangup: (reason) => hungUp.push(reason),
  };
  if (extension !== undefined) c.extension = extension;
  return c;
}

function setup(
  conference: Partial<RoutingConference> = {},
  extra: Partial<ConferenceRoomOptions> = {},
  roomPlay = false,
) {
  const media = new FakeRoomMedia({ roomPlay });
  const events: string[] = [];
  const errors: unknown[] = [];
  const room = new ConferenceRoom({
    conference: { id: 'c1', name: 'Board', extension: '800', waitForAdmin: false, ...conference },
    media,
    events: (type, data) => {
      const d = data as ConferenceEventMap['participant.talking'];
      const flags = ['talking' in d ? d.talking : '', 'muted' in data ? data.muted : ''];
      events.push([type, ...flags.filter((f) => f !== '')].join(' '));
    },
    onError: (err) => errors.push(err),
    ...extra,
  });
  return { media, events, errors, room };
}

function seated(r: JoinResult) {
  if (!r.ok) throw new Error(`refused: ${r.reason}`);
  return r.member;
}

test('open room: the first hears "only participant", later ones are announced by a join tone', () => {
  const { media, events, room } = setup();
  const a = seated(room.join(call('A', '101')));
  assert.deepEqual(media.take(), ['join A open', 'play A only-participant']);
  const b = seated(room.join(call('B')));
  // A's "only participant" is no longer true: cut short, and A hears the join tone.
  assert.deepEqual(media.take(), ['join B open', 'stop A', 'play A join']);
  assert.deepEqual(events, ['conference.started', 'participant.joined', 'participant.joined']);
  const list = room.participants();
  assert.deepEqual(
    list.map((p) => [p.id, p.callerId, p.extension, p.role, p.muted, p.talking, p.waiting]),
    [
      [a.id, 'Caller A', '101', 'participant', false, false, false],
      [b.id, 'Caller B', undefined, 'participant', false, false, false],
    ],
  );
  assert.ok(!Number.isNaN(Date.parse(list[0]!.joinedAt)));
  // Leaving: the others hear the leave tone; the last one out ends the conference.
  b.close();
  b.close();
  assert.deepEqual(media.take(), ['leave B', 'play A leave']);
  a.close();
  assert.deepEqual(media.take(), ['leave A']);
  assert.deepEqual(events.slice(3), ['participant.left', 'participant.left', 'conference.ended']);
});

test('media that plays to the whole room: one join or leave tone per event, however many members', async () => {
  const { media, room, errors } = setup({}, {}, true);
  const a = seated(room.join(call('A')));
  assert.deepEqual(media.take(), ['join A open', 'play A only-participant']);
  seated(room.join(call('B')));
  assert.deepEqual(media.take(), ['join B open', 'stop A', 'playRoom join']);
  const c = seated(room.join(call('C')));
  assert.deepEqual(media.take(), ['join C open', 'playRoom join']);
  c.close();
  assert.deepEqual(media.take(), ['leave C', 'playRoom leave']);
  // A failing room playback is reported, the room goes on.
  media.failing.add('playToRoom');
  seated(room.join(call('D')));
  assert.deepEqual(media.take(), ['join D open']);
  await flush();
  assert.equal(errors.length, 1);
  a.close();
});

test('a member whose "only participant" has ended is not interrupted when the second one comes', async () => {
  const { media, room } = setup({}, {}, true);
  seated(room.join(call('A')));
  assert.deepEqual(media.take(), ['join A open', 'play A only-participant']);
  media.finish('A');
  await flush();
  seated(room.join(call('B')));
  assert.deepEqual(media.take(), ['join B open', 'playRoom join']);
});

test('wait for the administrator: music and the prompt until the admin comes, then everyone is in the mix', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const { media, room, events } = setup({ waitForAdmin: true, adminExtension: '101' });
    assert.equal(room.started, false);
    const a = seated(room.join(call('A', '102')));
    assert.deepEqual(media.take(), ['join A hold', 'play A wait-for-admin,music-on-hold']);
    assert.equal(room.participants()[0]!.waiting, true);
    // The cycle (prompt + 24 s of music) repeats for as long as the admin is away.
    mock.timers.tick(27_000);
    media.finish('A');
    await flush();
    assert.deepEqual(media.take(), ['play A wait-for-admin,music-on-hold']);
    seated(room.join(call('B')));
    assert.deepEqual(media.take(), ['join B hold', 'play B wait-for-admin,music-on-hold']);
    // Nobody waiting hears anybody: both are held.
    assert.deepEqual(media.members.get('A'), { muted: false, hold: true });

    const admin = seated(room.join(call('ADM', '101')));
    assert.equal(admin.role, 'admin');
    assert.equal(room.started, true);
    assert.deepEqual(media.take(), [
      'join ADM open',
      'stop A',
      'set A open',
      'play A conference-starting',
      'stop B',
      'set B open',
      'play B conference-starting',
    ]);
    await flush();
    assert.deepEqual(media.take(), [], 'the waiting loops ended with their stopped playbacks');
    assert.ok(room.participants().every((p) => !p.waiting));
    assert.equal(events.filter((e) => e === 'participant.joined').length, 3);

    // The admin leaves: the conference goes on, and a newcomer goes straight in.
    admin.close();
    assert.deepEqual(media.take(), ['leave ADM', 'play A leave', 'play B leave']);
    seated(room.join(call('C')));
    assert.deepEqual(media.take(), ['join C open', 'play A join', 'play B join']);
    a.close();
  } finally {
    mock.timers.reset();
  }
});

test('the admin alone in a waiting room hears "only participant"; a playback that fails at once is retried later', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const { media, room } = setup({ waitForAdmin: true, adminExtension: '101' }, { retryDelayMs: 20_000 });
    seated(room.join(call('ADM', '101')));
    assert.deepEqual(media.take(), ['join ADM open', 'play ADM only-participant']);

    const other = setup({ waitForAdmin: true, adminExtension: '101' }, { retryDelayMs: 20_000 });
    seated(other.room.join(call('A')));
    other.media.take();
    other.media.finish('A'); // ends at once: a broken file, say
    await flush();
    assert.deepEqual(other.media.take(), [], 'no busy loop');
    mock.timers.tick(20_000);
    await flush();
    assert.deepEqual(other.media.take(), ['play A wait-for-admin,music-on-hold']);
    other.room.close();
  } finally {
    mock.timers.reset();
  }
});

test('mute, unmute, talking events and kick', () => {
  const { media, room, events, errors } = setup();
  const a = seated(room.join(call('A')));
  const b = seated(room.join(call('B')));
  media.take();
  events.length = 0;
  room.talking('A', true);
  room.talking('A', true);
  assert.equal(room.participants()[0]!.talking, true);
  assert.equal(room.setMuted(a.id, true), true);
  assert.deepEqual(media.take(), ['set A muted']);
  room.talking('A', true);
  assert.equal(room.setMuted(a.id, false), true);
  assert.deepEqual(media.take(), ['set A open']);
  assert.deepEqual(events, [
    'participant.talking true',
    'participant.muted true',
    'participant.talking false',
    'participant.muted false',
  ]);
  assert.equal(room.setMuted('nobody', true), false);
  room.talking('unknown-media', true);

  const bCall = b.call as FakeCall;
  assert.equal(room.kick(b.id), true);
  assert.deepEqual(bCall.hungUp, ['kicked']);
  assert.equal(b.closed, true);
  assert.deepEqual(media.take(), ['leave B', 'play A leave']);
  assert.equal(room.kick(b.id), false);
  assert.deepEqual(errors, []);
});

test('lock: the admin still gets in; full: refused past the limit', () => {
  const { room } = setup({ adminExtension: '101' }, { maxMembers: 2 });
  seated(room.join(call('A')));
  room.lock(true);
  assert.deepEqual(room.join(call('B')), { ok: false, reason: 'locked' });
  seated(room.join(call('ADM', '101')));
  room.lock(false);
  assert.deepEqual(room.join(call('C')), { ok: false, reason: 'full' });
  assert.equal(room.size, 2);
});

test('close hangs up every member once, frees the media once, and is idempotent', () => {
  const { media, room, events } = setup();
  const a = seated(room.join(call('A')));
  const b = seated(room.join(call('B')));
  media.take();
  room.close();
  room.close();
  a.close();
  assert.deepEqual((a.call as FakeCall).hungUp, ['conference-closed']);
  assert.deepEqual((b.call as FakeCall).hungUp, ['conference-closed']);
  assert.deepEqual(media.take(), ['leave A', 'leave B', 'close']);
  assert.equal(media.closeCount, 1);
  assert.equal(events.at(-1), 'conference.ended');
  assert.deepEqual(room.join(call('C')), { ok: false, reason: 'closed' });
});

test('end: goodbye to everyone, then hang up', async () => {
  const { media, room } = setup({ waitForAdmin: true, adminExtension: '101' });
  const a = seated(room.join(call('A')));
  media.take();
  const ended = room.end();
  assert.deepEqual(media.take(), ['stop A', 'play A goodbye']);
  await flush();
  assert.deepEqual((a.call as FakeCall).hungUp, [], 'not before the goodbye is over');
  media.finish('A');
  await ended;
  assert.deepEqual((a.call as FakeCall).hungUp, ['conference-removed']);
  assert.deepEqual(media.take(), ['stop A', 'leave A', 'close']);
});

test('update: a room no longer waiting for its admin starts; an admin already in starts it', async () => {
  const { media, room } = setup({ waitForAdmin: true, adminExtension: '101' });
  seated(room.join(call('A')));
  media.take();
  room.update({ id: 'c1', extension: '800', waitForAdmin: false });
  assert.equal(room.started, true);
  assert.deepEqual(media.take(), ['stop A', 'set A open', 'play A conference-starting']);

  const second = setup({ waitForAdmin: true, adminExtension: '999' });
  seated(second.room.join(call('A')));
  seated(second.room.join(call('X', '101')));
  assert.equal(second.room.started, false);
  second.media.take();
  second.room.update({ id: 'c1', extension: '800', waitForAdmin: true, adminExtension: '101' });
  assert.equal(second.room.started, true);
  assert.deepEqual(second.media.take(), [
    'stop A',
    'set A open',
    'play A conference-starting',
    'stop X',
    'set X open',
    'play X conference-starting',
  ]);
  await flush();
});

test('failures of the media and of event listeners are reported, never thrown', () => {
  const media = new FakeRoomMedia();
  const errors: unknown[] = [];
  const room = new ConferenceRoom({
    conference: { id: 'c1', extension: '800', waitForAdmin: false },
    media,
    events: () => {
      throw new Error('listener');
    },
    onError: (err) => errors.push(err),
  });
  media.failing.add('join');
  media.failing.add('play');
  const a = seated(room.join(call('A')));
  assert.ok(errors.length >= 3, `${errors.length} errors`);
  a.close();
  assert.equal(room.size, 0);
});

test('wait for the admin without an admin extension would wait forever: the room starts at once', () => {
  const { media, room } = setup({ waitForAdmin: true });
  assert.equal(room.started, true);
  seated(room.join(call('A')));
  assert.deepEqual(media.take(), ['join A open', 'play A only-participant']);
});
