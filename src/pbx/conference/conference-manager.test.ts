import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoutingConference } from '../routing/routing-config.ts';
import { ConferenceManager } from './conference-manager.ts';
import type { MemberCall } from './conference-member.ts';
import type { JoinResult } from './conference-room.ts';
import { FakeRoomMedia } from './fake-room-media.ts';

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

const board: RoutingConference = {
  id: 'c1',
  name: 'Board',
  extension: '800',
  adminExtension: '101',
  waitForAdmin: true,
};
const open: RoutingConference = { id: 'c2', name: 'Open', extension: '801', waitForAdmin: false };

function call(mediaId: string, extension?: string): MemberCall & { hungUp: string[] } {
  const hungUp: string[] = [];
  return {
    mediaId,
    callerId: mediaId,
    hungUp,
    hangup: (r) => hungUp.push(r),
    ...(extension ? { extension } : {}),
  };
}

function seated(r: JoinResult) {
  if (!r.ok) throw new Error(r.reason);
  return r.member;
}

function setup() {
  const medias = new Map<string, FakeRoomMedia>();
  const created: string[] = [];
  const events: string[] = [];
  const manager = new ConferenceManager({
    createMedia: (c) => {
      created.push(c.id);
      const m = new FakeRoomMedia();
      medias.set(c.id, m);
      return m;
    },
    events: (type) => events.push(type),
  });
  return { manager, medias, created, events };
}

test('a room is created on the first join and removed (media closed) when its last member leaves', () => {
  const { manager, medias, created, events } = setup();
  assert.equal(manager.room('c2'), undefined);
  const a = seated(manager.join(open, call('A')));
  const b = seated(manager.join(open, call('B')));
  assert.deepEqual(created, ['c2']);
  assert.equal(manager.size, 1);
  assert.equal(manager.participants('c2').length, 2);
  a.close();
  b.close();
  assert.equal(manager.size, 0);
  assert.equal(medias.get('c2')!.closeCount, 1);
  assert.deepEqual(manager.participants('c2'), []);
  // Next time, a fresh room.
  seated(manager.join(open, call('C')));
  assert.deepEqual(created, ['c2', 'c2']);
  assert.equal(events.filter((e) => e === 'conference.started').length, 2);
  assert.equal(events.filter((e) => e === 'conference.ended').length, 1);
});

test('live control by conference and participant id', () => {
  const { manager, medias } = setup();
  const a = seated(manager.join(open, call('A')));
  assert.equal(manager.mute('c2', a.id), true);
  assert.equal(manager.participants('c2')[0]!.muted, true);
  assert.equal(manager.unmute('c2', a.id), true);
  assert.equal(manager.mute('c2', 'nobody'), false);
  assert.equal(manager.mute('nothing', a.id), false);
  manager.talking('A', true);
  assert.equal(manager.participants('c2')[0]!.talking, true);
  assert.ok(medias.get('c2')!.log.includes('set A muted'));
  assert.equal(manager.kick('c2', a.id), true);
  assert.equal(manager.kick('c2', a.id), false);
  assert.equal(manager.size, 0);
});

test('a lock outlives the empty room; a refused first caller leaves no room behind', () => {
  const { manager } = setup();
  assert.equal(manager.lock('c1', true), true);
  assert.deepEqual(manager.join(board, call('A')), { ok: false, reason: 'locked' });
  assert.equal(manager.size, 0);
  const admin = seated(manager.join(board, call('ADM', '101')));
  assert.equal(admin.role, 'admin');
  manager.lock('c1', false);
  seated(manager.join(board, call('B')));
  assert.equal(manager.participants('c1').length, 2);
});

test('apply: a deleted conference says goodbye and hangs up; a changed one takes its new settings', async () => {
  const { manager, medias } = setup();
  const a = call('A');
  seated(manager.join(board, a));
  seated(manager.join(open, call('B')));
  assert.equal(manager.room('c1')!.started, false);
  manager.lock('c1', true);
  const applied = manager.apply(new Map([['c1', { ...board, waitForAdmin: false }]]));
  assert.equal(manager.room('c1')!.started, true, 'waiting members released');
  assert.ok(medias.get('c2')!.log.includes('play B goodbye'));
  medias.get('c2')!.finish('B');
  await applied;
  assert.equal(manager.room('c2'), undefined);
  assert.equal(manager.isLocked('c1'), true);
  assert.deepEqual(a.hungUp, []);
  await manager.apply(new Map());
  await flush();
  assert.equal(manager.isLocked('c1'), false, 'locks of deleted conferences are forgotten');
});

test('close hangs up everyone in every room, and refuses joins after', () => {
  const { manager } = setup();
  const a = call('A');
  const b = call('B');
  seated(manager.join(board, a));
  seated(manager.join(open, b));
  manager.close();
  manager.close();
  assert.deepEqual(a.hungUp, ['shutdown']);
  assert.deepEqual(b.hungUp, ['shutdown']);
  assert.equal(manager.size, 0);
  assert.deepEqual(manager.join(open, call('C')), { ok: false, reason: 'closed' });
});

test('a failing media factory refuses the call and reports', () => {
  const errors: unknown[] = [];
  const manager = new ConferenceManager({
    createMedia: () => {
      throw new Error('no worker');
    },
    onError: (e) => errors.push(e),
  });
  assert.deepEqual(manager.join(open, call('A')), { ok: false, reason: 'closed' });
  assert.equal(errors.length, 1);
});
