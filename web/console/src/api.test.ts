import assert from 'node:assert/strict';
import { test } from 'node:test';
import { optional } from './api.ts';

test('optional fields: a value, null to remove what was set, or nothing', () => {
  assert.equal(optional(' 4321 ', undefined), '4321');
  assert.equal(optional('', '4321'), null);
  assert.equal(optional('  ', undefined), undefined);
});
