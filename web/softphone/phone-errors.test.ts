import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callEndedText, microphoneErrorText, registrationErrorText } from './phone-errors.ts';

test('microphone failures in plain words; other errors are not the microphone’s', () => {
  assert.match(microphoneErrorText({ name: 'NotAllowedError', message: 'Permission denied' })!, /blocked/);
  assert.match(microphoneErrorText({ name: 'NotFoundError' })!, /No microphone/);
  assert.match(microphoneErrorText({ name: 'NotReadableError' })!, /busy/);
  assert.equal(microphoneErrorText(new Error('socket closed')), undefined);
  assert.equal(microphoneErrorText(undefined), undefined);
});

test('registration failures: wrong password, unreachable server, server trouble', () => {
  assert.equal(registrationErrorText({ status: 401 }), 'Wrong extension or password.');
  assert.equal(registrationErrorText({ status: 403 }), 'Wrong extension or password.');
  assert.match(
    registrationErrorText({ transport: 'wss://pbx.example/ws' }),
    /cannot reach .*wss:\/\/pbx\.example\/ws/,
  );
  assert.match(registrationErrorText({ status: 503 }), /\(503\)/);
});

test('why a call ended', () => {
  assert.equal(callEndedText(486), 'Busy.');
  assert.equal(callEndedText(404), 'Nobody has that number.');
  assert.match(callEndedText(488), /audio/);
  assert.match(callEndedText(502), /\(502\)/);
});
