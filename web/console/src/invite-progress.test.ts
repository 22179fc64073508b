import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LiveEvent } from './events.ts';
import { advanceInvite, type InviteProgress } from './invite-progress.ts';

const ev = (type: string, data: Record<string, unknown>): LiveEvent => ({ type, data });
const calling: InviteProgress = { state: 'calling', callId: 'c1' };
const run = (events: LiveEvent[], from: InviteProgress = calling) =>
  events.reduce<InviteProgress>((p, e) => advanceInvite(p, e, 'room', '102'), from);

test('answered, then joined', () => {
  assert.deepEqual(run([ev('call.answered', { callId: 'c1' })]), { state: 'answered', callId: 'c1' });
  assert.deepEqual(
    run([
      ev('call.answered', { callId: 'c1' }),
      ev('participant.joined', { conferenceId: 'room', callerId: '102' }),
    ]),
    { state: 'joined', callId: 'c1' },
  );
});

test('a join elsewhere, or someone else, or another call, changes nothing', () => {
  assert.deepEqual(run([ev('participant.joined', { conferenceId: 'other', callerId: '102' })]), calling);
  assert.deepEqual(run([ev('participant.joined', { conferenceId: 'room', callerId: '103' })]), calling);
  assert.deepEqual(run([ev('call.answered', { callId: 'c2' })]), calling);
});

test('a failure says why; nothing moves a finished invitation', () => {
  const failed: InviteProgress = run([ev('call.failed', { callId: 'c1', status: 486, reason: 'busy here' })]);
  assert.deepEqual(failed, { state: 'failed', callId: 'c1', reason: 'the line is busy' });
  assert.deepEqual(run([ev('call.answered', { callId: 'c1' })], failed), failed);
  const joined: InviteProgress = run([ev('participant.joined', { conferenceId: 'room', extension: '102' })]);
  assert.deepEqual(run([ev('call.ended', { callId: 'c1', reason: 'bye' })], joined), joined);
});

test('events before the call is known are not applied', () => {
  assert.deepEqual(
    advanceInvite({ state: 'sending' }, ev('call.answered', { callId: 'c1' }), 'room', '102'),
    {
      state: 'sending',
    },
  );
});
