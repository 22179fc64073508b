/**
 * SIP.js 0.21.2 (what the browser softphone uses) registers over `ws://…/ws` with digest auth. The
 * binding remembers its WebSocket connection: the PBX reaches the client over it (an OPTIONS answered by
 * SIP.js itself), and the binding goes when the connection closes. Runs SIP.js in Node (global WebSocket).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registerer, RegistererState, UserAgent } from 'sip.js';
import { createRequest, type SipResponse } from '../../src/sip/message/index.ts';
import { bindingsWhen, DOMAIN, HOST, type PbxUnderTest, startPbx } from './sip-harness.ts';

function stateWhen(registerer: Registerer, wanted: RegistererState): Promise<void> {
  return new Promise((resolve) => {
    if (registerer.state === wanted) return resolve();
    const listener = (s: RegistererState) => {
      if (s !== wanted) return;
      registerer.stateChange.removeListener(listener);
      resolve();
    };
    registerer.stateChange.addListener(listener);
  });
}

function newAgent(pbx: PbxUnderTest, password: string): UserAgent {
  return new UserAgent({
    uri: UserAgent.makeURI(`sip:104@${DOMAIN}`),
    authorizationUsername: '104',
    authorizationPassword: password,
    transportOptions: { server: `ws://${HOST}:${pbx.httpPort}/ws` },
    logBuiltinEnabled: false,
  });
}

describe('SIP.js registers over WebSocket', {
  skip: typeof WebSocket === 'undefined' ? 'no WebSocket' : false,
}, () => {
  let pbx: PbxUnderTest;
  const agents: UserAgent[] = [];

  before(async () => {
    pbx = await startPbx({ users: [{ extension: '104', name: 'Dave', sipPassword: 'dave-secret' }] });
  });
  after(async () => {
    for (const ua of agents) await ua.stop().catch(() => {});
    await pbx?.close();
  });

  /** A SIP.js agent of 104 over WebSocket, registered; its binding as the registrar holds it. */
  async function registeredAgent() {
    const ua = newAgent(pbx, 'dave-secret');
    agents.push(ua);
    await ua.start();
    const registerer = new Registerer(ua, { expires: 300 });
    const registered = bindingsWhen(pbx, '104', (b) => b.length === 1);
    await registerer.register();
    await stateWhen(registerer, RegistererState.Registered);
    const [binding] = await registered;
    return { ua, registerer, binding: binding! };
  }

  test('registers, is reachable over its connection, unregisters', async () => {
    const { registerer, binding } = await registeredAgent();
    assert.equal(binding.flow.transport, 'ws');
    assert.ok(binding.flow.connectionId, 'the binding names its WebSocket connection');
    assert.match(binding.contact, /;transport=ws$/);

    // Reach the client the way the call layer will: over the binding's own flow.
    const options = createRequest({
      method: 'OPTIONS',
      uri: binding.contact,
      from: { uri: `sip:pbx@${DOMAIN}`, params: {} },
      to: { uri: binding.aor, params: {} },
    });
    const answer = await new Promise<SipResponse>((resolve) =>
      pbx.stack.sendRequest(
        options,
        {
          transport: 'ws',
          address: binding.flow.remoteAddress,
          port: binding.flow.remotePort,
          connectionId: binding.flow.connectionId!,
        },
        { onFinal: (r) => resolve(r) },
      ),
    );
    assert.equal(answer.status, 200);
    assert.match(answer.headers.find((h) => h.name.toLowerCase() === 'user-agent')?.value ?? '', /SIP\.js/);

    const gone = bindingsWhen(pbx, '104', (b) => b.length === 0);
    await registerer.unregister();
    await stateWhen(registerer, RegistererState.Unregistered);
    await gone;
  });

  test('a wrong password never registers', async () => {
    const ua = newAgent(pbx, 'wrong');
    agents.push(ua);
    await ua.start();
    const registerer = new Registerer(ua, { expires: 300 });
    const rejected = new Promise<number>((resolve) => {
      registerer.register({ requestDelegate: { onReject: (r) => resolve(r.message.statusCode ?? 0) } });
    });
    assert.equal(await rejected, 401);
    assert.equal(pbx.server.registrar.lookup('104').length, 0);
    await ua.stop();
  });

  test('the binding goes when its WebSocket connection closes', async () => {
    const { ua } = await registeredAgent();
    const gone = bindingsWhen(pbx, '104', (b) => b.length === 0);
    // Drop the connection without unregistering, as a closed browser tab does.
    await ua.transport.disconnect();
    await gone;
    // Reconnect so SIP.js can stop cleanly (it unregisters on stop).
    await ua.transport.connect();
    await ua.stop();
  });
});

describe('an expired nonce is answered stale=true and SIP.js carries on', () => {
  let pbx: PbxUnderTest;
  let ua: UserAgent | undefined;

  before(async () => {
    pbx = await startPbx({
      users: [{ extension: '104', name: 'Dave', sipPassword: 'dave-secret' }],
      server: { nonceLifetimeMs: 300 },
    });
  });
  after(async () => {
    await ua?.stop().catch(() => {});
    await pbx?.close();
  });

  test('a refresh on a stale nonce gets 401 stale=true, then 200 without a failure counted', async () => {
    const statuses: string[] = [];
    ua = newAgent(pbx, 'dave-secret');
    await ua.start();
    const registerer = new Registerer(ua, { expires: 300 });
    const watch = {
      requestDelegate: {
        onAccept: () => statuses.push('200'),
        onReject: (r: { message: { statusCode?: number } }) => statuses.push(String(r.message.statusCode)),
      },
    };
    await registerer.register(watch);
    await stateWhen(registerer, RegistererState.Registered);
    // Let the nonce age past its lifetime, then refresh: SIP.js reuses its nonce with the next nc.
    await new Promise((r) => setTimeout(r, 600));
    const before = pbx.server.stats();
    // Watch what the challenges say.
    const staleFlags: boolean[] = [];
    const challenge = pbx.server.digest.challenge.bind(pbx.server.digest);
    pbx.server.digest.challenge = (stale, algorithms) => {
      staleFlags.push(stale ?? false);
      return challenge(stale, algorithms);
    };
    const refreshed = new Promise<void>((resolve) => {
      registerer.register({
        requestDelegate: {
          onAccept: () => {
            statuses.push('200');
            resolve();
          },
        },
      });
    });
    await refreshed;
    const after = pbx.server.stats();
    // The refresh was challenged once more (stale), then accepted; nobody was counted as failing.
    assert.equal(after.challenged - before.challenged, 1);
    assert.deepEqual(staleFlags, [true]);
    assert.equal(after.authFailures, 0);
    assert.deepEqual(statuses, ['200', '200']);
    assert.ok(
      pbx.logs.every((l) => l.event !== 'security.auth-failure'),
      'no security event for a stale nonce',
    );
  });
});
