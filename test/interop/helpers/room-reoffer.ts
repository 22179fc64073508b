/**
 * The re-offer tests' common course (RFC 3264 §8): phone 102 of a call fixture sends its 1300 Hz tone
 * into room 500, sipp joins as 101 listening on one port, then its scenario moves the session to a
 * second port. Checked here: the room's audio reaches the first port, then the second (where it carries
 * 102's tone), the first goes quiet, and the scenario ends well after its three INVITEs.
 */
import assert from 'node:assert/strict';
import type { CallFixture } from './call-fixture.ts';
import { type RtpListener, rtpListener } from './rtp-listener.ts';
import { describeSipp, type SippResult, sippCount, startSipp } from './sipp.ts';
import { sippCaller } from './sipp-caller.ts';
import { describeWindow, sleep, toneShare, waitFor, windowBefore } from './tones.ts';

/** Runs `scenario` (variables `rtpa`, `rtpb`: its two ports) against room 500 and checks the move. */
export async function roomAudioMovesOnReoffer(
  f: CallFixture,
  t: { after(fn: () => unknown): void },
  o: { scenario: string; secondPortLabel: string },
): Promise<{ first: RtpListener; second: RtpListener; result: SippResult }> {
  const { parley } = f;
  await f.joinRoom('102', '500', 1);
  const first = await rtpListener();
  const second = await rtpListener();
  t.after(() => {
    first.socket.close();
    second.socket.close();
  });
  const caller = await startSipp(
    sippCaller(parley, {
      scenario: o.scenario,
      from: '101',
      to: '500',
      set: { rtpa: String(first.port), rtpb: String(second.port) },
      timeoutSeconds: 30,
    }),
  );
  t.after(() => caller.stop());
  // Before the re-INVITE (3 s after the ACK), the room reaches the first port.
  await waitFor('audio at the first port', () => (first.audio().length > 8000 ? true : undefined), 10_000);
  // After it, at the second: 2.5 s of it, the entering prompt long over.
  await waitFor(
    o.secondPortLabel,
    () => (second.audio().length >= 2.5 * 8000 ? true : undefined),
    15_000,
  ).catch(async (err) => {
    const r = await caller.stop();
    throw new Error(`${err}\n${describeSipp(r)}\n${parley.output().slice(-3000)}`);
  });
  const stoppedAt = first.audio().length;
  await sleep(1000);
  assert.ok(
    first.audio().length - stoppedAt < 800,
    `the old port still receives: ${first.audio().length - stoppedAt} samples in 1 s`,
  );
  const heard = second.audio();
  const w = windowBefore(heard, 8000, heard.length, 1.5, 0.1);
  const share = toneShare(w, 8000, 1300);
  assert.ok(share > 0.6, `the new port should carry 102's 1300 Hz: ${describeWindow(w, 8000, [1300])}`);

  const result = await caller.result;
  assert.equal(result.exitCode, 0, `${describeSipp(result)}\n${parley.output().slice(-2000)}`);
  assert.equal(sippCount(result, 'INVITE', true), 3, describeSipp(result));
  return { first, second, result };
}
