/**
 * The call layer's entry: every new INVITE (authenticated by the SIP server, or from a trunk's own
 * address), every request inside a call's dialog, and the API's invitations. It routes (pure routing in
 * `routing/`), then runs the matching flow: the conference flow, a bridge to a user's phones, or a bridge
 * through a trunk. It owns the running calls; `shutdown` refuses new calls and `close` ends the rest.
 */

import {
  getHeader,
  isParseError,
  parseNameAddr,
  parseUri,
  type SipRequest,
} from '../../sip/message/index.ts';
import type { IncomingRequest } from '../../sip/stack.ts';
import type { MessageSource } from '../../sip/transport/transport.ts';
import { conferenceFlow } from '../apps/conference-flow.ts';
import { type Caller, route } from '../routing/route.ts';
import type { RoutingConference } from '../routing/routing-config.ts';
import type { AuthenticatedCaller, RequestResponder } from '../sip-server.ts';
import { TrunkMatcher } from '../trunk/trunk-matcher.ts';
import { bridge } from './bridge.ts';
import { Call } from './call.ts';
import { CallMedia, isMediaFailure, type MediaFailure } from './call-media.ts';
import {
  bindingTarget,
  type CallConfig,
  type CallServices,
  callAffinity,
  conferenceAffinity,
  mediaHandlers,
  type TrunkSettings,
} from './call-services.ts';
import { Fork, type ForkTarget } from './fork.ts';
import { InboundLeg } from './inbound-leg.ts';
import { MIN_SE, negotiateAsUas } from './session-timer.ts';
import { SipCallContext } from './sip-call-context.ts';
import type { SipLeg } from './sip-leg.ts';
import { enableTransfer } from './transfer.ts';

/** Why an invitation could not start (the API maps each code to a status). */
export class InviteError extends Error {
  readonly code: 'NOT_FOUND' | 'UNREACHABLE' | 'INVALID_DESTINATION' | 'FAILED';
  constructor(code: InviteError['code'], message: string) {
    super(message);
    this.name = 'InviteError';
    this.code = code;
  }
}

/** Seconds a caller is told to wait before retrying while we shut down (RFC 3261 §20.33). */
const RETRY_AFTER_SECONDS = 30;
/**
 * Calls being set up (not answered yet) beyond which new INVITEs get 503: under overload, refusing early
 * keeps the calls already in progress going instead of letting every setup time out (measured: offered
 * twice what it could do, throughput fell to a fifth without this).
 */
const MAX_SETUPS_IN_PROGRESS = 300;

/** Makes the media for an offer (the WebRTC adapter plugs in here for browser offers). */
export type MediaAnswerer = (
  svc: CallServices,
  offer: string,
  options: { inbandDtmf?: boolean; affinity?: string },
) => Promise<CallMedia | MediaFailure>;

const plainAnswerer: MediaAnswerer = (svc, offer, options) =>
  CallMedia.answer(svc.engine, offer, svc.mediaAddress, options);

export class CallManager {
  readonly #svc: CallServices;
  readonly #calls = new Set<Call>();
  #setups = 0;
  /** Live legs by Call-ID: a request in a dialog not indexed yet is looked for among its Call-ID's legs. */
  readonly #legs = new Map<string, Set<SipLeg>>();
  readonly #byDialog = new Map<string, SipLeg>();
  #matcher: { config: CallConfig; matcher: TrunkMatcher<TrunkSettings> } | undefined;
  #draining = false;
  /** Answerers tried in order; the first that accepts the offer's kind wins. */
  answerers: Array<{ accepts(offer: string): boolean; answer: MediaAnswerer }> = [];

  constructor(services: CallServices) {
    this.#svc = services;
  }

  /** Calls in progress. */
  get size(): number {
    return this.#calls.size;
  }

  /** SipServer hook: an authenticated INVITE outside any dialog. */
  onCall = (req: SipRequest, responder: RequestResponder, caller: AuthenticatedCaller): boolean => {
    const incoming = responder.incoming;
    if (!incoming) return false;
    this.#inbound(incoming, { kind: 'user', extension: caller.extension }, callerName(req, caller.extension));
    return true;
  };

  /** SipServer hook before authentication: INVITEs from a trunk's own addresses. */
  onUnauthenticatedInvite = (
    req: SipRequest,
    responder: RequestResponder,
    source: MessageSource,
  ): boolean => {
    const incoming = responder.incoming;
    if (!incoming) return false;
    const trunk = this.#trunkMatcher().match(source.address);
    if (!trunk) return false;
    const caller: Caller = { kind: 'trunk', trunkId: trunk.id };
    // From a trunk's address only incoming numbers are the carrier's calls. Anything else is challenged
    // like everyone's, so a phone sharing that address (on the carrier's host, behind its NAT) can still
    // sign in and call; unauthenticated, it gets no further than the challenge.
    const destination = route(dialledNumber(req), caller, this.#svc.config());
    if (destination.type === 'reject' && destination.reason === 'not-found') return false;
    this.#inbound(incoming, caller, callerName(req, undefined));
    return true;
  };

  /** SipServer hook: a request inside a dialog the stack knows. */
  onDialogRequest = (incoming: IncomingRequest): boolean => {
    const key = incoming.dialog?.key;
    if (!key) return false;
    let leg = this.#byDialog.get(key);
    if (!leg) {
      // A leg's dialog exists once it has answered or been answered: index it on its first request.
      for (const l of this.#legs.get(incoming.dialog!.id.callId) ?? []) {
        if (l.dialog) this.#byDialog.set(l.dialog.key, l);
      }
      leg = this.#byDialog.get(key);
    }
    if (!leg) return false;
    leg.handleInDialog(incoming);
    return true;
  };

  /**
   * Calls `destination` (an extension or a phone number through the first trunk) and puts whoever
   * answers in the conference without asking for the code. Resolves once the call is placed.
   */
  async invite(conferenceId: string, destination: string): Promise<{ callId: string }> {
    const config = this.#svc.config();
    const conference = config.conferencesById.get(conferenceId);
    if (!conference) throw new InviteError('NOT_FOUND', 'no such conference in the applied configuration');
    if (this.#draining) throw new InviteError('FAILED', 'Parley is shutting down');
    const display = conference.name ?? `Conference ${conference.extension}`;
    const from = `"${display.replace(/["\\]/g, '')}" <sip:${conference.extension}@${this.#svc.domain}>`;
    const targets = this.#targetsFor(destination, from, config, conference.extension);
    if (typeof targets === 'string') {
      throw new InviteError(
        targets === 'unreachable' ? 'UNREACHABLE' : 'INVALID_DESTINATION',
        inviteMessage(targets),
      );
    }
    const call = this.#track(
      new Call({ id: '', from: display, to: destination, direction: 'outbound', conferenceId }),
    );
    // Reported under the first leg's Call-ID, which names the call.
    const failed = (status: number, reason: string, callId: string) => {
      this.#svc.events('call.failed', {
        callId,
        to: destination,
        status,
        reason,
        conferenceId,
      });
    };
    const fork = await Fork.ring(
      this.#svc,
      call,
      targets,
      { affinity: conferenceAffinity(conferenceId) },
      {
        // Losers' media sessions are closed by the fork, the winner's with the call.
        dialled: (leg) => this.#adopt(leg),
        answered: (leg, media, answer) => {
          if (answer === undefined) {
            leg.hangup();
            failed(488, 'no SDP answer', leg.callId);
            call.end('failed', 'failed');
            return;
          }
          leg.onEnded((reason) => call.end(reason));
          void media.acceptAnswer(answer).then(() => {
            call.answered();
            this.#svc.events('call.answered', {
              callId: leg.callId,
              to: destination,
              direction: 'outbound',
              conferenceId,
            });
            const ctx = new SipCallContext({
              leg,
              media,
              callerId: destination,
              language: this.#svc.language,
              // We rang that user's own phones: whoever answers is that user (the admin, if it is the
              // room's administrator extension).
              ...(config.usersByExtension.has(destination.trim())
                ? { authenticatedExtension: destination.trim() }
                : {}),
            });
            void this.#runConference(call, ctx, conference, { skipAccessCode: true, answered: true });
          });
        },
        failed: (f, fork) => {
          // No leg at all: the request fails below instead.
          if (f.cause === 'no-legs') return;
          if (f.cause === 'timeout') {
            failed(480, 'no answer', fork.dialled[0]?.callId ?? '');
            call.end('no-answer', 'no-answer');
            return;
          }
          failed(f.lastStatus, f.lastReason, fork.dialled[0]?.callId ?? '');
          call.end('rejected', f.busy ? 'busy' : 'failed');
        },
      },
    );
    const placed = fork.dialled[0]?.callId;
    if (!placed) {
      call.end('failed');
      throw new InviteError('FAILED', 'no media port could be opened for the call');
    }
    Object.assign(call, { id: placed });
    this.#svc.events('call.started', {
      callId: placed,
      to: destination,
      direction: 'outbound',
      conferenceId,
    });
    return { callId: placed };
  }

  /**
   * The media engine heard nothing from a session for too long: the call is dead, hang it up. Not while
   * that leg is on hold: a held phone may send nothing at all (the engine reports again only after RTP
   * has come back and stopped again).
   */
  rtpTimeout(sessionId: string): void {
    for (const call of this.#calls) {
      const media = call.media(sessionId);
      if (media) {
        if (media.onHold) {
          this.#svc.logger.debug({ callId: call.id }, 'no RTP from a leg on hold: the call goes on');
          return;
        }
        this.#svc.logger.info({ callId: call.id }, 'no RTP for too long: hanging up');
        call.end('rtp-timeout');
        return;
      }
    }
  }

  /** Stop taking calls: new INVITEs get 503 with Retry-After; calls in progress go on. */
  shutdown(): void {
    this.#draining = true;
  }

  /** Ends every call (BYE to answered ones). */
  close(): void {
    this.#draining = true;
    for (const call of [...this.#calls]) call.end('shutdown');
  }

  #inbound(incoming: IncomingRequest, caller: Caller, callerId: string): void {
    const req = incoming.request;
    if (this.#draining) {
      incoming.reply(503, 'Shutting Down', {
        headers: [{ name: 'Retry-After', value: String(RETRY_AFTER_SECONDS) }],
      });
      return;
    }
    if (this.#setups >= MAX_SETUPS_IN_PROGRESS) {
      incoming.reply(503, 'Overloaded', { headers: [{ name: 'Retry-After', value: '5' }] });
      return;
    }
    if (negotiateAsUas(req) === 'too-small') {
      // RFC 4028 §9: the interval asked for is below what we accept.
      incoming.reply(422, 'Session Interval Too Small', {
        headers: [{ name: 'Min-SE', value: String(MIN_SE) }],
      });
      return;
    }
    const dialled = dialledNumber(req);
    const config = this.#svc.config();
    const destination = route(dialled, caller, config);
    const leg = new InboundLeg(this.#svc.stack, incoming);
    const from = caller.kind === 'user' ? caller.extension : callerId;
    const direction =
      caller.kind === 'trunk' ? 'inbound' : destination.type === 'external' ? 'outbound' : 'internal';
    const call = this.#track(new Call({ id: leg.callId, from, to: dialled, direction }));
    call.addLeg(leg);
    this.#adopt(leg);
    this.#svc.events('call.started', { callId: call.id, from, to: dialled, direction });
    switch (destination.type) {
      case 'reject':
        leg.reject(destination.status);
        call.end('rejected', 'failed');
        return;
      case 'hangup':
        leg.reject(603);
        call.end('rejected', 'failed');
        return;
      case 'conference':
        call.conferenceId = destination.conference.id;
        void this.#answerConference(call, leg, destination.conference, callerId, caller);
        return;
      case 'user': {
        const targets = this.#targetsFor(
          destination.user.extension,
          `"${callerId.replace(/["\\]/g, '')}" <sip:${from}@${this.#svc.domain}>`,
          config,
        );
        if (typeof targets === 'string') {
          leg.reject(480);
          call.end('rejected', 'failed');
          return;
        }
        void this.#bridgeTo(call, leg, targets, caller);
        return;
      }
      case 'external': {
        const trunk = config.trunksById.get(destination.trunk.id);
        if (!trunk) {
          leg.reject(503);
          call.end('failed');
          return;
        }
        const callerIdNumber = trunk.callerId ?? from;
        void this.#bridgeTo(call, leg, [trunkTarget(trunk, destination.number, callerIdNumber)], caller);
        return;
      }
    }
  }

  /** Opens the caller's media on the worker of `affinity`, where the room it is going to join will be. */
  async #media(leg: InboundLeg, caller: Caller, affinity: string): Promise<CallMedia | MediaFailure> {
    const inbandDtmf = caller.kind === 'trunk' ? true : undefined;
    if (leg.offer === undefined)
      return CallMedia.offer(this.#svc.engine, this.#svc.mediaAddress, { affinity });
    const offer = leg.offer;
    const answerer = this.answerers.find((a) => a.accepts(offer))?.answer ?? plainAnswerer;
    return answerer(this.#svc, offer, inbandDtmf ? { inbandDtmf, affinity } : { affinity });
  }

  async #answerConference(
    call: Call,
    leg: InboundLeg,
    conference: RoutingConference,
    callerId: string,
    caller: Caller,
  ): Promise<void> {
    const media = await this.#media(leg, caller, conferenceAffinity(conference.id));
    if (isMediaFailure(media)) {
      leg.reject(media.status);
      call.end('failed');
      return;
    }
    call.addMedia(media);
    const options: ConstructorParameters<typeof SipCallContext>[0] = {
      leg,
      media,
      callerId,
      language: this.#svc.language,
      onAnswered: () => {
        call.answered();
        this.#svc.events('call.answered', {
          callId: call.id,
          from: call.from,
          to: call.to,
          direction: call.direction,
        });
      },
    };
    if (caller.kind === 'user') options.authenticatedExtension = caller.extension;
    const ctx = new SipCallContext(options);
    await this.#runConference(call, ctx, conference, {});
  }

  async #runConference(
    call: Call,
    ctx: SipCallContext,
    conference: RoutingConference,
    options: { skipAccessCode?: boolean; answered?: boolean },
  ): Promise<void> {
    try {
      const result = await conferenceFlow(ctx, conference, this.#svc.rooms, {
        ...options,
        onError: (err) => this.#svc.logger.warn({ err, callId: call.id }, 'conference step failed'),
      });
      this.#svc.logger.debug({ callId: call.id, result }, 'conference flow ended');
    } catch (err) {
      this.#svc.logger.error({ err, callId: call.id }, 'conference flow failed');
    } finally {
      call.end(ctx.hangupReason ?? 'remote-hangup');
    }
  }

  async #bridgeTo(call: Call, leg: InboundLeg, targets: ForkTarget[], caller: Caller): Promise<void> {
    const media = await this.#media(leg, caller, callAffinity(call.id));
    if (isMediaFailure(media)) {
      leg.reject(media.status);
      call.end('failed');
      return;
    }
    call.addMedia(media);
    leg.handlers = mediaHandlers(media);
    const config = this.#svc.config();
    const domain = this.#svc.domain;
    // Blind transfer (RFC 3515): only users' own legs may REFER, never a trunk's.
    await bridge(this.#svc, call, leg, media, targets, (b, bMedia, room) =>
      enableTransfer(
        {
          svc: this.#svc,
          call,
          room,
          targetsFor: (extension, from) => this.#targetsFor(extension, from, this.#svc.config()),
          adopt: (l) => this.#adopt(l),
        },
        {
          leg,
          media,
          identity: `<sip:${call.from}@${domain}>`,
          mayRefer: caller.kind === 'user',
        },
        {
          leg: b,
          media: bMedia,
          identity: b.options.to,
          mayRefer: config.usersByExtension.has(call.to.trim()),
        },
      ),
    );
    for (const l of call.legs) this.#adopt(l);
  }

  /** Where to ring `destination`: a user's registered contacts, or the first trunk for a number. */
  #targetsFor(
    destination: string,
    from: string,
    config: CallConfig,
    fromExtension?: string,
  ): ForkTarget[] | 'unreachable' | 'invalid' {
    const d = destination.trim();
    if (config.usersByExtension.has(d)) {
      const bindings = this.#svc.lookup(d);
      if (bindings.length === 0) return 'unreachable';
      return bindings.map((b) => ({
        target: bindingTarget(b),
        uri: b.contact,
        from,
        to: `<sip:${d}@${this.#svc.domain}>`,
      }));
    }
    if (!/^\+?[0-9]{3,15}$/.test(d)) return 'invalid';
    const first = config.trunks[0];
    const trunk = first ? config.trunksById.get(first.id) : undefined;
    if (!trunk) return 'unreachable';
    return [trunkTarget(trunk, d, trunk.callerId ?? fromExtension ?? 'parley')];
  }

  #trunkMatcher(): TrunkMatcher<TrunkSettings> {
    const config = this.#svc.config();
    if (this.#matcher?.config !== config) {
      this.#matcher = { config, matcher: new TrunkMatcher([...config.trunksById.values()]) };
    }
    return this.#matcher.matcher;
  }

  #track(call: Call): Call {
    this.#calls.add(call);
    this.#setups++;
    let settingUp = true;
    const setupDone = () => {
      if (settingUp) this.#setups--;
      settingUp = false;
    };
    call.onAnswered(setupDone);
    call.onEnded((summary) => {
      setupDone();
      this.#calls.delete(call);
      this.#svc.events('call.ended', {
        callId: summary.id,
        from: summary.from,
        to: summary.to,
        direction: summary.direction,
        reason: String(summary.reason),
      });
      this.#svc.record(summary);
    });
    return call;
  }

  /** Indexes a leg for its in-dialog requests until it ends. */
  #adopt(leg: SipLeg): void {
    let legs = this.#legs.get(leg.callId);
    if (!legs) {
      legs = new Set();
      this.#legs.set(leg.callId, legs);
    }
    legs.add(leg);
    leg.onEnded(() => this.#forget(leg));
  }

  #forget(leg: SipLeg): void {
    const legs = this.#legs.get(leg.callId);
    legs?.delete(leg);
    if (legs?.size === 0) this.#legs.delete(leg.callId);
    if (leg.dialog) this.#byDialog.delete(leg.dialog.key);
  }
}

function trunkTarget(trunk: TrunkSettings, number: string, callerIdNumber: string): ForkTarget {
  const hostPort = `${trunk.host}${trunk.port ? `:${trunk.port}` : ''}`;
  const transport = trunk.transport === 'udp' ? '' : `;transport=${trunk.transport}`;
  const target: ForkTarget = {
    target: { transport: trunk.transport, address: trunk.host, port: trunk.port || 5060 },
    uri: `sip:${number}@${hostPort}${transport}`,
    from: `<sip:${callerIdNumber}@${trunk.host}>`,
    to: `<sip:${number}@${trunk.host}>`,
  };
  if (trunk.username && trunk.password)
    target.credentials = { username: trunk.username, password: trunk.password };
  return target;
}

/** The dialled digits: the Request-URI's user part, else the To's (RFC 3261 §8.1.1.1). */
function dialledNumber(req: SipRequest): string {
  const fromUri = (text: string | undefined) => {
    if (!text) return undefined;
    const u = parseUri(text);
    return isParseError(u) ? undefined : (u.user ?? (u.scheme === 'tel' ? u.host : undefined));
  };
  const to = getHeader(req, 'to');
  const toNa = to ? parseNameAddr(to) : undefined;
  return fromUri(req.uri) ?? fromUri(toNa && !isParseError(toNa) ? toNa.uri : undefined) ?? '';
}

/** Who the callee and the room see: the From display name, else its user part. */
function callerName(req: SipRequest, extension: string | undefined): string {
  const from = getHeader(req, 'from');
  const na = from ? parseNameAddr(from) : undefined;
  if (na && !isParseError(na)) {
    if (na.displayName?.trim()) return na.displayName.trim();
    const u = parseUri(na.uri);
    if (!isParseError(u) && u.user) return u.user;
  }
  return extension ?? 'unknown';
}

function inviteMessage(kind: 'unreachable' | 'invalid'): string {
  return kind === 'unreachable'
    ? 'that extension is not registered, or no trunk is configured for outside numbers'
    : 'enter an extension or a phone number in international format';
}
