/**
 * What a transaction needs from below (a way to send, and whether the transport is reliable) and what it
 * reports above (to its transaction user, the TU: RFC 3261 §17 calls the layer above "the TU").
 */
import type { SipMessage, SipRequest, SipResponse } from '../message/types.ts';
import type { Clock } from './clock.ts';
import type { TransactionTimers } from './timers.ts';

/** The transport as one transaction sees it: bound to the destination the transaction talks to. */
export interface TransactionSender {
  /** TCP, TLS, WS are reliable; UDP is not (§17.1.1.2 retransmissions only on unreliable). */
  readonly reliable: boolean;
  /**
   * Resolves once handed to the transport, with the id of the connection it went over (undefined on
   * UDP); rejects on a transport error (§17.1.4, §17.2.4).
   */
  send(message: SipMessage): Promise<string | undefined>;
  /**
   * Whether a connection a send resolved with is still open. A connection that closed between the write
   * and the transaction layer's noting it would otherwise never be reported to that transaction.
   */
  isOpen?(connectionId: string): boolean;
}

/** Everything a transaction is built with, besides its request and its TU. */
export interface TransactionContext {
  sender: TransactionSender;
  clock: Clock;
  timers: TransactionTimers;
}

/** Why a client transaction ended without a response from the far end. */
export type ClientFailure = 'timeout' | 'transport-error';

/** The TU of a client transaction (§17.1). */
export interface ClientTransactionUser {
  /** Every response the transaction passes up: provisional, final, and (INVITE) 2xx retransmissions. */
  receiveResponse(response: SipResponse): void;
  /** Timer B/F fired or the transport failed: the TU treats it as 408 or 503 (§8.1.3.1). */
  fail(reason: ClientFailure, error?: Error): void;
  /** The transaction reached Terminated (for the layer to forget it). */
  terminated(): void;
}

/** The TU of a server transaction (§17.2). */
export interface ServerTransactionUser {
  /** Timer H fired with no ACK (§17.2.1), or the transport failed while sending a response (§17.2.4). */
  fail(reason: 'timeout' | 'transport-error', error?: Error): void;
  /** RFC 6026 §7.1: an ACK that matched this transaction while Accepted is passed to the TU. */
  receiveAck?(ack: SipRequest): void;
  terminated(): void;
}

/** Common surface of the four state machines. */
export interface Transaction {
  readonly id: string;
  readonly state: string;
  /** Ends the transaction at once, without telling the far end (used when the stack closes). */
  dispose(): void;
}
