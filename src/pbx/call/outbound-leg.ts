/**
 * The UAC leg of a call: our INVITE to a registered phone or through a trunk, its provisional and final
 * responses (RFC 3261 §13.2), the ACK for a 2xx, digest credentials when a carrier challenges us
 * (§22.2, once per challenge), and CANCEL while it rings (§9.1).
 */
import { DigestClient } from '../../sip/auth/index.ts';
import {
  createRequest,
  generateCallId,
  generateTag,
  getHeader,
  getHeaderValues,
  type SipHeader,
  type SipResponse,
} from '../../sip/message/index.ts';
import type { OutgoingRequest, SipStack, SipTarget } from '../../sip/stack.ts';
import { type EndReason, SipLeg, sdpBody, sdpBytes } from './sip-leg.ts';

export interface DialOptions {
  /** Where the INVITE goes (a registered contact's flow, or the trunk's address). */
  target: SipTarget;
  /** Request-URI: the registered Contact, or `sip:<number>@<carrier>`. */
  uri: string;
  /** From: who the callee sees calling (name-addr, without tag). */
  from: string;
  /** To: whom we call (name-addr). */
  to: string;
  /** Our SDP offer (we always offer in the INVITE). */
  offer: string;
  headers?: SipHeader[];
  /** Credentials for a carrier's 401/407 challenge. */
  credentials?: { username: string; password: string };
}

export interface DialEvents {
  ringing?(leg: OutboundLeg, response: SipResponse): void;
  /** 2xx: the answer SDP (undefined if the callee sent none, which we then treat as a failure). */
  answered?(leg: OutboundLeg, answer: string | undefined, response: SipResponse): void;
  /** A final non-2xx (or a local 408/503): the status and reason. */
  failed?(leg: OutboundLeg, status: number, reason: string): void;
}

export class OutboundLeg extends SipLeg {
  readonly options: DialOptions;
  #outgoing: OutgoingRequest | undefined;
  #answered = false;
  #cseq = 1;
  readonly #fromTag = generateTag();
  readonly #events: DialEvents;
  readonly #digest: DigestClient | undefined;
  #authTries = 0;

  private constructor(stack: SipStack, options: DialOptions, events: DialEvents) {
    super(stack, generateCallId());
    this.options = options;
    this.#events = events;
    this.#digest = options.credentials ? new DigestClient(options.credentials) : undefined;
  }

  /** Sends the INVITE. Events report its progress; `hangup()` cancels or ends it. */
  static dial(stack: SipStack, options: DialOptions, events: DialEvents = {}): OutboundLeg {
    const leg = new OutboundLeg(stack, options, events);
    leg.#send([]);
    return leg;
  }

  get answered(): boolean {
    return this.#answered;
  }

  hangup(reason: EndReason = 'local-hangup'): void {
    if (this.ended) return;
    if (this.#answered) {
      this.sendBye(reason);
      return;
    }
    this.#outgoing?.cancel();
    this.end(reason === 'local-hangup' ? 'cancelled' : reason);
  }

  #send(auth: SipHeader[]): void {
    const o = this.options;
    const request = createRequest({
      method: 'INVITE',
      uri: o.uri,
      from: `${o.from};tag=${this.#fromTag}`,
      to: o.to,
      callId: this.callId,
      cseq: this.#cseq,
      contact: this.stack.contact(o.target.transport),
      headers: [...(o.headers ?? []), ...auth],
      body: sdpBytes(o.offer),
      contentType: 'application/sdp',
    });
    this.#outgoing = this.stack.sendRequest(request, o.target, {
      onProvisional: (response, outgoing) => {
        if (this.ended) return;
        if (getHeader(response, 'to')?.includes('tag=')) {
          this.dialog = this.stack.createUacDialog(outgoing, response) ?? this.dialog;
        }
        if (response.status !== 100) this.#events.ringing?.(this, response);
      },
      onFinal: (response, _info, outgoing) => this.#final(response, outgoing),
    });
  }

  #final(response: SipResponse, outgoing: OutgoingRequest): void {
    const status = response.status;
    if (status >= 200 && status < 300) {
      const dialog = this.stack.createUacDialog(outgoing, response);
      if (dialog) {
        this.dialog = dialog;
        void this.stack.sendAck(dialog, response).catch(() => {});
      }
      if (this.ended) {
        // Answered after we gave up (CANCEL crossed the 200): §15 says hang up with BYE.
        if (dialog) void this.stack.sendInDialog(dialog, 'BYE').catch(() => {});
        return;
      }
      this.#answered = true;
      this.#events.answered?.(this, sdpBody(response), response);
      return;
    }
    if ((status === 401 || status === 407) && this.#digest && this.#authTries < 2 && !this.ended) {
      const challenges = getHeaderValues(
        response,
        status === 401 ? 'www-authenticate' : 'proxy-authenticate',
      );
      const value = this.#digest.authorize(challenges, 'INVITE', this.options.uri);
      if (value) {
        this.#authTries++;
        this.#cseq++;
        this.#send([{ name: status === 401 ? 'Authorization' : 'Proxy-Authorization', value }]);
        return;
      }
    }
    if (this.ended) return;
    this.end(status === 487 ? 'cancelled' : status === 408 ? 'no-answer' : 'rejected');
    this.#events.failed?.(this, status, response.reason);
  }
}
