import assert from 'node:assert/strict';
import { test } from 'node:test';
import { referTarget } from './transfer.ts';

test('Refer-To: the user part of a SIP URI, in name-addr or bare form', () => {
  assert.equal(referTarget('<sip:103@pbx.test>'), '103');
  assert.equal(referTarget('"Carol" <sip:103@pbx.test;transport=udp>'), '103');
  assert.equal(referTarget('sips:104@pbx.test'), '104');
});

test('Refer-To without a usable SIP user: undefined (answered 400)', () => {
  assert.equal(referTarget(undefined), undefined);
  assert.equal(referTarget(''), undefined);
  assert.equal(referTarget('<tel:+15550001>'), undefined);
  assert.equal(referTarget('<sip:pbx.test>'), undefined);
  assert.equal(referTarget('<<<garbage'), undefined);
});
