/**
 * A call from the carrier to one of Parley's incoming numbers: sipp plays the carrier, sending from an
 * address listed in the trunk's inbound addresses, without authentication, to the DID +3221234567 whose
 * destination is a conference with an access code. Parley answers and the digital receptionist speaks
 * (the test listens on the RTP port sipp's SDP names and finds speech, decoded from G.711); the caller
 * types the code and `#` as RFC 4733 events (sip-tester's captures) and is then in the room
 * (participants API), under the caller ID the carrier sent. A second DID points at extension 102
 * (baresip, answering by itself): the phone sees the carrier's caller ID and the carrier hears its tone.
 * DIDs whose destination is "none" or "hang up" are refused with 404 and 603.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, runSipp, sippCount, startSipp } from './helpers/sipp.ts';
import { skipWithout } from './helpers/skip.ts';
import { levelDb, sleep, soundingShare, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-incoming-did.xml');
const skip = skipWithout('sipp');
const DID = '+3221234567';
const DID_TO_102 = '+3221234568';
const DID_NONE = '+3221234569';
const DID_HANGUP = '+3221234560';
const CALLER = '+32475123456';

describe('a carrier calls an incoming number', { skip }, () => {
  const f = callFixture({
    name: 'did',
    users: users('102'),
    conferences: [{ name: 'Sales', extension: '500', accessCode: '1234', waitForAdmin: false }],
    trunks: [
      {
        name: 'Carrier',
        // Never contacted here (no registration, no outgoing call); calls are recognised by inboundAddresses.
        host: '127.0.0.5',
        port: 5060,
        transport: 'udp',
        register: false,
        inboundAddresses: ['127.0.0.1'],
      },
    ],
  });

  before(async () => {
    const { parley, conferenceId } = f;
    await parley.api('POST', '/api/incoming-numbers', {
      number: DID,
      destination: { type: 'conference', conferenceId },
    });
    await parley.api('POST', '/api/incoming-numbers', {
      number: DID_TO_102,
      destination: { type: 'extension', extension: '102' },
    });
    await parley.api('POST', '/api/incoming-numbers', { number: DID_NONE, destination: { type: 'none' } });
    await parley.api('POST', '/api/incoming-numbers', {
      number: DID_HANGUP,
      destination: { type: 'hangup' },
    });
    await parley.api('POST', '/api/apply', {});
  });

  test('the receptionist answers, asks for the code, and the caller gets in', async (t) => {
    const rtp = await rtpListener();
    try {
      const carrier = await startSipp({
        scenario: SCENARIO,
        remote: `127.0.0.1:${f.parley.sipPort}`,
        service: DID,
        set: { caller: CALLER, rtpport: String(rtp.port) },
        pcap: true,
        calls: 1,
        timeoutSeconds: 30,
      });
      t.after(() => carrier.stop());
      // The scenario waits 3 s after the ACK before typing: what Parley sent by then is the prompt.
      await waitFor('audio from Parley', () => (rtp.audio().length >= 8000 * 1.5 ? true : undefined), 8000);
      await sleep(700);
      const prompt = rtp.audio();
      const level = levelDb(prompt);
      const sounding = soundingShare(prompt, 8000);
      assert.ok(
        level > -40 && sounding > 0.4,
        `the receptionist should be speaking: ${level.toFixed(1)} dBFS, sounding ${sounding.toFixed(2)}`,
      );

      const member = await waitFor(
        'the caller in the room',
        async () => (await f.participants()).find((p) => p.callerId === CALLER),
        12_000,
      ).catch(async (err) => {
        const r = await carrier.stop();
        throw new Error(`${err}\n${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
      });
      assert.equal(member.extension, undefined, 'a trunk caller is nobody’s extension');

      const r = await carrier.result;
      assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
      assert.equal(sippCount(r, '200', false), 2, 'answered, and the BYE acknowledged');
      await waitFor('the room emptied', async () =>
        (await f.participants()).length === 0 ? true : undefined,
      );
    } finally {
      rtp.socket.close();
    }
  });

  test('a DID pointing at an extension rings that phone, and they talk', async (t) => {
    const ready = await f.phoneAndListener({ extension: '102', tone: 1300, autoAnswer: true }, t);
    if (!ready) return;
    const { phone, rtp } = ready;
    const carrier = await startSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${f.parley.sipPort}`,
      service: DID_TO_102,
      set: { caller: CALLER, rtpport: String(rtp.port) },
      pcap: true,
      calls: 1,
      timeoutSeconds: 30,
    });
    t.after(() => carrier.stop());
    const established = await phone.event('CALL_ESTABLISHED');
    assert.match(String(established.peeruri), new RegExp(`^sip:\\${CALLER}@`), JSON.stringify(established));
    // Before the scenario's digits (3 s after its ACK), what reaches the carrier is the phone's voice.
    await sleep(2500);
    const heard = rtp.audio();
    const w = windowBefore(heard, 8000, heard.length, 1.5, 0.1);
    assert.ok(w.length >= 8000, `too little audio reached the carrier: ${heard.length} samples`);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `the carrier should hear the phone's 1300 Hz: share ${share.toFixed(3)}`);
    const r = await carrier.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    await phone.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });

  for (const [did, kind, status] of [
    [DID_NONE, 'none', '404'],
    [DID_HANGUP, 'hangup', '603'],
  ] as const) {
    test(`a DID whose destination is "${kind}" is refused with ${status}`, async () => {
      const r = await runSipp({
        scenario: join(import.meta.dirname, 'scenarios', 'calls-incoming-refused.xml'),
        remote: `127.0.0.1:${f.parley.sipPort}`,
        service: did,
        set: { caller: CALLER, rtpport: '9' },
        calls: 1,
        timeoutSeconds: 10,
      });
      assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-2000)}`);
      assert.equal(sippCount(r, status, false), 1, describeSipp(r));
      await noMediaLeft(f.parley);
    });
  }
});
