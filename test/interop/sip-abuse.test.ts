/**
 * Abuse from one address must not cost the others: a password guesser is banned (its requests are then
 * dropped without an answer) while another address registers; a flood from one address is throttled
 * while another address keeps registering. Sources are distinct loopback addresses (127.0.0.x).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DigestClient } from '../../src/sip/auth/index.ts';
import { generateCallId, getHeaderValues, type SipResponse } from '../../src/sip/message/index.ts';
import { DOMAIN, dialogHeaders, type PbxUnderTest, RawSipClient, startPbx } from './sip-harness.ts';

const USERS = [{ extension: '105', name: 'Eve', sipPassword: 'eve-secret' }];

/** A full REGISTER exchange (401, then credentials) from `client`; returns the final answer. */
async function register(
  pbx: PbxUnderTest,
  client: RawSipClient,
  ext: string,
  password: string,
  callId = generateCallId(),
) {
  const uri = `sip:${DOMAIN}`;
  const first = await client.request(
    pbx.sipPort,
    'REGISTER',
    uri,
    dialogHeaders(client, 'REGISTER', ext, ext, 1, callId),
  );
  if (first?.status !== 401) return first;
  const auth = new DigestClient({ username: ext, password }).authorize(
    getHeaderValues(first, 'www-authenticate'),
    'REGISTER',
    uri,
  )!;
  return client.request(pbx.sipPort, 'REGISTER', uri, [
    ...dialogHeaders(client, 'REGISTER', ext, ext, 2, callId),
    `Authorization: ${auth}`,
  ]);
}

describe('a password guesser is banned, others are not', () => {
  let pbx: PbxUnderTest;
  const clients: RawSipClient[] = [];

  before(async () => {
    pbx = await startPbx({
      users: USERS,
      server: { bans: { maxFailures: 5, windowMs: 60_000, banMs: 60_000 } },
    });
  });
  after(async () => {
    for (const c of clients) c.close();
    await pbx?.close();
  });

  test('five wrong passwords ban 127.0.0.2; 127.0.0.3 still registers', async () => {
    const guesser = await RawSipClient.open('127.0.0.2');
    const phone = await RawSipClient.open('127.0.0.3');
    clients.push(guesser, phone);
    for (let i = 0; i < 5; i++) {
      const r = await register(pbx, guesser, '105', `guess-${i}`);
      assert.equal(r?.status, 401, `guess ${i}`);
    }
    const ban = pbx.logs.find((l) => l.event === 'security.ban');
    assert.equal(ban?.source, '127.0.0.2');
    // Banned: nothing comes back, not even to the right password or an OPTIONS.
    const dropped = pbx.server.stats().dropped;
    assert.equal(await register(pbx, guesser, '105', 'eve-secret'), undefined);
    assert.equal(
      await guesser.request(
        pbx.sipPort,
        'OPTIONS',
        `sip:${DOMAIN}`,
        dialogHeaders(guesser, 'OPTIONS', '105'),
        1000,
      ),
      undefined,
    );
    assert.ok(pbx.server.stats().dropped >= dropped + 2);
    const ok = await register(pbx, phone, '105', 'eve-secret');
    assert.equal(ok?.status, 200);
    assert.equal(pbx.server.registrar.lookup('105')[0]?.flow.remoteAddress, '127.0.0.3');
  });
});

describe('a flood from one address is throttled, others keep registering', () => {
  let pbx: PbxUnderTest;
  const clients: RawSipClient[] = [];

  before(async () => {
    pbx = await startPbx({ users: USERS, rateLimit: { ratePerSecond: 50, burst: 50 } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await pbx?.close();
  });

  test('2,000 OPTIONS from 127.0.0.4 mostly go unanswered; 127.0.0.5 registers meanwhile', async () => {
    const flooder = await RawSipClient.open('127.0.0.4');
    const phone = await RawSipClient.open('127.0.0.5');
    clients.push(flooder, phone);
    const sent = 2000;
    for (let i = 0; i < sent; i++) {
      const text = [
        `OPTIONS sip:${DOMAIN} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.4:${flooder.port};branch=z9hG4bKflood${i}`,
        'Max-Forwards: 70',
        `From: <sip:flood@${DOMAIN}>;tag=f${i}`,
        `To: <sip:${DOMAIN}>`,
        `Call-ID: flood-${i}`,
        'CSeq: 1 OPTIONS',
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      flooder.blast(pbx.sipPort, text);
    }
    const registered = await register(pbx, phone, '105', 'eve-secret');
    assert.equal((registered as SipResponse | undefined)?.status, 200);
    // Let the answers that were let through arrive.
    let seen = -1;
    while (seen !== flooder.received.length) {
      seen = flooder.received.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const udp = pbx.transports.find((t) => t.protocol === 'udp')!.stats();
    assert.ok(flooder.received.length >= 50, `some answered (${flooder.received.length})`);
    assert.ok(
      flooder.received.length < sent / 2,
      `most throttled (${flooder.received.length} of ${sent} answered)`,
    );
    // The kernel drops part of such a burst before it reaches us; of what arrived, the limiter refused most.
    assert.ok(udp.droppedRateLimited > flooder.received.length, JSON.stringify(udp));
  });
});
