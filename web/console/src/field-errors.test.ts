import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldErrors } from './field-errors.ts';

const CONFERENCE = {
  name: ['name'],
  extension: ['extension'],
  accessCode: ['accessCode'],
  adminExtension: ['adminExtension'],
};

test('a store path lands on its field', () => {
  assert.deepEqual(
    fieldErrors([{ path: 'extension', message: 'Extension must be digits only.' }], CONFERENCE),
    {
      extension: 'Extension must be digits only.',
    },
  );
});

test('schema paths (/body/x, body.x, conferences.<id>.x) land on the same field', () => {
  for (const path of [
    '/extension',
    'body/extension',
    '/body/extension',
    'body.extension',
    'conferences.abc.extension',
  ]) {
    assert.deepEqual(Object.keys(fieldErrors([{ path, message: 'm' }], CONFERENCE)), ['extension'], path);
  }
});

test('adminExtension is not mistaken for extension', () => {
  const out = fieldErrors([{ path: 'adminExtension', message: 'No user has this extension.' }], CONFERENCE);
  assert.deepEqual(out, { adminExtension: 'No user has this extension.' });
});

test('two messages on one field are joined; unknown paths go above the buttons', () => {
  const out = fieldErrors(
    [
      { path: 'name', message: 'Name is required.' },
      { path: 'name', message: 'Name is too long.' },
      { path: 'revision', message: 'Someone else changed it.' },
      { path: '', message: 'Something else.' },
    ],
    CONFERENCE,
  );
  assert.equal(out.name, 'Name is required. Name is too long.');
  assert.equal(out[''], 'Someone else changed it. Something else.');
});

test('nested destination paths: the specific field wins over the group', () => {
  const names = {
    conferenceId: ['conferenceId'],
    destExtension: ['destination.extension'],
    destination: ['destination', 'type'],
  };
  assert.deepEqual(Object.keys(fieldErrors([{ path: 'destination.conferenceId', message: 'm' }], names)), [
    'conferenceId',
  ]);
  assert.deepEqual(Object.keys(fieldErrors([{ path: '/destination/extension', message: 'm' }], names)), [
    'destExtension',
  ]);
  assert.deepEqual(Object.keys(fieldErrors([{ path: 'destination/type', message: 'm' }], names)), [
    'destination',
  ]);
});
