import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  byFormOrder,
  describeDestination,
  describeRegistration,
  fieldLabel,
  formatValue,
  kindLabel,
} from './labels.ts';

test('kinds and fields in the seed words', () => {
  assert.equal(kindLabel('incomingNumbers'), 'Incoming number');
  assert.equal(fieldLabel('conferences', 'extension'), 'Internal extension');
  assert.equal(fieldLabel('users', 'extension'), 'Extension');
  assert.equal(
    fieldLabel('conferences', 'waitForAdmin'),
    'Wait for the administrator to start the conference',
  );
  assert.equal(fieldLabel('conferences', 'somethingNew'), 'somethingNew');
});

test('values: secrets and access codes never shown, booleans as Yes/No', () => {
  assert.equal(formatValue('sipPassword', undefined), 'changed (hidden)');
  assert.equal(formatValue('password', 'hunter22'), '••••••');
  assert.equal(formatValue('accessCode', '4321'), '••••');
  assert.equal(formatValue('waitForAdmin', true), 'Yes');
  assert.equal(formatValue('waitForAdmin', false), 'No');
  assert.equal(formatValue('adminExtension', undefined), '—');
  assert.equal(formatValue('inboundAddresses', ['192.0.2.1', '192.0.2.0/24']), '192.0.2.1, 192.0.2.0/24');
  assert.equal(formatValue('destination', { type: 'hangup' }), 'Hang up');
});

test('destinations in words', () => {
  assert.equal(describeDestination({ type: 'none' }), 'Not configured');
  assert.equal(describeDestination(undefined), 'Not configured');
  assert.equal(describeDestination({ type: 'extension', extension: '101' }), 'Extension 101');
  assert.equal(
    describeDestination({ type: 'conference', conferenceId: 'c1' }, (id) =>
      id === 'c1' ? 'Sales weekly' : id,
    ),
    'Conference Sales weekly',
  );
});

test('fields sort in the order the forms show them, unknown ones last', () => {
  const fields = ['waitForAdmin', 'zeta', 'name', 'accessCode', 'extension', 'adminExtension'].map(
    (field) => ({ field }),
  );
  assert.deepEqual(
    fields.sort(byFormOrder).map((f) => f.field),
    ['name', 'extension', 'accessCode', 'adminExtension', 'waitForAdmin', 'zeta'],
  );
});

test('trunk registration in words', () => {
  assert.deepEqual(describeRegistration(false, { state: 'registered' }), {
    text: 'Not registering',
    tone: 'muted',
  });
  assert.deepEqual(describeRegistration(true, { state: 'registered' }), { text: 'Registered', tone: 'ok' });
  assert.deepEqual(describeRegistration(true, { state: 'failed', detail: '403 Forbidden' }), {
    text: 'Failed: 403 Forbidden',
    tone: 'bad',
  });
  assert.equal(describeRegistration(true, { state: 'registering' }).text, 'Registering…');
  assert.equal(describeRegistration(true).text, 'No status reported');
});
