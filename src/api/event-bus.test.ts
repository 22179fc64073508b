import assert from 'node:assert/strict';
import { it } from 'node:test';
import { EventBus, type ParleyEvent } from './event-bus.ts';

it('delivers typed events, survives a failing listener, remembers recent ones', () => {
  const errors: unknown[] = [];
  const bus = new EventBus({ keep: 2, onError: (e) => errors.push(e) });
  const all: ParleyEvent[] = [];
  const muted: boolean[] = [];
  bus.subscribe(() => {
    throw new Error('listener bug');
  });
  const off = bus.subscribe((e) => all.push(e));
  bus.on('participant.muted', (e) => muted.push(e.data.muted));
  bus.publish('conference.started', { conferenceId: 'c1' });
  bus.publish('participant.muted', { conferenceId: 'c1', participantId: 'p1', muted: true });
  off();
  bus.publish('config.applied', { version: 4 });
  assert.deepEqual(
    all.map((e) => [e.id, e.type]),
    [
      [1, 'conference.started'],
      [2, 'participant.muted'],
    ],
  );
  assert.deepEqual(muted, [true]);
  assert.equal(errors.length, 3);
  assert.deepEqual(
    bus.since(1).map((e) => e.id),
    [2, 3],
  );
  assert.deepEqual(bus.since(0).length, 2, 'only `keep` events are remembered');
});
