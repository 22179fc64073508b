import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SipRequest } from '../../sip/message/index.ts';
import { negotiateAsUas, readSessionExpires, SessionTimer, sessionTimerHeaders } from './session-timer.ts';

function invite(headers: Array<[string, string]>): SipRequest {
  return {
    kind: 'request',
    method: 'INVITE',
    uri: 'sip:500@pbx.test',
    version: 'SIP/2.0',
    headers: headers.map(([name, value]) => ({ name, value })),
    body: new Uint8Array(0),
  };
}

test('Session-Expires is read with its refresher, compact form too', () => {
  assert.deepEqual(readSessionExpires(invite([['Session-Expires', '1800;refresher=uac']])), {
    interval: 1800,
    refresher: 'uac',
  });
  assert.deepEqual(readSessionExpires(invite([['x', '600']])), { interval: 600 });
  assert.equal(readSessionExpires(invite([['Session-Expires', 'soon']])), undefined);
});

test('a UAS agrees per RFC 4028 §9', () => {
  assert.equal(negotiateAsUas(invite([])), undefined, 'no timer asked, none supported: no timer');
  assert.equal(negotiateAsUas(invite([['Session-Expires', '60']])), 'too-small');
  assert.deepEqual(negotiateAsUas(invite([['Supported', 'replaces, timer']])), {
    interval: 1800,
    refresher: 'uac',
    uacSupportsTimer: true,
  });
  // The UAC asks for a timer without supporting it: we refresh.
  assert.deepEqual(negotiateAsUas(invite([['Session-Expires', '300;refresher=uac']])), {
    interval: 300,
    refresher: 'uas',
    uacSupportsTimer: false,
  });
  const terms = negotiateAsUas(
    invite([
      ['Supported', 'timer'],
      ['Session-Expires', '120;refresher=uas'],
    ]),
  );
  assert.ok(terms && terms !== 'too-small');
  assert.deepEqual(sessionTimerHeaders(terms), [
    { name: 'Session-Expires', value: '120;refresher=uas' },
    { name: 'Require', value: 'timer' },
  ]);
});

test('the refresher refreshes at half the interval; the other side expires before the end', (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let refreshed = 0;
  let expired = 0;
  const ours = new SessionTimer({
    interval: 90,
    weRefresh: true,
    refresh: () => refreshed++,
    expired: () => expired++,
  });
  t.mock.timers.tick(44_999);
  assert.equal(refreshed, 0);
  t.mock.timers.tick(1);
  assert.equal(refreshed, 1);
  ours.stop();
  const theirs = new SessionTimer({
    interval: 90,
    weRefresh: false,
    refresh: () => refreshed++,
    expired: () => expired++,
  });
  t.mock.timers.tick(59_000);
  theirs.reset(); // a refresh arrived
  t.mock.timers.tick(59_999);
  assert.equal(expired, 0);
  t.mock.timers.tick(1); // 90 - min(32, 30) = 60 s after the last refresh
  assert.equal(expired, 1);
  theirs.stop();
});
