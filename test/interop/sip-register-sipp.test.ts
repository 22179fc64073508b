/**
 * sipp (Debian's sip-tester) registers to the PBX with digest authentication over UDP and over TCP, gets
 * 200 with its contact listed, and unregisters; with a wrong password it is refused.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { describeSipp, runSipp, sippPath } from './helpers/sipp.ts';
import { HOST, type PbxUnderTest, startPbx } from './sip-harness.ts';

const SCENARIOS = join(import.meta.dirname, 'scenarios');
const sipp = sippPath();

describe('sipp registers with digest auth', { skip: sipp ? false : 'sipp is not installed' }, () => {
  let pbx: PbxUnderTest;
  const changes: string[] = [];

  before(async () => {
    pbx = await startPbx({
      users: [
        { extension: '101', name: 'Alice', sipPassword: 'alice-secret' },
        { extension: '102', name: 'Bob', sipPassword: 'bob-secret' },
      ],
    });
    pbx.server.registrar.onChange((ext, bindings) =>
      changes.push(`${ext}:${bindings.map((b) => `${b.flow.transport}:${b.contact}`).join(',') || 'none'}`),
    );
  });
  after(() => pbx?.close());

  /** sipp runs `scenario` once as `user` with `password`, the registrar's changes recorded afresh. */
  function register(scenario: string, user: string, password: string, transport?: 'u1' | 't1') {
    changes.length = 0;
    return runSipp({
      scenario: join(SCENARIOS, scenario),
      remote: `${HOST}:${pbx.sipPort}`,
      ...(transport ? { transport } : {}),
      service: user,
      authUser: user,
      authPassword: password,
      calls: 1,
      timeoutSeconds: 20,
    });
  }

  for (const [transport, sippTransport] of [
    ['udp', 'u1'],
    ['tcp', 't1'],
  ] as const) {
    test(`over ${transport.toUpperCase()}: 401, then 200 listing the contact, then unregister`, async () => {
      const r = await register('sip-register-digest.xml', '101', 'alice-secret', sippTransport);
      assert.equal(r.exitCode, 0, describeSipp(r));
      assert.equal(r.successfulCalls, 1, describeSipp(r));
      // The registrar saw the binding arrive over the right transport, then go.
      assert.equal(changes.length, 2, changes.join(' | '));
      assert.match(
        changes[0]!,
        new RegExp(`^101:${transport}:sip:101@127\\.0\\.0\\.1:\\d+;transport=${transport}$`, 'i'),
      );
      assert.equal(changes[1], '101:none');
      assert.equal(pbx.server.registrar.lookup('101').length, 0);
    });
  }

  test('too short an interval: 423 with Min-Expires, nothing registered', async () => {
    const r = await register('sip-register-too-brief.xml', '101', 'alice-secret');
    assert.equal(r.exitCode, 0, describeSipp(r));
    assert.equal(r.successfulCalls, 1, describeSipp(r));
    assert.deepEqual(changes, []);
  });

  test('a wrong password is refused and registers nothing', async () => {
    const r = await register('sip-register-wrong-password.xml', '102', 'not-bobs-password');
    assert.equal(r.exitCode, 0, describeSipp(r));
    assert.equal(r.successfulCalls, 1, describeSipp(r));
    assert.deepEqual(changes, []);
    assert.equal(pbx.server.registrar.lookup('102').length, 0);
    assert.ok(pbx.logs.some((l) => l.event === 'security.auth-failure' && l.username === '102'));
  });
});
