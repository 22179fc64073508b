/**
 * The non-INVITE client transaction (RFC 3261 §17.1.2):
 *
 *                                   |Request from TU
 *                                   |send request
 *               Timer E             V
 *               send request  +-----------+
 *                   +---------|           |-------------------+
 *                   |         |  Trying   |  Timer F          |
 *                   +-------->|           |  or Transport Err.|
 *                             +-----------+  inform TU        |
 *                200-699         |  |                         |
 *                resp. to TU     |  |1xx                      |
 *                +---------------+  |resp. to TU              |
 *                |                  |                         |
 *                |   Timer E        V       Timer F           |
 *                |   send req +-----------+ or Transport Err. |
 *                |  +---------|           | inform TU         |
 *                |  |         |Proceeding |------------------>|
 *                |  +-------->|           |-----+             |
 *                |            +-----------+     |1xx          |
 *                |              |      ^        |resp to TU   |
 *                | 200-699      |      +--------+             |
 *                | resp. to TU  |                             |
 *                |              |                             |
 *                |              V                             |
 *                |            +-----------+                   |
 *                |            |           |                   |
 *                |            | Completed |                   |
 *                |            |           |                   |
 *                |            +-----------+                   |
 *                |              ^   |                         |
 *                |              |   | Timer K                 |
 *                +--------------+   | -                       |
 *                                   |                         |
 *                                   V                         |
 *             NOTE:           +-----------+                   |
 *                             |           |                   |
 *         transitions         | Terminated|<------------------+
 *         labeled with        |           |
 *         the event           +-----------+
 *         over the action
 *         to take
 */
import type { SipRequest, SipResponse } from '../message/types.ts';
import type { Timer } from './clock.ts';
import type { ClientTransactionUser, Transaction, TransactionContext } from './transaction-types.ts';

/** The states of the non-INVITE client transaction (RFC 3261 §17.1.2.2). */
export type NonInviteClientState = 'trying' | 'proceeding' | 'completed' | 'terminated';

/** One non-INVITE client transaction: sends the request and retransmits it on UDP until a final response. */
export class NonInviteClientTransaction implements Transaction {
  readonly id: string;
  readonly request: SipRequest;
  #state: NonInviteClientState = 'trying';
  #ctx: TransactionContext;
  #user: ClientTransactionUser;
  #timerE: Timer | undefined;
  #timerF: Timer | undefined;
  #timerK: Timer | undefined;
  #intervalE = 0;

  /** Creates the transaction and sends the request at once (§17.1.2.2). */
  constructor(id: string, request: SipRequest, ctx: TransactionContext, user: ClientTransactionUser) {
    this.id = id;
    this.request = request;
    this.#ctx = ctx;
    this.#user = user;
    this.#send(request);
    const e = ctx.timers.E;
    if (e !== null) {
      this.#intervalE = e;
      this.#timerE = ctx.clock.setTimer(e, () => this.#fireE());
    }
    this.#timerF = ctx.clock.setTimer(ctx.timers.F, () => this.#fireF());
  }

  get state(): NonInviteClientState {
    return this.#state;
  }

  /** A response whose branch and CSeq method matched this transaction (§17.1.3). */
  receiveResponse(response: SipResponse): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return; // Completed absorbs (§17.1.2.2)
    if (response.status < 200) {
      this.#stateTransition('proceeding');
    } else {
      this.#stateTransition('completed');
    }
    this.#user.receiveResponse(response);
  }

  dispose(): void {
    if (this.#state !== 'terminated') this.#stateTransition('terminated');
  }

  /**
   * The connection the request went over closed (or failed) before a final response: a transport
   * error (§17.1.4), which the TU treats as 503 (§8.1.3.1) now rather than when Timer B/F would fire.
   * A transaction that already has its final response is left alone. True when this failed it.
   */
  connectionLost(error: Error): boolean {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return false;
    this.#transportError(error);
    return true;
  }

  #send(message: SipRequest): void {
    this.#ctx.sender.send(message).catch((err: Error) => this.#transportError(err));
  }

  #fireE(): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    this.#send(this.request);
    // §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
    const t2 = this.#ctx.timers.T2;
    this.#intervalE = this.#state === 'trying' ? Math.min(2 * this.#intervalE, t2) : t2;
    this.#timerE = this.#ctx.clock.setTimer(this.#intervalE, () => this.#fireE());
  }

  #fireF(): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    this.#stateTransition('terminated');
    this.#user.fail('timeout');
  }

  #transportError(err: Error): void {
    if (this.#state !== 'trying' && this.#state !== 'proceeding') return;
    // §17.1.4: a transport failure is reported to the TU (as 503) and the transaction ends.
    this.#stateTransition('terminated');
    this.#user.fail('transport-error', err);
  }

  #stateTransition(next: NonInviteClientState): void {
    const from = this.#state;
    if (from === next && next === 'proceeding') return; // 1xx in Proceeding: stay (§17.1.2.2)
    const allowed: Record<NonInviteClientState, NonInviteClientState[]> = {
      trying: ['proceeding', 'completed', 'terminated'],
      proceeding: ['completed', 'terminated'],
      completed: ['terminated'],
      terminated: [],
    };
    if (!allowed[from].includes(next))
      throw new Error(`NICT ${this.id}: invalid transition ${from} → ${next}`);
    this.#state = next;
    switch (next) {
      case 'proceeding':
        // §17.1.2.2: "If a provisional response is received while in the Trying state, the response MUST
        // be passed to the TU, and then the client transaction SHOULD move to the Proceeding state."
        // Timer E keeps running, now at T2 once it next fires.
        break;
      case 'completed':
        // §17.1.2.2: a final response → Completed; Timer K (T4 on UDP, 0 reliable) absorbs retransmissions.
        this.#timerE?.cancel();
        this.#timerF?.cancel();
        this.#timerK = this.#ctx.clock.setTimer(this.#ctx.timers.K, () =>
          this.#stateTransition('terminated'),
        );
        break;
      case 'terminated':
        this.#timerE?.cancel();
        this.#timerF?.cancel();
        this.#timerK?.cancel();
        this.#user.terminated();
        break;
    }
  }
}
