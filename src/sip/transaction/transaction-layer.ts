/**
 * The transaction layer (RFC 3261 §17): creates the four state machines, matches every incoming
 * message to its transaction (§17.1.3 responses, §17.2.3 requests, §9.2 CANCEL), absorbs what the
 * machines absorb, and hands the rest to the transaction user: new requests, ACKs for 2xx (RFC 6026:
 * they belong to no transaction), and responses that match no transaction (stray 2xx to re-ACK).
 * For the TU, a client transaction that times out ends with a locally made 408 and one whose transport
 * failed with a 503 (§8.1.3.1, §17.1.4) — including one whose request went over a connection that then
 * closed before a final response (`connectionClosed`), at once rather than after Timer B/F.
 */
import {
  createResponse,
  getHeader,
  isParseError,
  parseCSeq,
  parseNameAddr,
  parseVia,
} from '../message/index.ts';
import type { SipRequest, SipResponse, Via } from '../message/types.ts';
import { TransportError } from '../transport/transport.ts';
import { type Clock, systemClock } from './clock.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import { T1, T2, T4, type TimerBase, type TransactionTimers, timersFor } from './timers.ts';
import type { ServerTransactionUser, TransactionSender } from './transaction-types.ts';

/** Either client state machine. */
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
/** Either server state machine. */
export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/** What the TU learns about a response: `local` when the layer made it (408 timeout, 503 transport). */
export interface ResponseInfo {
  local: boolean;
  error?: Error;
}

/** What became of an incoming request. */
export type IncomingRequestResult =
  /** A new request with its new server transaction: the TU must answer it. */
  | { kind: 'new'; transaction: ServerTransaction }
  /** A retransmission (or a non-2xx ACK) that its transaction absorbed or answered. */
  | { kind: 'absorbed'; transaction: ServerTransaction }
  /** An ACK matching no transaction: the ACK for a 2xx, for the TU (RFC 6026 §7.1). */
  | { kind: 'ack' }
  /**
   * A CANCEL (§9.2) with its own server transaction; `target` is the INVITE server transaction it
   * cancels, if one matches.
   */
  | { kind: 'cancel'; transaction: NonInviteServerTransaction; target: InviteServerTransaction | undefined }
  /** No usable top Via branch or CSeq: cannot be matched or answered reliably. */
  | { kind: 'invalid'; reason: string };

/** Options of the transaction layer. */
export interface TransactionLayerOptions {
  clock?: Clock;
  /** T1/T2/T4 (defaults 500 ms / 4 s / 5 s). */
  timerBase?: TimerBase;
}

const MAGIC = 'z9hG4bK';

function topVia(m: SipRequest | SipResponse) {
  const raw = getHeader(m, 'via');
  if (raw === undefined) return undefined;
  const v = parseVia(raw);
  return isParseError(v) ? undefined : v;
}

function cseqOf(m: SipRequest | SipResponse) {
  const raw = getHeader(m, 'cseq');
  if (raw === undefined) return undefined;
  const c = parseCSeq(raw);
  return isParseError(c) ? undefined : c;
}

function tagOf(m: SipRequest | SipResponse, header: 'from' | 'to'): string {
  const raw = getHeader(m, header);
  if (raw === undefined) return '';
  const n = parseNameAddr(raw);
  return isParseError(n) ? '' : (n.params.tag ?? '');
}

/** §17.1.3: a response matches the client transaction whose request had its top branch and CSeq method. */
export function clientKey(m: SipRequest | SipResponse): string | undefined {
  const via = topVia(m);
  const cseq = cseqOf(m);
  const branch = via?.params.branch;
  if (!branch || !cseq) return undefined;
  return `${branch}|${cseq.method}`;
}

/**
 * §17.2.3: a request matches a server transaction by the branch of its top Via, its sent-by, and its
 * method (ACK matching INVITE). `asMethod` lets CANCEL look for the INVITE it cancels (§9.2); `parsedVia`
 * is the top Via when the caller has parsed it already. Requests
 * without the RFC 3261 magic cookie fall back to RFC 2543 matching on the dialog identifiers.
 */
export function serverKey(req: SipRequest, asMethod?: string, parsedVia?: Via): string | undefined {
  const via = parsedVia ?? topVia(req);
  const cseq = cseqOf(req);
  if (!via || !cseq) return undefined;
  const method = asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  const branch = via.params.branch;
  if (branch?.startsWith(MAGIC)) return `${branch}|${sentBy}|${method}`;
  const callId = getHeader(req, 'call-id') ?? '';
  return `2543|${callId}|${tagOf(req, 'from')}|${cseq.seq}|${sentBy}|${branch ?? ''}|${method}`;
}

/**
 * A copy of a key that shares no memory with the message it was made from. The key is made of pieces
 * cut from the request's text (branch, sent-by, method), and such pieces keep the whole text alive: a
 * server transaction's key would hold its request in memory for the 64*T1 the transaction lives on.
 */
function detached(key: string): string {
  return Buffer.from(key, 'utf8').toString('utf8');
}

/**
 * The layer's hold on a server transaction's TU: passes everything on and forgets the transaction when
 * it terminates. One object rather than closures: server transactions outlive their call by 64*T1.
 */
class ServerUser implements ServerTransactionUser {
  readonly #servers: Map<string, ServerTransaction>;
  readonly #key: string;
  readonly #user: ServerTransactionUser;
  tx: ServerTransaction | undefined;

  constructor(servers: Map<string, ServerTransaction>, key: string, user: ServerTransactionUser) {
    this.#servers = servers;
    this.#key = key;
    this.#user = user;
  }

  fail(reason: 'timeout' | 'transport-error', error?: Error): void {
    this.#user.fail(reason, error);
  }

  receiveAck(ack: SipRequest): void {
    this.#user.receiveAck?.(ack);
  }

  terminated(): void {
    if (this.tx && this.#servers.get(this.#key) === this.tx) this.#servers.delete(this.#key);
    this.#user.terminated();
  }
}

/** Creates, matches and forgets transactions; see the file comment. */
export class TransactionLayer {
  readonly clock: Clock;
  readonly #base: TimerBase;
  readonly #clients = new Map<string, ClientTransaction>();
  readonly #servers = new Map<string, ServerTransaction>();
  /**
   * Client transactions by the connection their request went over, so a closing connection fails its
   * own transactions without a scan of all of them. An entry goes when its transaction terminates.
   */
  readonly #byConnection = new Map<string, Set<ClientTransaction>>();
  readonly #unreliable: TransactionTimers;
  readonly #reliable: TransactionTimers;

  constructor(options: TransactionLayerOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.#base = options.timerBase ?? { T1, T2, T4 };
    this.#unreliable = timersFor(false, this.#base);
    this.#reliable = timersFor(true, this.#base);
  }

  /** The timers for a transport kind. */
  timers(reliable: boolean): TransactionTimers {
    return reliable ? this.#reliable : this.#unreliable;
  }

  /** Transactions alive now (for stats and tests). */
  get size(): { clients: number; servers: number } {
    return { clients: this.#clients.size, servers: this.#servers.size };
  }

  /** Connections with client transactions noted on them (for tests: the index is cleaned). */
  get trackedConnections(): number {
    return this.#byConnection.size;
  }

  /**
   * Starts a client transaction for `request` (which must carry its top Via with a fresh branch) and
   * sends it. `onResponse` receives every response passed up, including the local 408/503.
   */
  sendRequest(
    request: SipRequest,
    sender: TransactionSender,
    onResponse: (response: SipResponse, info: ResponseInfo) => void,
  ): ClientTransaction {
    const key = clientKey(request);
    if (!key) throw new Error('request without a top Via branch or CSeq');
    let tx: ClientTransaction;
    let connection: string | undefined;
    // Notes the connection the request went over (its first send that names one: on a stream the
    // request goes once), unless the transaction is over by the time the write completes.
    const tracking: TransactionSender = {
      reliable: sender.reliable,
      send: (m) =>
        sender.send(m).then((id) => {
          if (id === undefined || connection !== undefined || tx.state === 'terminated') return id;
          if (sender.isOpen?.(id) === false) {
            // Closed between the write and now: its close was reported before we could note it.
            tx.connectionLost(new TransportError(`connection ${id} closed`));
            return id;
          }
          connection = id;
          this.#track(id, tx);
          return id;
        }),
    };
    const ctx = { sender: tracking, clock: this.clock, timers: this.timers(sender.reliable) };
    const user = {
      receiveResponse: (r: SipResponse) => onResponse(r, { local: false }),
      fail: (reason: 'timeout' | 'transport-error', error?: Error) => {
        // §8.1.3.1: a timeout is treated as 408, a transport failure as 503.
        const status = reason === 'timeout' ? 408 : 503;
        onResponse(createResponse(request, status), { local: true, error });
      },
      terminated: () => {
        if (this.#clients.get(key) === tx) this.#clients.delete(key);
        if (connection !== undefined) this.#untrack(connection, tx);
      },
    };
    if (request.method === 'INVITE') tx = new InviteClientTransaction(key, request, ctx, user);
    else tx = new NonInviteClientTransaction(key, request, ctx, user);
    // The constructor sends at once; a synchronous failure has already ended it (then it is not kept).
    if (tx.state !== 'terminated') this.#clients.set(key, tx);
    return tx;
  }

  /**
   * A connection closed or failed (the transports' `connectionClosed`): every client transaction whose
   * request went over it and that has no final response yet fails as a transport error (§17.1.4), which
   * its TU sees as a local 503 (§8.1.3.1). Costs the number of transactions on that connection.
   */
  connectionClosed(connectionId: string): void {
    const txs = this.#byConnection.get(connectionId);
    if (!txs) return;
    this.#byConnection.delete(connectionId);
    const error = new TransportError(`connection ${connectionId} closed`);
    for (const tx of txs) tx.connectionLost(error);
  }

  #track(connectionId: string, tx: ClientTransaction): void {
    let txs = this.#byConnection.get(connectionId);
    if (!txs) {
      txs = new Set();
      this.#byConnection.set(connectionId, txs);
    }
    txs.add(tx);
  }

  #untrack(connectionId: string, tx: ClientTransaction): void {
    const txs = this.#byConnection.get(connectionId);
    if (!txs) return;
    txs.delete(tx);
    if (txs.size === 0) this.#byConnection.delete(connectionId);
  }

  /** Passes a response to its client transaction; false when none matches (a stray for the TU). */
  receiveResponse(response: SipResponse): boolean {
    const key = clientKey(response);
    const tx = key ? this.#clients.get(key) : undefined;
    if (!tx) return false;
    tx.receiveResponse(response);
    return true;
  }

  /**
   * Matches an incoming request. For a new one, a server transaction is created with `sender` (bound to
   * where responses go, §18.2.2) and `user`. `via`: its top Via, if already parsed.
   */
  receiveRequest(
    request: SipRequest,
    sender: TransactionSender,
    user: ServerTransactionUser,
    via?: Via,
  ): IncomingRequestResult {
    const key = serverKey(request, undefined, via);
    if (!key) return { kind: 'invalid', reason: 'no parsable top Via or CSeq' };
    const existing = this.#servers.get(key);
    if (existing) {
      existing.receiveRequest(request);
      return { kind: 'absorbed', transaction: existing };
    }
    if (request.method === 'ACK') return { kind: 'ack' };
    const ctx = { sender, clock: this.clock, timers: this.timers(sender.reliable) };
    const id = detached(key);
    const wrapped = new ServerUser(this.#servers, id, user);
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(id, ctx, wrapped)
        : new NonInviteServerTransaction(id, ctx, wrapped);
    wrapped.tx = tx;
    this.#servers.set(id, tx);
    if (request.method === 'CANCEL') {
      const targetKey = serverKey(request, 'INVITE', via);
      const target = targetKey ? this.#servers.get(targetKey) : undefined;
      return {
        kind: 'cancel',
        transaction: tx as NonInviteServerTransaction,
        target: target instanceof InviteServerTransaction ? target : undefined,
      };
    }
    return { kind: 'new', transaction: tx };
  }

  /** Ends every transaction at once (the stack is closing). */
  close(): void {
    for (const tx of [...this.#clients.values()]) tx.dispose();
    for (const tx of [...this.#servers.values()]) tx.dispose();
    this.#clients.clear();
    this.#servers.clear();
    this.#byConnection.clear();
  }
}
