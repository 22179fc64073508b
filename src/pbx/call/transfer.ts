/**
 * Blind transfer by REFER (RFC 3515): one party of a bridged call asks, inside its dialog, that the other
 * party be connected to `Refer-To`. We accept with 202, report progress by NOTIFY in the same dialog
 * (`Event: refer`, `message/sipfrag` bodies: RFC 3515 §2.4.4-2.4.5), ring the target's registered phones
 * and, once one answers, swap the referrer's media session in the call's room for the target's, send the
 * final NOTIFY and hang up the referrer. A target that fails leaves the original call as it was. Only
 * internal extensions may be transfer targets: no trunk (so a transfer can never make an outside call).
 */

import { getHeader, isParseError, parseNameAddr, parseUri } from '../../sip/message/index.ts';
import type { IncomingRequest } from '../../sip/stack.ts';
import type { Call } from './call.ts';
import type { CallMedia } from './call-media.ts';
import { type CallServices, callAffinity, mediaHandlers } from './call-services.ts';
import { Fork, type ForkTarget } from './fork.ts';
import type { OutboundLeg } from './outbound-leg.ts';
import type { SipLeg } from './sip-leg.ts';

/** What a transfer needs from the call layer around it. */
export interface TransferServices {
  svc: CallServices;
  call: Call;
  /** The engine room both parties' sessions sit in. */
  room: string;
  /** Where to ring an extension, calling as `from` (name-addr); a string when it cannot be rung. */
  targetsFor(extension: string, from: string): ForkTarget[] | 'unreachable' | 'invalid';
  /** Lets in-dialog requests reach a leg (the call manager's leg index). */
  adopt(leg: SipLeg): void;
}

/** One party of a bridged call. */
export interface TransferParty {
  leg: SipLeg;
  media: CallMedia;
  /** Who this party is, as a name-addr (the From a transfer target sees). */
  identity: string;
  /** Whether this party may transfer the call (it is an authenticated user or a user's phone). */
  mayRefer: boolean;
}

/** Lets either party of a bridged call transfer the other by REFER. */
export function enableTransfer(ts: TransferServices, x: TransferParty, y: TransferParty): void {
  const state = { busy: false };
  x.leg.handlers.refer = (incoming) => onRefer(ts, state, x, y, incoming);
  y.leg.handlers.refer = (incoming) => onRefer(ts, state, y, x, incoming);
}

const SIPFRAG = 'message/sipfrag;version=2.0';
const encoder = new TextEncoder();

/** NOTIFY in the referrer's dialog (RFC 3515 §2.4.4); `final` ends the implicit subscription. */
function notify(party: TransferParty, status: number, reason: string, final: boolean): void {
  const dialog = party.leg.dialog;
  if (!dialog || party.leg.ended) return;
  void party.leg.stack
    .sendInDialog(dialog, 'NOTIFY', {
      body: encoder.encode(`SIP/2.0 ${status} ${reason}\r\n`),
      contentType: SIPFRAG,
      headers: [
        { name: 'Event', value: 'refer' },
        {
          name: 'Subscription-State',
          value: final ? 'terminated;reason=noresource' : 'active;expires=60',
        },
        ...(dialog.localContact ? [{ name: 'Contact', value: dialog.localContact }] : []),
      ],
    })
    .catch(() => {});
}

/** The extension a Refer-To names (its user part), or undefined if it is not a SIP URI with a user. */
export function referTarget(referTo: string | undefined): string | undefined {
  if (!referTo) return undefined;
  const na = parseNameAddr(referTo);
  const uri = parseUri(isParseError(na) ? referTo.trim() : na.uri);
  if (isParseError(uri) || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) return undefined;
  return uri.user ?? undefined;
}

function onRefer(
  ts: TransferServices,
  state: { busy: boolean },
  referrer: TransferParty,
  other: TransferParty,
  incoming: IncomingRequest,
): void {
  const { svc, call } = ts;
  if (!referrer.mayRefer) {
    incoming.reply(403);
    return;
  }
  const extension = referTarget(getHeader(incoming.request, 'refer-to'));
  if (extension === undefined) {
    // RFC 3515 §2.4.2: exactly one Refer-To, with a URI we can use.
    incoming.reply(400, 'Bad Refer-To');
    return;
  }
  if (state.busy || call.ended) {
    incoming.reply(491);
    return;
  }
  incoming.reply(202, undefined, {
    headers: referrer.leg.dialog?.localContact
      ? [{ name: 'Contact', value: referrer.leg.dialog.localContact }]
      : [],
  });
  notify(referrer, 100, 'Trying', false);
  if (!svc.config().usersByExtension.has(extension)) {
    notify(referrer, 403, 'Forbidden', true);
    return;
  }
  const targets = ts.targetsFor(extension, other.identity);
  if (typeof targets === 'string') {
    notify(referrer, 480, 'Temporarily Unavailable', true);
    return;
  }
  state.busy = true;
  svc.logger.info({ callId: call.id, extension }, 'blind transfer');
  void ring(ts, referrer, other, targets).finally(() => {
    state.busy = false;
  });
}

/** Rings every target in parallel (fork.ts); the first to answer takes the referrer's place. */
async function ring(
  ts: TransferServices,
  referrer: TransferParty,
  other: TransferParty,
  targets: ForkTarget[],
): Promise<void> {
  const { svc, call } = ts;
  let done = false;
  let resolve: () => void = () => {};
  const finished = new Promise<void>((r) => {
    resolve = r;
  });
  /** The referrer hears how the transfer ended (RFC 3515 §2.4.5), once. */
  const finish = (status: number, reason: string) => {
    if (done) return;
    done = true;
    notify(referrer, status, reason, true);
    resolve();
  };
  // The call ending takes the ringing legs down with it (Call.end hangs up every leg).
  call.onEnded(() => finish(487, 'Request Terminated'));

  await Fork.ring(
    svc,
    call,
    targets,
    // Beside the room it joins: the call's bridge room was created with the call's key.
    { affinity: callAffinity(call.id) },
    {
      dialled: (leg, media) => {
        leg.handlers = mediaHandlers(media);
        ts.adopt(leg);
      },
      answered: (leg, media, answer) => void connect(leg, media, answer),
      failed: (f) => {
        if (f.cause === 'timeout') finish(480, 'Temporarily Unavailable');
        else if (f.busy) finish(486, 'Busy Here');
        else finish(f.lastStatus, f.lastReason);
      },
    },
  );
  await finished;

  async function connect(leg: OutboundLeg, media: CallMedia, answer: string | undefined): Promise<void> {
    // The referrer hears the outcome from here, not from `finish`.
    done = true;
    const failure = answer === undefined ? { message: 'no SDP answer' } : await media.acceptAnswer(answer);
    if (failure || call.ended) {
      leg.hangup();
      media.close();
      notify(referrer, 488, 'Not Acceptable Here', true);
      resolve();
      return;
    }
    // The target's hanging up now ends the call, as the referrer's did.
    leg.onEnded((reason) => call.end(reason));
    // The referrer leaves the call: its end no longer ends the call (its listeners go), but the leg
    // index must still forget it.
    referrer.leg.releaseEndListeners();
    call.legs.delete(referrer.leg);
    ts.adopt(referrer.leg);
    try {
      await svc.engine.leave(ts.room, referrer.media.sessionId).catch(() => {});
      referrer.media.close();
      await svc.engine.join(ts.room, media.sessionId);
    } catch (err) {
      svc.logger.warn({ callId: call.id, err }, 'could not bridge the transfer target');
      notify(referrer, 500, 'Server Internal Error', true);
      referrer.leg.hangup();
      call.end('failed');
      resolve();
      return;
    }
    notify(referrer, 200, 'OK', true);
    // RFC 3515 leaves hanging up to the referrer (SIP.js does after the 200 NOTIFY); we do it too, so
    // a referrer that does not still leaves.
    setTimeout(() => referrer.leg.hangup(), 500).unref();
    enableTransfer(ts, other, {
      leg,
      media,
      identity: leg.options.to,
      mayRefer: true,
    });
    resolve();
  }
}
