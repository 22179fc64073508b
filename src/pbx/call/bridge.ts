/**
 * Connects a caller to the first of several destinations to answer: every registered contact of a user
 * rings in parallel (or one trunk), the first 200 wins and the others are cancelled (fork.ts), busy
 * anywhere gives 486, nobody answering within the ring timeout gives 480. Media stays anchored: both parties' sessions sit in a two-member engine room, so each hears the
 * other (the mixer's N-1 sum) whatever codec each side chose.
 */
import type { Call } from './call.ts';
import type { CallMedia } from './call-media.ts';
import { type CallServices, callAffinity, mediaHandlers } from './call-services.ts';
import { Fork, type ForkFailure, type ForkTarget } from './fork.ts';
import type { InboundLeg } from './inbound-leg.ts';
import type { OutboundLeg } from './outbound-leg.ts';

export async function bridge(
  svc: CallServices,
  call: Call,
  a: InboundLeg,
  aMedia: CallMedia,
  targets: readonly ForkTarget[],
  onBridged?: (b: OutboundLeg, bMedia: CallMedia, room: string) => void,
): Promise<void> {
  /** The caller is told how it ended and the call ends with it. */
  const giveUp = (status: number, reason: string, disposition: 'busy' | 'no-answer' | 'failed') => {
    if (call.ended) return;
    // Rejecting the caller's leg ends the call through that leg: say first how it ends.
    call.endingAs(reason, disposition);
    a.reject(status);
    svc.events('call.failed', { callId: call.id, from: call.from, to: call.to, status, reason });
    call.end(reason, disposition);
  };

  const failed = (f: ForkFailure) => {
    if (f.cause === 'timeout') giveUp(480, 'no-answer', 'no-answer');
    else if (f.busy) giveUp(486, 'busy', 'busy');
    else if (f.cause === 'no-legs') giveUp(480, 'no reachable destination', 'failed');
    else
      giveUp(
        f.lastStatus === 404 || f.lastStatus === 603 ? f.lastStatus : 480,
        `callee answered ${f.lastStatus}`,
        'failed',
      );
  };

  const connect = async (leg: OutboundLeg, bMedia: CallMedia, answer: string | undefined) => {
    const failure = answer === undefined ? { message: 'no SDP answer' } : await bMedia.acceptAnswer(answer);
    if (failure) {
      svc.logger.warn({ callId: call.id, err: failure.message }, 'callee answered with unusable SDP');
      leg.hangup();
      bMedia.close();
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
  };

  await Fork.ring(
    svc,
    call,
    targets,
    { affinity: callAffinity(call.id) },
    {
      // The callee's re-INVITEs and UPDATEs (hold, resume, a new address) are answered from its own
      // session, as the caller's are from theirs: the engine bridges whatever each side negotiates.
      dialled: (leg, media) => {
        leg.handlers = mediaHandlers(media);
      },
      ringing: () => a.ring(),
      answered: (leg, media, answer) => void connect(leg, media, answer),
      failed,
    },
  );
}
