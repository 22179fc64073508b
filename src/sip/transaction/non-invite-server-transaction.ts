/**
 * The non-INVITE server transaction (RFC 3261 §17.2.2):
 *
 *                                   |Request received
 *                                   |pass to TU
 *                                   V
 *                             +-----------+
 *                             |           |
 *                             | Trying    |-------------+
 *                             |           |             |
 *                             +-----------+             |200-699 from TU
 *                                   |                   |send response
 *                                   |1xx from TU        |
 *                                   |send response      |
 *                                   |                   |
 *                Request            V      1xx from TU  |
 *                send response+-----------+send response|
 *                    +--------|           |--------+    |
 *                    |        | Proceeding|        |    |
 *                    +------->|           |<-------+    |
 *             +<--------------|           |             |
 *             |Trnsprt Err    +-----------+             |
 *             |Inform TU            |                   |
 *             |                     |                   |
 *             |                     |200-699 from TU    |
 *             |                     |send response      |
 *             |  Request            V                   |
 *             |  send response+-----------+             |
 *             |      +--------|           |             |
 *             |      |        | Completed |<------------+
 *             |      +------->|           |
 *             +<--------------|           |
 *             |Trnsprt Err    +-----------+
 *             |Inform TU            |
 *             |                     |Timer J fires
 *             |                     |-
 *             |                     |
 *             |                     V
 *             |               +-----------+
 *             |               |           |
 *             +-------------->| Terminated|
 *                             |           |
 *                             +-----------+
 */
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Timer } from './clock.ts';
import type { ServerTransactionUser, Transaction, TransactionContext } from './transaction-types.ts';

/** The states of the non-INVITE server transaction (RFC 3261 §17.2.2). */
export type NonInviteServerState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** One non-INVITE server transaction: answers retransmissions of its request with the last response. */
export class NonInviteServerTransaction implements Transaction {
  readonly id: string;
  #state: NonInviteServerState = 'trying';
  #ctx: TransactionContext;
  #user: ServerTransactionUser;
  #lastResponse: SipResponse | undefined;
  #timerJ: Timer | undefined;

  constructor(id: string, ctx: TransactionContext, user: ServerTransactionUser) {
    this.id = id;
    this.#ctx = ctx;
    this.#user = user;
  }

  get state(): NonInviteServerState {
    return this.#state;
  }

  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** A retransmission of the request (§17.2.2): absorbed in Trying, answered with the last response after. */
  receiveRequest(_request: SipRequest): void {
    if ((this.#state === 'proceeding' || this.#state === 'completed') && this.#lastResponse) {
      this.#send(this.#lastResponse);
    }
  }

  /** A response from the TU; anything after the final response is discarded (§17.2.2). */
  respond(response: SipResponse): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    this.#lastResponse = response;
    this.#send(response);
    if (response.status < 200) this.#stateTransition('proceeding');
    else this.#stateTransition('completed');
  }

  dispose(): void {
    if (this.#state !== 'terminated') this.#stateTransition('terminated');
  }

  #send(response: SipResponse): void {
    this.#ctx.sender.send(response).catch((err: Error) => this.#transportError(err));
  }

  #transportError(err: Error): void {
    if (this.#state === 'terminated') return;
    this.#stateTransition('terminated');
    this.#user.fail('transport-error', err);
  }

  #stateTransition(next: NonInviteServerState): void {
    const from = this.#state;
    if (from === 'proceeding' && next === 'proceeding') return; // more 1xx: stay (§17.2.2)
    const allowed: Record<NonInviteServerState, NonInviteServerState[]> = {
      trying: ['proceeding', 'completed', 'terminated'],
      proceeding: ['completed', 'terminated'],
      completed: ['terminated'],
      terminated: [],
    };
    if (!allowed[from].includes(next))
      throw new Error(`NIST ${this.id}: invalid transition ${from} → ${next}`);
    this.#state = next;
    switch (next) {
      case 'proceeding':
        // §17.2.2: "the TU passes a provisional response … the server transaction MUST enter the Proceeding state".
        break;
      case 'completed':
        // §17.2.2: a final response → Completed; Timer J (64*T1 UDP, 0 reliable) answers retransmissions.
        this.#timerJ = this.#ctx.clock.setTimer(this.#ctx.timers.J, () =>
          this.#stateTransition('terminated'),
        );
        break;
      case 'terminated':
        this.#timerJ?.cancel();
        this.#user.terminated();
        break;
    }
  }
}
