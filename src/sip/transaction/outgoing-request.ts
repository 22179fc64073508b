/**
 * A request we sent and its client transaction, as the transaction user sees it: callbacks for the
 * responses, and CANCEL for a pending INVITE (§9.1).
 */
import type { Dialog } from '../dialog/dialog.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { MessageSource } from '../transport/transport.ts';
import type { ClientTransaction, ResponseInfo } from './transaction-layer.ts';

/** Callbacks of an outgoing request. */
export interface RequestCallbacks {
  /** Every 1xx. */
  onProvisional?(response: SipResponse, request: OutgoingRequest): void;
  /**
   * The final response, once: from the far end, or made locally (`info.local`): 408 on timeout,
   * 503 on a transport failure (§8.1.3.1). For a 2xx to INVITE, make the dialog (`createUacDialog`)
   * and ACK it (`sendAck`) — or the far end keeps retransmitting and finally hangs up.
   */
  onFinal?(response: SipResponse, info: ResponseInfo, request: OutgoingRequest): void;
}

/** A request we sent and its client transaction. */
export interface OutgoingRequest {
  readonly request: SipRequest;
  readonly target: MessageSource;
  /** The final response once it arrived. */
  readonly finalResponse: SipResponse | undefined;
  /**
   * §9.1: cancels a pending INVITE. Sent once a provisional response has arrived (at once if one
   * already did); nothing happens after a final response.
   */
  cancel(): void;
}

/** The stack's implementation of `OutgoingRequest`. */
export class OutgoingRequestHandle implements OutgoingRequest {
  readonly request: SipRequest;
  readonly target: MessageSource;
  finalResponse: SipResponse | undefined;
  provisional = false;
  cancelWanted = false;
  cancelSent = false;
  callbacks: RequestCallbacks = {};
  /** Dialogs the TU created from this request's responses. */
  readonly dialogs: Dialog[] = [];
  tx: ClientTransaction | undefined;
  readonly #sendCancel: (handle: OutgoingRequestHandle) => void;

  constructor(
    request: SipRequest,
    target: MessageSource,
    sendCancel: (handle: OutgoingRequestHandle) => void,
  ) {
    this.request = request;
    this.target = target;
    this.#sendCancel = sendCancel;
  }

  cancel(): void {
    if (this.request.method !== 'INVITE' || this.finalResponse || this.cancelWanted) return;
    this.cancelWanted = true;
    if (this.provisional) this.#sendCancel(this);
  }
}
