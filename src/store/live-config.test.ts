import assert from 'node:assert/strict';
import { it } from 'node:test';
import { LiveConfig } from './live-config.ts';
import { emptyConfiguration, type Trunk } from './model.ts';

const trunk = (id: string, host: string, inboundAddresses: string[]): Trunk => ({
  id,
  revision: 1,
  name: id,
  host,
  port: 5060,
  transport: 'udp',
  register: false,
  inboundAddresses,
});

it('indexes the applied configuration for the PBX', () => {
  const c = emptyConfiguration();
  c.users.push({ id: 'u1', revision: 1, name: 'Alice', extension: '101', sipPassword: 'pw-101' });
  c.conferences.push({ id: 'c1', revision: 2, name: 'Room', extension: '800', waitForAdmin: false });
  c.incomingNumbers.push(
    { id: 'n1', revision: 3, number: '+3221234567', destination: { type: 'conference', conferenceId: 'c1' } },
    { id: 'n2', revision: 4, number: '+3221234567', trunkId: 't2', destination: { type: 'hangup' } },
  );
  c.trunks.push(
    trunk('t1', 'sip.example.net', ['192.0.2.0/24', '2001:db8::/32']),
    trunk('t2', '198.51.100.7', []),
  );
  const live = new LiveConfig(7, c);
  assert.equal(live.version, 7);
  assert.equal(live.findUser('101')?.sipPassword, 'pw-101');
  assert.equal(live.findUser('102'), undefined);
  assert.equal(live.findConference('800')?.id, 'c1');
  assert.equal(live.conferencesById.get('c1')?.extension, '800');
  assert.equal(live.findIncoming('+3221234567', 't2')?.id, 'n2', 'a trunk-bound entry wins');
  assert.equal(live.findIncoming('+3221234567', 't1')?.id, 'n1');
  assert.equal(live.findIncoming('+3221234567')?.id, 'n1');
  assert.equal(live.findIncoming('+3200000000'), undefined);
  assert.equal(live.trunkForAddress('192.0.2.55')?.id, 't1');
  assert.equal(live.trunkForAddress('2001:db8::1')?.id, 't1');
  assert.equal(live.trunkForAddress('198.51.100.7')?.id, 't2', 'an IP host counts');
  assert.equal(live.trunkForAddress('198.51.100.8'), undefined);
  assert.equal(live.trunkForAddress('not an ip'), undefined);
});
