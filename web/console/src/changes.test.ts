import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countChanges, normalizeChanges } from './changes.ts';

test('the API changes answer, as the Apply dialog lists it', () => {
  const answer = {
    baseVersion: 1,
    problems: [],
    changes: [
      {
        kind: 'conferences',
        id: 'c1',
        action: 'added',
        label: 'Sales weekly',
        fields: [
          { field: 'extension', to: '800' },
          { field: 'name', to: 'Sales weekly' },
        ],
      },
      {
        kind: 'users',
        id: 'u1',
        action: 'changed',
        label: 'Alice',
        fields: [{ field: 'sipPassword' }, { field: 'name', from: 'Alice', to: 'Alice Martin' }],
      },
    ],
  };
  const changes = normalizeChanges(answer);
  assert.equal(changes.length, 2);
  assert.deepEqual(changes[0], {
    kind: 'conferences',
    id: 'c1',
    action: 'added',
    label: 'Sales weekly',
    fields: [
      { field: 'extension', before: undefined, after: '800', secret: false },
      { field: 'name', before: undefined, after: 'Sales weekly', secret: false },
    ],
  });
  assert.deepEqual(changes[1]!.fields[1], {
    field: 'name',
    before: 'Alice',
    after: 'Alice Martin',
    secret: false,
  });
  assert.equal(countChanges(answer), 2);
});

test('bare arrays, empty and malformed answers do not throw', () => {
  assert.equal(
    normalizeChanges([{ kind: 'trunks', id: 't', action: 'removed', label: 'Carrier', fields: [] }])[0]!
      .action,
    'removed',
  );
  assert.deepEqual(normalizeChanges(undefined), []);
  assert.deepEqual(normalizeChanges({ changes: 'nope' }), []);
  assert.deepEqual(normalizeChanges({ changes: [null, 3, 'x'] }), []);
  assert.equal(countChanges({ count: 7 }), 7);
});
