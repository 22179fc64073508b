/**
 * The SIP side of one call leg, shared by the inbound (UAS) and outbound (UAC) legs: the dialog, what
 * arrives inside it (BYE, re-INVITE and UPDATE offers, INFO digits, OPTIONS) and hanging up. Media is
 * not here: the call owns the leg and its media session side by side.
 */

import type { Dialog } from '../../sip/dialog/dialog.ts';
import { getHeader, type SipRequest } from '../../sip/message/index.ts';
import type { IncomingRequest, SipStack } from '../../sip/stack.ts';
import { type DtmfInfo, parseDtmfInfo } from './dtmf-info.ts';
import { type SessionTimer, type SessionTimerTerms, sessionTimerHeaders } from './session-timer.ts';

/** Why a leg ended, for the call record and the events. */
export type EndReason =
  | 'remote-hangup'
  | 'local-hangup'
  | 'cancelled'
  | 'rejected'
  | 'no-answer'
  | 'no-ack'
  | 'failed'
  | 'rtp-timeout'
  | 'session-expired'
  | 'shutdown';

/** What the call layer decides for requests arriving in the dialog. */
export interface LegHandlers {
  /**
   * A re-INVITE or UPDATE offer (RFC 3264 §8; hold and resume): the SDP answer body, or undefined to
   * refuse it (488). `offer` is undefined for a re-INVITE without SDP (we then offer in the 200).
   */
  reoffer?(offer: string | undefined): string | undefined;
  /**
   * The answer to the offer we made in our 200 to a re-INVITE without SDP: it comes in the ACK
   * (RFC 3261 §14.2, RFC 3264 §8).
   */
  answer?(answer: string): void;
  /** A digit sent by SIP INFO (application/dtmf-relay or application/dtmf). */
  dtmf?(info: DtmfInfo): void;
  /** Our current SDP, re-sent unchanged in session refreshes (RFC 4028 §7.4). */
  currentSdp?(): string | undefined;
  /** A REFER (RFC 3515): the handler answers it (202 and NOTIFYs). Without one, 501. */
  refer?(incoming: IncomingRequest): void;
}

const SDP = 'application/sdp';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The SDP body of a message, if it carries one. */
export function sdpBody(m: { headers: SipRequest['headers']; body: Uint8Array }): string | undefined {
  if (m.body.length === 0) return undefined;
  const type = getHeader(m as SipRequest, 'content-type') ?? '';
  return type.toLowerCase().startsWith(SDP) ? decoder.decode(m.body) : undefined;
}

export function sdpBytes(sdp: string): Uint8Array {
  return encoder.encode(sdp);
}

/** The base of both legs: a dialog once there is one, the end, and in-dialog requests. */
export abstract class SipLeg {
  readonly stack: SipStack;
  readonly callId: string;
  dialog: Dialog | undefined;
  handlers: LegHandlers = {};
  /** RFC 4028 terms agreed for this dialog, and the running timer. */
  sessionTerms: SessionTimerTerms | undefined;
  sessionTimer: SessionTimer | undefined;
  #ended: EndReason | undefined;
  readonly #endListeners: Array<(reason: EndReason) => void> = [];

  constructor(stack: SipStack, callId: string) {
    this.stack = stack;
    this.callId = callId;
  }

  get ended(): EndReason | undefined {
    return this.#ended;
  }

  /** Called once when the leg ends, however it ends. */
  onEnded(listener: (reason: EndReason) => void): void {
    if (this.#ended) listener(this.#ended);
    else this.#endListeners.push(listener);
  }

  /** Forgets who listens for the end: a transferred party's leg leaves its call (RFC 3515). */
  releaseEndListeners(): void {
    this.#endListeners.length = 0;
  }

  /** Ends the leg in whatever way its state needs (BYE, CANCEL, a final response). Idempotent. */
  abstract hangup(reason?: EndReason): void;

  /** Marks the leg ended and tells the listeners; listener errors never reach the caller. */
  protected end(reason: EndReason): void {
    if (this.#ended) return;
    this.#ended = reason;
    this.sessionTimer?.stop();
    if (this.dialog) this.stack.forgetDialog(this.dialog);
    for (const l of this.#endListeners.splice(0)) {
      try {
        l(reason);
      } catch {
        // A listener's failure must not stop the others (ownership-tree rule: log, never throw).
      }
    }
  }

  /** Sends BYE in the confirmed dialog (RFC 3261 §15.1.1) and ends the leg at once. */
  protected sendBye(reason: EndReason): void {
    const dialog = this.dialog;
    this.end(reason);
    if (dialog) void this.stack.sendInDialog(dialog, 'BYE').catch(() => {});
  }

  /**
   * RFC 4028 §7.4: we are the refresher; re-INVITE with our unchanged SDP. A 408 or 481 means the far end
   * is gone (§10): hang up. Anything else (491 glare, 5xx) leaves the session as it is until the next try.
   */
  refreshSession(): void {
    const dialog = this.dialog;
    const sdp = this.handlers.currentSdp?.();
    if (!dialog || this.ended || sdp === undefined) return;
    const headers = this.sessionTerms
      ? [{ name: 'Session-Expires', value: `${this.sessionTerms.interval};refresher=uas` }]
      : [];
    void this.stack.sendInDialog(
      dialog,
      'INVITE',
      { body: sdpBytes(sdp), contentType: SDP, headers: [...headers, { name: 'Supported', value: 'timer' }] },
      {
        onFinal: (response) => {
          if (this.ended) return;
          if (response.status >= 200 && response.status < 300) {
            void this.stack.sendAck(dialog, response).catch(() => {});
            this.sessionTimer?.reset();
          } else if (response.status === 408 || response.status === 481) {
            this.sendBye('session-expired');
          } else {
            this.sessionTimer?.reset();
          }
        },
      },
    );
  }

  /** A request the stack matched to this leg's dialog. */
  handleInDialog(incoming: IncomingRequest): void {
    const req = incoming.request;
    switch (req.method) {
      case 'BYE':
        incoming.reply(200);
        this.end('remote-hangup');
        return;
      case 'INVITE':
      case 'UPDATE': {
        const offer = sdpBody(req);
        if (offer === undefined && req.method === 'UPDATE') {
          // RFC 3311 §5.2: an UPDATE without an offer (a session refresh, RFC 4028 §9) gets no SDP back.
          this.sessionTimer?.reset();
          incoming.reply(200, undefined, {
            headers: this.sessionTerms ? sessionTimerHeaders(this.sessionTerms) : [],
          });
          return;
        }
        const answer = this.handlers.reoffer?.(offer);
        if (answer === undefined) {
          incoming.reply(488);
          return;
        }
        if (offer === undefined && req.method === 'INVITE') {
          // Our 200 carries an offer; the peer's answer comes in the ACK (RFC 3261 §14.2). An ACK
          // without one leaves the session as it was.
          incoming.onAck((ack) => {
            const sdp = sdpBody(ack);
            if (sdp !== undefined && !this.ended) this.handlers.answer?.(sdp);
          });
        }
        // A re-INVITE or UPDATE refreshes the session (RFC 4028 §10).
        this.sessionTimer?.reset();
        incoming.reply(200, undefined, {
          body: sdpBytes(answer),
          contentType: SDP,
          headers: [
            ...(this.dialog?.localContact ? [{ name: 'Contact', value: this.dialog.localContact }] : []),
            ...(this.sessionTerms ? sessionTimerHeaders(this.sessionTerms) : []),
          ],
        });
        return;
      }
      case 'INFO': {
        const info = parseDtmfInfo(getHeader(req, 'content-type'), req.body);
        incoming.reply(info || req.body.length === 0 ? 200 : 415);
        if (info) this.handlers.dtmf?.(info);
        return;
      }
      case 'OPTIONS':
        incoming.reply(200);
        return;
      case 'ACK':
        return;
      case 'REFER':
        if (this.handlers.refer) this.handlers.refer(incoming);
        else incoming.reply(501);
        return;
      default:
        incoming.reply(501);
    }
  }
}
