import assert from 'node:assert/strict';
import { it } from 'node:test';
import { diffConfigurations } from './diff.ts';
import { emptyConfiguration } from './model.ts';
import { validateConfiguration, validateObject } from './validate.ts';

it('checks each field in plain words', () => {
  assert.deepEqual(validateObject('users', { name: 'A', extension: '101', sipPassword: 'abcd' }), []);
  assert.deepEqual(
    validateObject('trunks', {
      name: 'T',
      host: 'bad host',
      port: 70000,
      transport: 'sctp' as 'udp',
      register: true,
      callerId: '123',
      inboundAddresses: ['10.0.0.0/33', '2001:db8::/32'],
    }).map((e) => e.path),
    ['host', 'port', 'transport', 'username', 'callerId', 'inboundAddresses.0'],
  );
  assert.deepEqual(
    validateObject('incomingNumbers', {
      number: '+15551234567',
      destination: { type: 'extension', extension: 'x' },
    }).map((e) => e.path),
    ['destination.extension'],
  );
  assert.deepEqual(
    validateObject('incomingNumbers', { number: '+0123', destination: { type: 'none' } })[0]?.path,
    'number',
  );
});

it('checks a whole configuration across objects', () => {
  const c = emptyConfiguration();
  c.users.push({ id: 'u1', revision: 1, name: 'A', extension: '101', sipPassword: 'abcd' });
  c.conferences.push({
    id: 'c1',
    revision: 2,
    name: 'R',
    extension: '101',
    waitForAdmin: false,
    adminExtension: '102',
  });
  c.incomingNumbers.push(
    {
      id: 'n1',
      revision: 3,
      number: '+3221234567',
      trunkId: 't9',
      destination: { type: 'conference', conferenceId: 'c9' },
    },
    { id: 'n2', revision: 4, number: '+3221234567', trunkId: 't9', destination: { type: 'none' } },
  );
  assert.deepEqual(
    validateConfiguration(c).map((e) => e.path),
    [
      'users.u1.extension',
      'conferences.c1.extension',
      'conferences.c1.adminExtension',
      'incomingNumbers.n1.trunkId',
      'incomingNumbers.n1.destination.conferenceId',
      'incomingNumbers.n2.number',
      'incomingNumbers.n2.trunkId',
    ],
  );
});

it('diffs field by field and hides secrets', () => {
  const a = emptyConfiguration();
  const b = emptyConfiguration();
  a.users.push({ id: 'u1', revision: 1, name: 'A', extension: '101', sipPassword: 'one' });
  b.users.push({
    id: 'u1',
    revision: 5,
    name: 'A',
    extension: '111',
    sipPassword: 'two',
    email: 'a@example.org',
  });
  assert.deepEqual(diffConfigurations(a, b), [
    {
      kind: 'users',
      id: 'u1',
      action: 'changed',
      label: 'A',
      fields: [
        { field: 'email', to: 'a@example.org' },
        { field: 'extension', from: '101', to: '111' },
        { field: 'sipPassword' },
      ],
    },
  ]);
  assert.deepEqual(diffConfigurations(b, b), []);
});
