/**
 * Connects a caller to the first of several destinations to answer: every registered contact of a user
 * rings in parallel (or one trunk), the first 200 wins and the others are cancelled (RFC 3261 §16.7-style
 * forking, done by a B2BUA), busy everywhere gives 486, nobody answering within the ring timeout gives
 * 480. Media stays anchored: both parties' sessions sit in a two-member engine room, so each hears the
 * other (the mixer's N-1 sum) whatever codec each side chose.
 */
import type { Call } from './call.ts';
import { type CallMedia, isMediaFailure } from './call-media.ts';
import { type CallServices, callAffinity, mediaHandlers, offerFor } from './call-services.ts';
import type { InboundLeg } from './inbound-leg.ts';
import { type DialOptions, OutboundLeg } from './outbound-leg.ts';

export type BridgeTarget = Omit<DialOptions, 'offer'>;

export async function bridge(
  svc: CallServices,
  call: Call,
  a: InboundLeg,
  aMedia: CallMedia,
  targets: readonly BridgeTarget[],
  onBridged?: (b: OutboundLeg, bMedia: CallMedia, room: string) => void,
): Promise<void> {
  const legs = new Map<OutboundLeg, CallMedia>();
  let winner: OutboundLeg | undefined;
  let pending = 0;
  let busy = 0;
  let failed = 0;
  let lastStatus = 480;
  let rang = false;
  // True while the targets are still being dialled: each dial first awaits its media session, and a leg
  // that fails meanwhile (a contact whose connection just closed fails at once) must not end the call
  // before the later contacts have rung.
  let dialling = true;

  const giveUp = (status: number, reason: string, disposition: 'busy' | 'no-answer' | 'failed') => {
    if (winner || call.ended) return;
    clearTimeout(timer);
    for (const [leg, media] of legs) {
      leg.hangup('cancelled');
      media.close();
    }
    // Rejecting the caller's leg ends the call through that leg: say first how it ends.
    call.endingAs(reason, disposition);
    a.reject(status);
    svc.events('call.failed', { callId: call.id, from: call.from, to: call.to, status, reason });
    call.end(reason, disposition);
  };

  /** Every leg dialled has failed (or none could be dialled). */
  const allFailed = () => {
    if (busy > 0) giveUp(486, 'busy', 'busy');
    else if (failed === 0) giveUp(480, 'no reachable destination', 'failed');
    else
      giveUp(
        lastStatus === 404 || lastStatus === 603 ? lastStatus : 480,
        `callee answered ${lastStatus}`,
        'failed',
      );
  };

  const timer = setTimeout(() => giveUp(480, 'no-answer', 'no-answer'), svc.ringTimeoutMs);
  timer.unref();
  call.addCleanup(() => clearTimeout(timer));

  for (const target of targets) {
    // Answered already (a contact rung earlier picked up while this one's media was being set up): the
    // rest are not rung at all, or they would ring on, uncancelled, for the whole call.
    if (call.ended || winner) break;
    const media = await offerFor(svc, target.target, callAffinity(call.id));
    if (isMediaFailure(media)) {
      svc.logger.warn({ callId: call.id, err: media.message }, 'no media for an outgoing leg');
      continue;
    }
    if (call.ended || winner) {
      media.close();
      break;
    }
    pending++;
    call.addMedia(media);
    const leg = OutboundLeg.dial(
      svc.stack,
      { ...target, offer: media.localSdp },
      {
        ringing: () => {
          if (!rang && !winner) {
            rang = true;
            a.ring();
          }
        },
        answered: (leg, answer) => void connect(leg, answer),
        failed: (_leg, status) => {
          media.close();
          legs.delete(leg);
          pending--;
          failed++;
          lastStatus = status;
          if (status === 486 || status === 600) busy++;
          if (pending === 0 && !winner && !dialling) allFailed();
        },
      },
    );
    legs.set(leg, media);
    // The callee's re-INVITEs and UPDATEs (hold, resume, a new address) are answered from its own
    // session, as the caller's are from theirs: the engine bridges whatever each side negotiates.
    leg.handlers = mediaHandlers(media);
    call.addLeg(leg, false);
  }
  dialling = false;
  if (pending === 0 && !winner) allFailed();

  async function connect(leg: OutboundLeg, answer: string | undefined): Promise<void> {
    if (winner || call.ended) {
      leg.hangup();
      return;
    }
    winner = leg;
    clearTimeout(timer);
    for (const [other, media] of legs) {
      if (other === leg) continue;
      other.hangup('cancelled');
      media.close();
    }
    const bMedia = legs.get(leg)!;
    const failure = answer === undefined ? { message: 'no SDP answer' } : await bMedia.acceptAnswer(answer);
    if (failure) {
      svc.logger.warn({ callId: call.id, err: failure.message }, 'callee answered with unusable SDP');
      winner = undefined;
      leg.hangup();
      giveUp(488, 'callee media unusable', 'failed');
      return;
    }
    // From now on the callee hanging up ends the call.
    leg.onEnded((reason) => call.end(reason));
    const acked = a.answer(aMedia.localSdp);
    call.answered();
    svc.events('call.answered', { callId: call.id, from: call.from, to: call.to, direction: call.direction });
    const room = `bridge:${call.id}`;
    try {
      await svc.engine.createRoom(room, { affinity: callAffinity(call.id) });
      call.addCleanup(() => void svc.engine.closeRoom(room).catch(() => {}));
      await svc.engine.join(room, aMedia.sessionId);
      await svc.engine.join(room, bMedia.sessionId);
    } catch (err) {
      svc.logger.warn({ callId: call.id, err }, 'could not bridge the media');
      call.end('failed');
      return;
    }
    onBridged?.(leg, bMedia, room);
    if (a.offer === undefined) {
      const late = await acked;
      if (late !== undefined) await aMedia.acceptAnswer(late);
    }
  }
}
