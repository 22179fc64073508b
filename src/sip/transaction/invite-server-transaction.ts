/**
 * The INVITE server transaction (RFC 3261 §17.2.1, amended by RFC 6026 §7.1 and §8.6–8.7):
 *
 *                                   |INVITE
 *                                   |pass INV to TU
 *                INVITE             V send 100 if TU won't in 200 ms
 *                send response+------------+
 *                    +--------|            |--------+ 101-199 from TU
 *                    |        |            |        | send response
 *                    +------->|            |<-------+
 *                             | Proceeding |
 *                             |            |--------+ Transport Err.
 *                             |            |        | Inform TU
 *                             |            |<-------+
 *                             +------------+
 *                300-699 from TU |        |2xx from TU
 *                send response   |        |send response
 *                 +--------------+        +------------+
 *                 |                                    |
 *   INVITE        V          Timer G fires             |
 *   send response +-----------+ send response          |
 *        +--------|           |--------+               |
 *        |        |           |        |               |
 *        +------->| Completed |<-------+     INVITE    |  Transport Err.
 *                 |           |              -         |  Inform TU
 *        +--------|           |----+          +-----+  |  +---+
 *        |        +-----------+    | ACK      |     v  v  v   |
 *        |          ^   |          | -        |  +------------+
 *        |          |   |          |          |  |            |---+ ACK
 *        +----------+   |          |          +--|  Accepted  |   | to TU
 *        Transport Err. |          |             |            |<--+
 *        Inform TU      |          V             +------------+
 *                       |    +-----------+         |  ^     |
 *                       |    |           |         |  |     |
 *                       |    | Confirmed |         |  +-----+
 *                       |    |           |         |  2xx from TU
 *         Timer H fires |    +-----------+         |  send response
 *         -             |          |               |
 *                       |          | Timer I fires |
 *                       |          | -             | Timer L fires
 *                       |          V               | -
 *                       |    +------------+        |
 *                       |    |            |<-------+
 *                       +--->| Terminated |
 *                            |            |
 *                            +------------+
 */
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Timer } from './clock.ts';
import type { ServerTransactionUser, Transaction, TransactionContext } from './transaction-types.ts';

/** The states of the INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §7.1). */
export type InviteServerState = 'proceeding' | 'accepted' | 'completed' | 'confirmed' | 'terminated';

/** One INVITE server transaction: answers retransmitted INVITEs, retransmits non-2xx finals on UDP until ACK. */
export class InviteServerTransaction implements Transaction {
  readonly id: string;
  #state: InviteServerState = 'proceeding';
  #ctx: TransactionContext;
  #user: ServerTransactionUser;
  #lastResponse: SipResponse | undefined;
  #timerG: Timer | undefined;
  #timerH: Timer | undefined;
  #timerI: Timer | undefined;
  #timerL: Timer | undefined;
  #intervalG = 0;

  constructor(id: string, ctx: TransactionContext, user: ServerTransactionUser) {
    this.id = id;
    this.#ctx = ctx;
    this.#user = user;
  }

  get state(): InviteServerState {
    return this.#state;
  }

  /** The response a retransmitted INVITE gets (Proceeding: the last 1xx; Completed: the final one). */
  get lastResponse(): SipResponse | undefined {
    return this.#lastResponse;
  }

  /** A retransmitted INVITE, or an ACK, that matched this transaction (§17.2.3). */
  receiveRequest(request: SipRequest): void {
    if (request.method === 'ACK') {
      if (this.#state === 'completed') this.#stateTransition('confirmed');
      // RFC 6026 §7.1: an ACK matching in Accepted (a 2xx ACK that reused the branch) goes to the TU.
      else if (this.#state === 'accepted') this.#user.receiveAck?.(request);
      return; // Confirmed absorbs ACK retransmissions (§17.2.1).
    }
    // A retransmitted INVITE: answer with the most recent provisional (Proceeding) or the final
    // response (Completed); RFC 6026 §7.1 absorbs it in Accepted.
    if ((this.#state === 'proceeding' || this.#state === 'completed') && this.#lastResponse) {
      this.#send(this.#lastResponse);
    }
  }

  /** A response from the TU (§17.2.1). Responses after the final one (other than 2xx in Accepted) are ignored. */
  respond(response: SipResponse): void {
    const s = response.status;
    if (this.#state === 'proceeding') {
      this.#lastResponse = response;
      this.#send(response);
      if (s >= 300) this.#stateTransition('completed');
      else if (s >= 200) this.#stateTransition('accepted');
    } else if (this.#state === 'accepted' && s >= 200 && s < 300) {
      // RFC 6026 §7.1: the TU's own 2xx retransmissions (§13.3.1.4) pass through to the transport.
      this.#send(response);
    }
  }

  dispose(): void {
    if (this.#state !== 'terminated') this.#stateTransition('terminated');
  }

  #send(response: SipResponse): void {
    this.#ctx.sender.send(response).catch((err: Error) => this.#transportError(err));
  }

  #transportError(err: Error): void {
    if (this.#state === 'terminated') return;
    // §17.2.4 / RFC 6026: the TU is informed and the transaction ends.
    this.#stateTransition('terminated');
    this.#user.fail('transport-error', err);
  }

  #fireG(): void {
    if (this.#state !== 'completed' || !this.#lastResponse) return;
    // §17.2.1: retransmit the final response, doubling the interval up to T2.
    this.#send(this.#lastResponse);
    this.#intervalG = Math.min(2 * this.#intervalG, this.#ctx.timers.T2);
    this.#timerG = this.#ctx.clock.setTimer(this.#intervalG, () => this.#fireG());
  }

  #fireH(): void {
    if (this.#state !== 'completed') return;
    // §17.2.1: no ACK within 64*T1: Terminated, and the TU hears of the failure.
    this.#stateTransition('terminated');
    this.#user.fail('timeout');
  }

  #stateTransition(next: InviteServerState): void {
    const from = this.#state;
    const allowed: Record<InviteServerState, InviteServerState[]> = {
      proceeding: ['accepted', 'completed', 'terminated'],
      accepted: ['terminated'],
      completed: ['confirmed', 'terminated'],
      confirmed: ['terminated'],
      terminated: [],
    };
    if (!allowed[from].includes(next))
      throw new Error(`IST ${this.id}: invalid transition ${from} → ${next}`);
    this.#state = next;
    const { clock, timers } = this.#ctx;
    // Only Proceeding and Completed resend the last response. Accepted (32 s) and Confirmed absorb
    // what arrives: holding the response there would keep every call's messages in memory that long.
    if (next !== 'completed') this.#lastResponse = undefined;
    switch (next) {
      case 'accepted':
        // RFC 6026 §8.6: a 2xx from the TU moves Proceeding to Accepted and starts Timer L (64*T1);
        // retransmitting the 2xx is the TU's job (§13.3.1.4), not the transaction's.
        this.#timerL = clock.setTimer(timers.L, () => this.#stateTransition('terminated'));
        break;
      case 'completed':
        // §17.2.1: "When the server transaction enters the Completed state, it MUST set Timer H to fire
        // in 64*T1 seconds for all transports", and Timer G (T1) for unreliable transports.
        if (timers.G !== null) {
          this.#intervalG = timers.G;
          this.#timerG = clock.setTimer(timers.G, () => this.#fireG());
        }
        this.#timerH = clock.setTimer(timers.H, () => this.#fireH());
        break;
      case 'confirmed':
        // §17.2.1: on ACK, stop G and H; Timer I (T4 UDP, 0 reliable) absorbs ACK retransmissions.
        this.#timerG?.cancel();
        this.#timerH?.cancel();
        this.#timerI = clock.setTimer(timers.I, () => this.#stateTransition('terminated'));
        break;
      case 'terminated':
        this.#timerG?.cancel();
        this.#timerH?.cancel();
        this.#timerI?.cancel();
        this.#timerL?.cancel();
        this.#user.terminated();
        break;
    }
  }
}
