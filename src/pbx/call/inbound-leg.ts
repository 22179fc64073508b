/**
 * The UAS leg of a call: the caller's INVITE, our provisional and final responses (RFC 3261 §13.3), the
 * ACK that confirms the dialog (carrying the SDP answer when the INVITE had no offer, §13.2.1), and the
 * caller's CANCEL (§9.2).
 */
import { getHeader } from '../../sip/message/index.ts';
import type { IncomingRequest, SipStack } from '../../sip/stack.ts';
import { negotiateAsUas, SessionTimer, sessionTimerHeaders } from './session-timer.ts';
import { type EndReason, SipLeg, sdpBody, sdpBytes } from './sip-leg.ts';

export type InboundState = 'offered' | 'early' | 'answered' | 'ended';

export class InboundLeg extends SipLeg {
  readonly incoming: IncomingRequest;
  /** The SDP offer of the INVITE; undefined for a late-offer INVITE (we offer in the 200). */
  readonly offer: string | undefined;
  #state: InboundState = 'offered';
  #ackWaiters: Array<(sdp: string | undefined) => void> = [];

  constructor(stack: SipStack, incoming: IncomingRequest) {
    super(stack, getHeader(incoming.request, 'call-id') ?? '');
    this.incoming = incoming;
    this.offer = sdpBody(incoming.request);
    const terms = negotiateAsUas(incoming.request);
    // 'too-small' is refused with 422 by the call manager before a leg exists.
    if (terms && terms !== 'too-small') this.sessionTerms = terms;
    incoming.onCancel(() => this.end('cancelled'));
    incoming.onAck((ack) => {
      const sdp = sdpBody(ack);
      for (const w of this.#ackWaiters.splice(0)) w(sdp);
    });
    incoming.onAckTimeout(() => {
      // §13.3.1.4: no ACK for our 2xx; the session is dead on arrival.
      for (const w of this.#ackWaiters.splice(0)) w(undefined);
      this.sendBye('no-ack');
    });
  }

  get state(): InboundState {
    return this.ended ? 'ended' : this.#state;
  }

  /** 180 Ringing (or 183 with early media SDP), creating the early dialog. */
  ring(earlySdp?: string): void {
    if (this.state !== 'offered' && this.state !== 'early') return;
    const options = earlySdp
      ? { body: sdpBytes(earlySdp), contentType: 'application/sdp', headers: this.#contactHeader() }
      : { headers: this.#contactHeader() };
    const response = this.incoming.reply(earlySdp ? 183 : 180, undefined, options);
    this.dialog ??= this.stack.createUasDialog(this.incoming, response);
    this.#state = 'early';
  }

  /**
   * 200 OK with our SDP (the answer, or our offer for a late-offer INVITE). Resolves with the SDP the ACK
   * carried (a late offer's answer) once the ACK arrives, or undefined when it carries none.
   */
  answer(sdp: string): Promise<string | undefined> {
    if (this.ended || this.#state === 'answered') return Promise.resolve(undefined);
    const acked = new Promise<string | undefined>((resolve) => this.#ackWaiters.push(resolve));
    const terms = this.sessionTerms;
    const response = this.incoming.reply(200, undefined, {
      body: sdpBytes(sdp),
      contentType: 'application/sdp',
      headers: [...this.#contactHeader(), ...(terms ? sessionTimerHeaders(terms) : [])],
    });
    this.dialog = this.stack.createUasDialog(this.incoming, response) ?? this.dialog;
    this.dialog?.confirm();
    this.#state = 'answered';
    if (terms) {
      this.sessionTimer = new SessionTimer({
        interval: terms.interval,
        weRefresh: terms.refresher === 'uas',
        refresh: () => this.refreshSession(),
        expired: () => this.sendBye('session-expired'),
      });
    }
    return acked;
  }

  /** A final error response (486 busy, 480 unavailable, 404, 488…): the call never starts. */
  reject(status: number, reason?: string, headers: Array<{ name: string; value: string }> = []): void {
    if (this.ended || this.#state === 'answered') return;
    if (!this.incoming.answered) this.incoming.reply(status, reason, { headers });
    this.end('rejected');
  }

  hangup(reason: EndReason = 'local-hangup'): void {
    if (this.ended) return;
    if (this.#state === 'answered') this.sendBye(reason);
    else this.reject(reason === 'shutdown' ? 503 : 480);
  }

  #contactHeader(): Array<{ name: string; value: string }> {
    return [{ name: 'Contact', value: this.stack.contact(this.incoming.source.transport) }];
  }
}
