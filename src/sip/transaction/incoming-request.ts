/**
 * A received request and its server transaction, as the transaction user (a B2BUA call leg, the
 * registrar) sees it: answer it, learn of CANCEL and ACK, or drop it.
 */
import type { Dialog } from '../dialog/dialog.ts';
import { type CreateResponseOptions, createResponse, generateTag } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { MessageSource } from '../transport/transport.ts';
import type { ServerTransaction } from './transaction-layer.ts';

/** A request we received and its server transaction. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: MessageSource;
  /** The To tag of every response made with `reply` (stable, so 180 and 200 name one dialog). */
  readonly toTag: string;
  /** The dialog it arrived in, if it is an in-dialog request of a dialog this stack knows. */
  readonly dialog: Dialog | undefined;
  /** True once the far end cancelled it (§9.2; the stack has then answered 487). */
  readonly cancelled: boolean;
  /** True once a final response was sent. */
  readonly answered: boolean;
  /** Sends a response (to the transaction, then routed per Via, §18.2.2). */
  respond(response: SipResponse): void;
  /** Builds a response with `toTag` (and the stack's Server header) and sends it; returns it. */
  reply(status: number, reason?: string, options?: CreateResponseOptions): SipResponse;
  /**
   * Ends the server transaction without any answer (a request from a banned source, say): nothing is
   * sent; a retransmission of the request arrives as a new request.
   */
  drop(): void;
  /** INVITE: called when the caller cancels (after the stack answered 487). */
  onCancel(handler: () => void): void;
  /** INVITE: called with the ACK for our 2xx (it may carry the SDP answer, §13.2.1). */
  onAck(handler: (ack: SipRequest) => void): void;
  /** INVITE: called when no ACK came for our 2xx within 64*T1 (§13.3.1.4: the TU should send BYE). */
  onAckTimeout(handler: () => void): void;
}

/** The stack's implementation of `IncomingRequest`: state the stack reads, handlers it calls. */
export class IncomingRequestHandle implements IncomingRequest {
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly toTag = generateTag();
  dialog: Dialog | undefined;
  cancelled = false;
  answered = false;
  dropped = false;
  /** Whether any response (even 1xx) went out. */
  responded = false;
  tx: ServerTransaction | undefined;
  readonly cancelHandlers: Array<() => void> = [];
  readonly ackHandlers: Array<(ack: SipRequest) => void> = [];
  readonly ackTimeoutHandlers: Array<() => void> = [];
  readonly #send: (handle: IncomingRequestHandle, response: SipResponse) => void;

  constructor(
    request: SipRequest,
    source: MessageSource,
    dialog: Dialog | undefined,
    send: (handle: IncomingRequestHandle, response: SipResponse) => void,
  ) {
    this.request = request;
    this.source = source;
    this.dialog = dialog;
    this.#send = send;
  }

  respond(response: SipResponse): void {
    if (this.dropped) return;
    this.responded = true;
    if (response.status >= 200) this.answered = true;
    this.#send(this, response);
  }

  reply(status: number, reason?: string, options: CreateResponseOptions = {}): SipResponse {
    const response = createResponse(this.request, status, reason, {
      ...options,
      toTag: options.toTag ?? this.toTag,
    });
    this.respond(response);
    return response;
  }

  drop(): void {
    this.dropped = true;
    this.tx?.dispose();
  }

  onCancel(handler: () => void): void {
    this.cancelHandlers.push(handler);
  }

  onAck(handler: (ack: SipRequest) => void): void {
    this.ackHandlers.push(handler);
  }

  onAckTimeout(handler: () => void): void {
    this.ackTimeoutHandlers.push(handler);
  }
}
