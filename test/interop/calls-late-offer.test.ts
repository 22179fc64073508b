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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP } from './helpers/baresip.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { rtpListener } from './helpers/rtp-listener.ts';
import { describeSipp, sippPath, startSipp } from './helpers/sipp.ts';
import { levelDb, SOX, sleep, toneFile, toneShare, waitFor, windowBefore } from './helpers/tones.ts';

const SCENARIO = join(import.meta.dirname, 'scenarios', 'calls-late-offer.xml');
const skip = sippPath() ? false : 'sipp is not installed';

describe('a late-offer call into a conference', { skip }, () => {
  let parley: ParleyProcess;
  let conferenceId: string;

  before(async () => {
    parley = await startParley();
    const created = await parley.provision({
      users: [
        { name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' },
        { name: 'Bob', extension: '102', sipPassword: 'bob-secret-22' },
      ],
      conferences: [{ name: 'Board', extension: '500', accessCode: '1234', waitForAdmin: false }],
    });
    conferenceId = created.conferences![0]!.id;
  });

  after(async () => {
    await parley?.stop();
  });

  test('Parley offers in the 200, the ACK answers, and the code gets the caller in', async (t) => {
    const rtp = await rtpListener();
    t.after(() => rtp.socket.close());
    const run = await startSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '500',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101', rtpport: String(rtp.port) },
      extraArgs: ['-auth_uri', `500@127.0.0.1:${parley.sipPort}`],
      pcap: true,
      calls: 1,
      timeoutSeconds: 30,
      traceMessages: true,
    });
    // The answer came in the ACK: Parley's prompt goes to the address it named.
    await waitFor("audio at the address of the ACK's answer", () =>
      rtp.audio().length >= 8000 * 1.5 ? true : undefined,
    );
    const level = levelDb(rtp.audio());
    assert.ok(level > -40, `the receptionist should be speaking: ${level.toFixed(1)} dBFS`);
    const member = await waitFor(
      'the caller in the room',
      async () =>
        (
          await parley.api<Array<{ extension?: string }>>(
            'GET',
            `/api/conferences/${conferenceId}/participants`,
          )
        ).find((p) => p.extension === '101'),
      15_000,
    ).catch(async (err) => {
      const r = await run.stop();
      throw new Error(`${err}\n${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    });
    assert.ok(member);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    // Parley's 200 to the body-less INVITE carried an offer.
    const ok = r.messages.split(/-{20,}/).find((m) => /SIP\/2\.0 200 OK[\s\S]*CSeq: 2 INVITE/.test(m));
    assert.match(ok ?? '', /m=audio \d+ RTP\/AVP/, 'the 200 carried an SDP offer');
    await noMediaLeft(parley);
  });

  test('a late offer to a user is bridged: the callee is heard at the ACK answer address', async (t) => {
    if (!BARESIP || !SOX) {
      t.skip('baresip or sox is not installed');
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'parley-late-'));
    const rtp = await rtpListener();
    const phone = await startPhone({
      extension: '102',
      password: 'bob-secret-22',
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: toneFile(dir, 1300),
      autoAnswer: true,
    });
    t.after(async () => {
      rtp.socket.close();
      await phone.stop().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    });
    await phone.registered();
    const run = await startSipp({
      scenario: SCENARIO,
      remote: `127.0.0.1:${parley.sipPort}`,
      service: '102',
      authUser: '101',
      authPassword: 'alice-secret-1',
      set: { caller: '101', rtpport: String(rtp.port) },
      extraArgs: ['-auth_uri', `102@127.0.0.1:${parley.sipPort}`],
      pcap: true,
      calls: 1,
      timeoutSeconds: 30,
    });
    await phone.event('CALL_ESTABLISHED');
    // Before sipp plays its digits (2.5 s after its ACK), 102's voice reaches the ACK's address.
    await sleep(2000);
    const heard = rtp.audio();
    const w = windowBefore(heard, 8000, heard.length, 1, 0.1);
    assert.ok(w.length >= 4000, `too little audio at the ACK's address: ${heard.length} samples`);
    const share = toneShare(w, 8000, 1300);
    assert.ok(share > 0.6, `sipp should hear 102's 1300 Hz: share ${share.toFixed(3)}`);
    const r = await run.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    await phone.event('CALL_CLOSED');
    await noMediaLeft(parley);
  });
});
