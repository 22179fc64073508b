import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDtmfInfo } from './dtmf-info.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

test('application/dtmf-relay with Signal and Duration', () => {
  assert.deepEqual(parseDtmfInfo('application/dtmf-relay', bytes('Signal=5\r\nDuration=160\r\n')), {
    digit: '5',
    durationMs: 160,
  });
  assert.deepEqual(parseDtmfInfo('Application/DTMF-Relay', bytes('Signal= #\nDuration= 100')), {
    digit: '#',
    durationMs: 100,
  });
  assert.equal(parseDtmfInfo('application/dtmf-relay', bytes('Duration=100')), undefined);
});

test('application/dtmf with a digit or an event code', () => {
  assert.equal(parseDtmfInfo('application/dtmf', bytes('7'))?.digit, '7');
  assert.equal(parseDtmfInfo('application/dtmf', bytes('11'))?.digit, '#');
  assert.equal(parseDtmfInfo('application/dtmf', bytes('10'))?.digit, '*');
  assert.equal(parseDtmfInfo('application/dtmf', bytes('16')), undefined);
  assert.equal(parseDtmfInfo('application/dtmf', bytes('x')), undefined);
});

test('other bodies are not DTMF', () => {
  assert.equal(parseDtmfInfo('application/sdp', bytes('v=0')), undefined);
  assert.equal(parseDtmfInfo(undefined, bytes('Signal=1')), undefined);
});
