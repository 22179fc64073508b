/**
 * Parley's own offers list every codec the media engine runs (PCMU, PCMA, G722, opus, telephone-event at
 * each clock rate) and the leg takes the codec the answer chose (RFC 3264 §6.1, §7):
 * - an invitation to extension 102, a baresip phone that accepts only A-law, is answered (no 488) and
 *   102 hears 101's tone from the room, and 101 hears 102's;
 * - an invitation to an outside number reaches a carrier played by sipp that answers with A-law only: the
 *   RTP Parley sends to the carrier's SDP address is A-law (payload type 8) carrying 101's tone;
 * - 101 (µ-law) calls 103, a baresip phone that accepts only G.722, directly: each hears the other;
 * - a late-offer call to 103 from sipp, whose ACK answers Parley's offer with A-law only: the caller's
 *   session switches to A-law while already bridged, and 103's tone arrives there in A-law.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { assertHearEachOther } from './helpers/hearing.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { freePort } from './helpers/ports.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, sippCount, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { describeWindow, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const CARRIER = join(import.meta.dirname, 'scenarios', 'calls-carrier-pcma.xml');
const skip = skipWithout('baresip', 'sox', 'sipp');

const TONES: Record<string, number> = { '101': 700, '102': 1300, '103': 1000 };
/** Codecs each phone takes, when not baresip's default µ-law and A-law; these answer by themselves. */
const ONLY: Record<string, string[]> = { '102': ['PCMA'], '103': ['G722'] };

describe('outbound offers carry every engine codec', { skip }, () => {
  // An offer of µ-law alone would get 488 Not Acceptable Here from 102 and 103.
  const f = callFixture({
    name: 'outbound-codecs',
    users: users('101', '102', '103'),
    conferences: [{ name: 'Sales', extension: '500', waitForAdmin: false }],
    phones: ['101', '102', '103'].map((extension) => ({
      extension,
      tone: TONES[extension]!,
      ...(ONLY[extension] ? { codecs: ONLY[extension], autoAnswer: true } : {}),
    })),
  });
  test('an A-law-only phone answers an invitation and hears the room', async () => {
    const a = f.phone('101');
    const b = f.phone('102');
    await a.command('dial', '500');
    await a.event('CALL_ESTABLISHED');
    await waitFor('101 in the room', async () => ((await f.participants()).length === 1 ? true : undefined));
    await f.invite('102');
    const established = await b.event('CALL_ESTABLISHED');
    assert.equal(established.direction, 'incoming', JSON.stringify(established));
    await waitFor('102 in the room', async () => ((await f.participants()).length === 2 ? true : undefined));
    // "You are now entering the conference" is over: each hears the other.
    await sleep(4000);
    assertHearEachOther([a, TONES['101']!], [b, TONES['102']!], {
      seconds: 1.5,
      margin: 0.2,
      recording: 'so far',
    });
    await b.command('hangup');
    await b.event('CALL_CLOSED');
    await waitFor('102 out of the room', async () =>
      (await f.participants()).length === 1 ? true : undefined,
    );
  });

  test('an A-law-only carrier answers an invitation and gets the room in A-law', async (t) => {
    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const carrier = await startSipp({
      scenario: CARRIER,
      localPort: await freePort(),
      calls: 1,
      set: { rtpport: String(rtp.port) },
      timeoutSeconds: 40,
    });
    t.after(() => carrier.stop());
    await carrier.ready();
    await f.parley.api('POST', '/api/trunks', {
      name: 'Carrier',
      host: '127.0.0.1',
      port: carrier.port,
      transport: 'udp',
      register: false,
      callerId: '+3225550000',
      inboundAddresses: [],
    });
    await f.parley.api('POST', '/api/apply', {});
    const answerer = await f.inviteCarrier('+3221234567', carrier);
    // Past the entry prompt: the room (101's tone) reaches the carrier's address, in A-law.
    await sleep(4000);
    assert.deepEqual([...rtp.payloadTypes], [8], 'Parley sends the A-law carrier A-law');
    const heard = rtp.audio();
    const w = windowBefore(heard, 8000, heard.length, 1.5, 0.1);
    const share = toneShare(w, 8000, TONES['101']!);
    assert.ok(share > 0.6, `the carrier should hear 101's 700 Hz: ${describeWindow(w, 8000, [700])}`);
    await f.parley.api('DELETE', `/api/conferences/${f.conferenceId}/participants/${answerer.id}`);
    const r = await carrier.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    const a = f.phone('101');
    await a.command('hangup');
    await a.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });

  test('a µ-law phone calls a G.722-only phone directly and they hear each other', async () => {
    const a = f.phone('101');
    const c = f.phone('103');
    await a.command('dial', '103');
    await c.event('CALL_ESTABLISHED');
    await a.event('CALL_ESTABLISHED');
    await sleep(3000);
    assertHearEachOther([a, TONES['101']!], [c, TONES['103']!], {
      seconds: 1.5,
      margin: 0.2,
      recording: 'so far',
    });
    await a.command('hangup');
    await a.event('CALL_CLOSED');
    await c.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });

  test('a late offer answered with A-law in the ACK gets the callee in A-law', async (t) => {
    const c = f.phone('103');
    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const run = await startSipp(
      sippCaller(f.parley, {
        scenario: 'calls-late-offer-alaw.xml',
        from: '101',
        to: '103',
        set: { rtpport: String(rtp.port) },
        timeoutSeconds: 30,
      }),
    );
    t.after(() => run.stop());
    await c.event('CALL_ESTABLISHED');
    await waitFor('1.5 s of audio at the ACK answer address', () =>
      rtp.audio().length >= 12_000 ? true : undefined,
    );
    assert.deepEqual([...rtp.payloadTypes], [8], 'Parley sends the A-law answerer A-law');
    const heard = rtp.audio();
    const w = windowBefore(heard, 8000, heard.length, 1, 0.1);
    const share = toneShare(w, 8000, TONES['103']!);
    assert.ok(share > 0.6, `sipp should hear 103's 1000 Hz: ${describeWindow(w, 8000, [1000])}`);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    await c.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });
});
