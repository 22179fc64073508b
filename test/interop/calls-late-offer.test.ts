/**
 * A late-offer INVITE (no SDP, RFC 3261 §13.2.1; RFC 3264 §5) to a conference with an access code: sipp
 * (user 101) sends an INVITE without a body, Parley offers in its 200 and takes sipp's answer from the
 * ACK; the code typed as RFC 4733 events then reaches the receptionist over that negotiated media, and
 * the caller is in the room (participants API) until it hangs up. The receptionist's voice goes to the
 * address the ACK's answer named (the test listens there). The same late offer to user 102 (baresip,
 * answering by itself) is bridged: Parley's offer goes in the 200 to sipp, and 102's voice reaches the
 * address of the ACK's answer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, startSipp } from './helpers/sipp.ts';
import { sippCaller } from './helpers/sipp-caller.ts';
import { skipWithout } from './helpers/skip.ts';
import { levelDb, sleep, toneShare, waitFor, windowBefore } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('sipp');

describe('a late-offer call into a conference', { skip }, () => {
  const f = callFixture({
    name: 'late-offer',
    users: users('101', '102'),
    conferences: [{ name: 'Board', extension: '500', accessCode: '1234', waitForAdmin: false }],
  });

  test('Parley offers in the 200, the ACK answers, and the code gets the caller in', async (t) => {
    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const run = await startSipp(
      sippCaller(f.parley, {
        scenario: 'calls-late-offer.xml',
        from: '101',
        to: '500',
        set: { rtpport: String(rtp.port) },
        pcap: true,
        timeoutSeconds: 30,
        traceMessages: true,
      }),
    );
    t.after(() => run.stop());
    // The answer came in the ACK: Parley's prompt goes to the address it named.
    await waitFor("audio at the address of the ACK's answer", () =>
      rtp.audio().length >= 8000 * 1.5 ? true : undefined,
    );
    const level = levelDb(rtp.audio());
    assert.ok(level > -40, `the receptionist should be speaking: ${level.toFixed(1)} dBFS`);
    const member = await waitFor(
      'the caller in the room',
      async () => (await f.participants()).find((p) => p.extension === '101'),
      15_000,
    ).catch(async (err) => {
      const r = await run.stop();
      throw new Error(`${err}\n${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    });
    assert.ok(member);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    // Parley's 200 to the body-less INVITE carried an offer.
    const ok = r.messages.split(/-{20,}/).find((m) => /SIP\/2\.0 200 OK[\s\S]*CSeq: 2 INVITE/.test(m));
    assert.match(ok ?? '', /m=audio \d+ RTP\/AVP/, 'the 200 carried an SDP offer');
    await noMediaLeft(f.parley);
  });

  test('a late offer to a user is bridged: the callee is heard at the ACK answer address', async (t) => {
    const ready = await f.phoneAndListener({ extension: '102', tone: 1300, autoAnswer: true }, t);
    if (!ready) return;
    const { phone, rtp } = ready;
    const run = await startSipp(
      sippCaller(f.parley, {
        scenario: 'calls-late-offer.xml',
        from: '101',
        to: '102',
        set: { rtpport: String(rtp.port) },
        pcap: true,
        timeoutSeconds: 30,
      }),
    );
    t.after(() => run.stop());
    await phone.event('CALL_ESTABLISHED');
    // Before sipp plays its digits (2.5 s after its ACK), 102's voice reaches the ACK's address.
    await sleep(2000);
    const heard = rtp.audio();
    const w = windowBefore(heard, 8000, heard.length, 1, 0.1);
    assert.ok(w.length >= 4000, `too little audio at the ACK's address: ${heard.length} samples`);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `sipp should hear 102's 1300 Hz: share ${share.toFixed(3)}`);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    await phone.event('CALL_CLOSED');
    await noMediaLeft(f.parley);
  });
});
