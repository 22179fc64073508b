import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiveConfig } from '../../store/live-config.ts';
import { type Caller, type Destination, normaliseDialled, route } from './route.ts';
import { type RoutingConfig, routingConfigOf } from './routing-config.ts';

const alice = { extension: '101', name: 'Alice' };
const bob = { extension: '102', name: 'Bob', canCallOut: false };
const board = {
  id: 'c1',
  name: 'Board',
  extension: '800',
  accessCode: '4321',
  adminExtension: '101',
  waitForAdmin: true,
};
const open = { id: 'c2', name: 'Open', extension: '801', waitForAdmin: false };
const carrier = { id: 't1', name: 'Carrier', callerId: '+3221230000' };
const backup = { id: 't2', name: 'Backup' };

const config = routingConfigOf({
  users: [alice, bob],
  conferences: [board, open],
  incomingNumbers: [
    { number: '+3221234567', destination: { type: 'conference', conferenceId: 'c1' } },
    { number: '+3221234568', destination: { type: 'extension', extension: '101' } },
    { number: '+3221234569', destination: { type: 'none' } },
    { number: '+3221234570', destination: { type: 'hangup' } },
    { number: '+3221234571', destination: { type: 'extension', extension: '801' } },
    { number: '+3221234572', destination: { type: 'conference', conferenceId: 'gone' } },
    { number: '+3221234573', destination: { type: 'extension', extension: '999' } },
    // Bound to one trunk: from t2 it goes to the open room, from anywhere else to Bob.
    { number: '+3221234574', trunkId: 't2', destination: { type: 'conference', conferenceId: 'c2' } },
    { number: '+3221234574', destination: { type: 'extension', extension: '102' } },
    { number: '+3221234575', trunkId: 't2', destination: { type: 'extension', extension: '102' } },
  ],
  trunks: [carrier, backup],
});

const asUser = (extension: string): Caller => ({ kind: 'user', extension });
const fromTrunk = (trunkId: string): Caller => ({ kind: 'trunk', trunkId });
const anonymous: Caller = { kind: 'anonymous' };

/** A short description of a destination, so each case reads in one line. */
function show(d: Destination): string {
  switch (d.type) {
    case 'user':
      return `user ${d.user.extension}${d.incoming ? ` via ${d.incoming.number}` : ''}`;
    case 'conference':
      return `conference ${d.conference.id}${d.incoming ? ` via ${d.incoming.number}` : ''}`;
    case 'external':
      return `external ${d.number} via ${d.trunk.id}`;
    case 'hangup':
      return `hangup ${d.incoming.number}`;
    case 'reject':
      return `reject ${d.status} ${d.reason}`;
  }
}

const cases: [string, Caller, string][] = [
  // Internal extensions, from users and from unauthenticated callers alike.
  ['101', asUser('102'), 'user 101'],
  ['102', asUser('101'), 'user 102'],
  ['101', asUser('101'), 'user 101'],
  ['800', asUser('102'), 'conference c1'],
  ['801', anonymous, 'conference c2'],
  ['102', anonymous, 'user 102'],
  ['1-0-1', asUser('102'), 'user 101'],
  [' 800 ', asUser('102'), 'conference c1'],
  // Unknown or malformed.
  ['', asUser('101'), 'reject 484 incomplete'],
  ['   ', anonymous, 'reject 484 incomplete'],
  ['alice', asUser('102'), 'reject 404 not-found'],
  ['10a', asUser('102'), 'reject 404 not-found'],
  ['*98', asUser('102'), 'reject 404 not-found'],
  ['+', asUser('101'), 'reject 404 not-found'],
  // External numbers: only authenticated users allowed to call out.
  ['+3226667777', asUser('101'), 'external +3226667777 via t1'],
  ['0032 2 666 77 77', asUser('101'), 'external +3226667777 via t1'],
  ['(02) 666.77.77', asUser('101'), 'external 026667777 via t1'],
  ['999', asUser('101'), 'external 999 via t1'],
  ['+3226667777', asUser('102'), 'reject 403 forbidden'],
  ['+3226667777', anonymous, 'reject 403 forbidden'],
  ['+3226667777', asUser('555'), 'reject 403 forbidden'],
  // Own incoming numbers dialled from inside stay inside.
  ['+3221234567', asUser('102'), 'conference c1 via +3221234567'],
  ['3221234568', asUser('102'), 'user 101 via +3221234568'],
  ['+3221234567', anonymous, 'conference c1 via +3221234567'],
  // From a trunk: incoming numbers only, in the spellings carriers use.
  ['+3221234567', fromTrunk('t1'), 'conference c1 via +3221234567'],
  ['3221234567', fromTrunk('t1'), 'conference c1 via +3221234567'],
  ['003221234567', fromTrunk('t1'), 'conference c1 via +3221234567'],
  ['+3221234568', fromTrunk('t1'), 'user 101 via +3221234568'],
  ['+3221234569', fromTrunk('t1'), 'reject 404 unassigned-number'],
  ['+3221234570', fromTrunk('t1'), 'hangup +3221234570'],
  ['+3221234571', fromTrunk('t1'), 'conference c2 via +3221234571'],
  ['+3221234572', fromTrunk('t1'), 'reject 404 not-found'],
  ['+3221234573', fromTrunk('t1'), 'reject 404 not-found'],
  ['+3221234574', fromTrunk('t2'), 'conference c2 via +3221234574'],
  ['+3221234574', fromTrunk('t1'), 'user 102 via +3221234574'],
  ['+3221234575', fromTrunk('t2'), 'user 102 via +3221234575'],
  ['+3221234575', fromTrunk('t1'), 'reject 404 not-found'],
  // A trunk never reaches internal extensions directly, nor another trunk.
  ['101', fromTrunk('t1'), 'reject 404 not-found'],
  ['800', fromTrunk('t1'), 'reject 404 not-found'],
  ['+3226667777', fromTrunk('t1'), 'reject 404 not-found'],
];

for (const [dialled, caller, expected] of cases) {
  test(`route ${JSON.stringify(dialled)} from ${caller.kind}${'extension' in caller ? ` ${caller.extension}` : ''}${'trunkId' in caller ? ` ${caller.trunkId}` : ''} → ${expected}`, () => {
    assert.equal(show(route(dialled, caller, config)), expected);
  });
}

test('no trunk configured: an external number cannot be reached', () => {
  const none = routingConfigOf({ users: [alice] });
  assert.deepEqual(route('+3226667777', asUser('101'), none), {
    type: 'reject',
    reason: 'no-trunk',
    status: 404,
  });
});

test('the destination carries the configuration objects the call flow needs', () => {
  const d = route('800', asUser('101'), config);
  assert.equal(d.type, 'conference');
  if (d.type === 'conference') assert.equal(d.conference, board);
  const e = route('+3226667777', asUser('101'), config);
  if (e.type === 'external') assert.equal(e.trunk.callerId, '+3221230000');
  else assert.fail('external expected');
});

test('normaliseDialled keeps digits and a leading +, refuses anything else', () => {
  assert.equal(normaliseDialled('+32 (2) 123-45.67'), '+3221234567');
  assert.equal(normaliseDialled('*98#'), '*98#');
  assert.equal(normaliseDialled('1+2'), undefined);
  assert.equal(normaliseDialled('sip:101'), undefined);
});

test('the store’s LiveConfig is a RoutingConfig', () => {
  const live = new LiveConfig(3, {
    users: [{ id: 'u1', revision: 1, name: 'Alice', extension: '101', sipPassword: 'x' }],
    conferences: [{ id: 'c9', revision: 1, name: 'R', extension: '809', waitForAdmin: false }],
    incomingNumbers: [
      {
        id: 'n1',
        revision: 1,
        number: '+3220000000',
        destination: { type: 'conference', conferenceId: 'c9' },
      },
    ],
    trunks: [
      {
        id: 't1',
        revision: 1,
        name: 'T',
        host: '127.0.0.1',
        port: 5060,
        transport: 'udp',
        register: false,
        inboundAddresses: ['127.0.0.1'],
      },
    ],
  });
  const rc: RoutingConfig = live;
  assert.equal(show(route('+3220000000', fromTrunk('t1'), rc)), 'conference c9 via +3220000000');
  assert.equal(show(route('+3229999999', asUser('101'), rc)), 'external +3229999999 via t1');
});
