/**
 * The INVITE client transaction (RFC 3261 §17.1.1, amended by RFC 6026 §8.4):
 *
 *                     |INVITE from TU
 *   Timer A fires     |INVITE sent
 *   Reset A,          V                      Timer B fires
 *   INVITE sent +-----------+                or Transport Err.
 *     +---------|           |---------------+inform TU
 *     |         |  Calling  |-------------+ |
 *     +-------->|           |-----------+ | |
 *               +-----------+ 2xx       | | |
 *                  |  |       2xx to TU | | |
 *                  |  |1xx              | | |
 *   300-699 +------+  |1xx to TU        | | |
 *  ACK sent |         |                 | | |
 *  resp. to TU        V                 | | |
 *           |  +-----------+            | | |
 *           |  |           |1xx to TU   | | |
 *           |  | Proceeding|---------+  | | |
 *           |  |           |<--------+  | | |
 *           |  +-----------+ 2xx      | | |
 *           |   300-699 |  2xx to TU  | | |
 *           |   ACK sent|  +----------+ | |
 *           |   resp. to TU V           | |
 *           |       +-----------+       | |
 *           +------>| Completed |       | |   +-----------+
 *      300-699      +-----------+       | +-->| Accepted  |  2xx: 2xx to TU
 *      ACK sent          |Timer D fires |     +-----------+
 *                        |-             |          |Timer M fires
 *                        V              V          V
 *                    +-----------------------------------+
 *                    |            Terminated             |
 *                    +-----------------------------------+
 */
import { createAck } from '../message/index.ts';
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Timer } from './clock.ts';
import type { ClientTransactionUser, Transaction, TransactionContext } from './transaction-types.ts';

/** The states of the INVITE client transaction (RFC 3261 §17.1.1.2, RFC 6026 §8.4). */
export type InviteClientState = 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated';

/** One INVITE client transaction: sends the INVITE, retransmits it on UDP, ACKs non-2xx answers. */
export class InviteClientTransaction implements Transaction {
  readonly id: string;
  readonly request: SipRequest;
  #state: InviteClientState = 'calling';
  #ctx: TransactionContext;
  #user: ClientTransactionUser;
  #ack: SipRequest | undefined;
  #timerA: Timer | undefined;
  #timerB: Timer | undefined;
  #timerD: Timer | undefined;
  #timerM: Timer | undefined;
  #intervalA = 0;

  /** Creates the transaction and sends the INVITE at once (§17.1.1.2). */
  constructor(id: string, request: SipRequest, ctx: TransactionContext, user: ClientTransactionUser) {
    this.id = id;
    this.request = request;
    this.#ctx = ctx;
    this.#user = user;
    this.#send(request);
    // §17.1.1.2: Timer A only on unreliable transports; Timer B always.
    const a = ctx.timers.A;
    if (a !== null) {
      this.#intervalA = a;
      this.#timerA = ctx.clock.setTimer(a, () => this.#fireA());
    }
    this.#timerB = ctx.clock.setTimer(ctx.timers.B, () => this.#fireB());
  }

  get state(): InviteClientState {
    return this.#state;
  }

  /** The ACK this transaction generated for a non-2xx final response, if any. */
  get ack(): SipRequest | undefined {
    return this.#ack;
  }

  /** A response whose branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    const s = response.status;
    switch (this.#state) {
      case 'calling':
      case 'proceeding':
        if (s < 200) {
          // §17.1.1.2: further provisional responses in Proceeding are passed up too.
          if (this.#state === 'calling') this.#stateTransition('proceeding');
          this.#user.receiveResponse(response);
        } else if (s < 300) {
          this.#stateTransition('accepted');
          this.#user.receiveResponse(response);
        } else {
          this.#stateTransition('completed');
          // §17.1.1.3: the ACK belongs to this transaction: the INVITE's top Via, Request-URI, Call-ID,
          // From, CSeq number and Route, with the To of the response.
          this.#ack = createAck(this.request, response);
          if (this.#ack) this.#send(this.#ack);
          this.#user.receiveResponse(response);
        }
        return;
      case 'accepted':
        // RFC 6026 §8.4: 2xx retransmissions (and 2xx from other forks) go to the TU, which ACKs them.
        if (s >= 200 && s < 300) this.#user.receiveResponse(response);
        return;
      case 'completed':
        // §17.1.1.2: a retransmitted final response is answered with the same ACK, not passed up.
        if (s >= 300 && this.#ack) this.#send(this.#ack);
        return;
      case 'terminated':
        return;
    }
  }

  /** Ends the transaction at once (for an INVITE whose CANCEL got no final answer, §9.1, or close). */
  dispose(): void {
    if (this.#state !== 'terminated') this.#stateTransition('terminated');
  }

  /**
   * The connection the request went over closed (or failed) before a final response: a transport
   * error (§17.1.4), which the TU treats as 503 (§8.1.3.1) now rather than when Timer B/F would fire.
   * A transaction that already has its final response is left alone. True when this failed it.
   */
  connectionLost(error: Error): boolean {
    if (this.#state !== 'calling' && this.#state !== 'proceeding') return false;
    this.#transportError(error);
    return true;
  }

  #send(message: SipRequest): void {
    this.#ctx.sender.send(message).catch((err: Error) => this.#transportError(err));
  }

  #fireA(): void {
    if (this.#state !== 'calling') return;
    // §17.1.1.2: retransmit and double the interval; no cap for INVITE (Timer B ends it).
    this.#send(this.request);
    this.#intervalA *= 2;
    this.#timerA = this.#ctx.clock.setTimer(this.#intervalA, () => this.#fireA());
  }

  #fireB(): void {
    if (this.#state !== 'calling') return;
    this.#stateTransition('terminated');
    this.#user.fail('timeout');
  }

  #transportError(err: Error): void {
    // §17.1.4: a transport failure ends the transaction and the TU treats it as 503.
    if (this.#state === 'terminated') return;
    this.#stateTransition('terminated');
    this.#user.fail('transport-error', err);
  }

  /** Every state change of the machine goes through here, with the rule that allows it. */
  #stateTransition(next: InviteClientState): void {
    const from = this.#state;
    const allowed: Record<InviteClientState, InviteClientState[]> = {
      calling: ['proceeding', 'accepted', 'completed', 'terminated'],
      proceeding: ['accepted', 'completed', 'terminated'],
      accepted: ['terminated'],
      completed: ['terminated'],
      terminated: [],
    };
    if (!allowed[from].includes(next))
      throw new Error(`ICT ${this.id}: invalid transition ${from} → ${next}`);
    this.#state = next;
    switch (next) {
      case 'proceeding':
        // §17.1.1.2: "If the client transaction receives a provisional response while in the Calling
        // state, it transitions to the Proceeding state" and stops retransmitting.
        this.#timerA?.cancel();
        this.#timerB?.cancel();
        break;
      case 'accepted':
        // RFC 6026 §8.4: a 2xx moves Calling/Proceeding to Accepted; Timer M (64*T1) absorbs 2xx
        // retransmissions and forks.
        this.#timerA?.cancel();
        this.#timerB?.cancel();
        this.#timerM = this.#ctx.clock.setTimer(this.#ctx.timers.M, () =>
          this.#stateTransition('terminated'),
        );
        break;
      case 'completed':
        // §17.1.1.2: 300-699 → Completed; Timer D (32 s UDP, 0 reliable) absorbs final retransmissions.
        this.#timerA?.cancel();
        this.#timerB?.cancel();
        this.#timerD = this.#ctx.clock.setTimer(this.#ctx.timers.D, () =>
          this.#stateTransition('terminated'),
        );
        break;
      case 'terminated':
        // §17.1.1.2: "the client transaction MUST transition to the Terminated state" and be destroyed.
        this.#timerA?.cancel();
        this.#timerB?.cancel();
        this.#timerD?.cancel();
        this.#timerM?.cancel();
        this.#user.terminated();
        break;
    }
  }
}
