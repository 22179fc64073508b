/**
 * The SIP user-agent core (RFC 3261 §8, §12–§15, §17–§18) over the transports and the transaction
 * layer: what a B2BUA needs and nothing of the PBX. It stamps received/rport on incoming requests and
 * routes responses by Via (§18.2), answers what can be answered on its own (100 Trying, 400 to malformed
 * requests, 481 to requests for unknown dialogs or transactions, 200 + 487 for CANCEL), keeps
 * retransmitting our 2xx to INVITE until the ACK (§13.3.1.4), re-ACKs retransmitted 2xx (§13.2.2.4),
 * and keeps the dialogs a B2BUA creates. A request whose TCP/TLS/WebSocket connection closes before its
 * final response ends at once with a local 503 (§17.1.4, §8.1.3.1).
 */

import {
  Dialog,
  dialogKeyOfRequest,
  dialogKeyOfResponse,
  type InDialogRequestOptions,
} from './dialog/dialog.ts';
import { resolveTarget } from './dialog/resolve-target.ts';
import { Uas2xxRetransmitter } from './dialog/uas-2xx-retransmitter.ts';
import {
  addHeader,
  createCancel,
  createResponse,
  generateBranch,
  getHeader,
  isParseError,
  parseCSeq,
  parseNameAddr,
  validateRequest,
  validateResponse,
} from './message/index.ts';
import type { SipRequest, SipResponse } from './message/types.ts';
import { type Clock, systemClock, type Timer } from './transaction/clock.ts';
import { type IncomingRequest, IncomingRequestHandle } from './transaction/incoming-request.ts';
import type { InviteClientTransaction } from './transaction/invite-client-transaction.ts';
import { InviteServerTransaction } from './transaction/invite-server-transaction.ts';
import {
  type OutgoingRequest,
  OutgoingRequestHandle,
  type RequestCallbacks,
} from './transaction/outgoing-request.ts';
import type { TimerBase } from './transaction/timers.ts';
import { type ResponseInfo, TransactionLayer } from './transaction/transaction-layer.ts';
import type { ServerTransactionUser, TransactionSender } from './transaction/transaction-types.ts';
import {
  responseDestination,
  responseToMalformed,
  stampReceived,
  topVia,
} from './transport/server-transport-rules.ts';
import type {
  Destination,
  MessageSource,
  Transport,
  TransportLog,
  TransportProtocol,
  TransportStats,
} from './transport/transport.ts';

export type { IncomingRequest } from './transaction/incoming-request.ts';
export type { OutgoingRequest, RequestCallbacks } from './transaction/outgoing-request.ts';

/**
 * Where a request goes: a transport kind and an address (and, to reuse it, a connection; for TLS, the
 * host name the certificate must match).
 */
export type SipTarget = MessageSource & { serverName?: string };

/** Logger subset the stack uses (a pino logger fits). */
export interface SipStackLog extends TransportLog {
  info(obj: object, msg?: string): void;
}

/** What a SipStack is built with besides its transports. */
export interface SipStackOptions {
  /** Host written in the Via sent-by of our requests (§18.1.1). */
  viaHost: string;
  /** Host written in our Contact URIs (default: viaHost). */
  contactHost?: string;
  /** Sent as User-Agent on requests and Server on responses. */
  userAgent?: string;
  clock?: Clock;
  /** T1/T2/T4 overrides (tests on a fast LAN). */
  timerBase?: TimerBase;
  log?: SipStackLog;
  /** URI → target resolution (default: `resolveTarget`, no SRV). */
  resolve?: (uri: string) => Promise<SipTarget>;
}

/** Stack-level counters beside each transport's own. */
export interface SipStackStats {
  transports: Record<string, TransportStats>;
  /** Requests answered 400 (or 505/513…) because they failed to parse or validate. */
  answeredMalformed: number;
  /** Responses matching no transaction (stray). */
  strayResponses: number;
  /** Requests that could not be answered at all (no usable Via). */
  droppedRequests: number;
  clientTransactions: number;
  serverTransactions: number;
  dialogs: number;
}

/**
 * How long an INVITE may wait for the TU's first response before the stack sends 100 Trying itself
 * (RFC 3261 §17.2.1 allows skipping it when the TU answers within 200 ms).
 */
const TRYING_DELAY_MS = 100;

const silent: SipStackLog = { warn: () => {}, debug: () => {}, info: () => {} };

function safely(log: SipStackLog, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.warn({ err }, `SIP handler failed: ${what}`);
  }
}

function cseqOf(m: SipRequest | SipResponse): { seq: number; method: string } | undefined {
  const c = parseCSeq(getHeader(m, 'cseq') ?? '');
  return isParseError(c) ? undefined : c;
}

/** The stack as the user of one server transaction: one small object, as it lives on for 64*T1. */
class StackServerUser implements ServerTransactionUser {
  readonly #log: SipStackLog;
  readonly #onAck: (ack: SipRequest) => void;
  readonly #source: MessageSource;

  constructor(log: SipStackLog, onAck: (ack: SipRequest) => void, source: MessageSource) {
    this.#log = log;
    this.#onAck = onAck;
    this.#source = source;
  }

  fail(reason: string, error?: Error): void {
    this.#log.debug({ reason, err: error, source: this.#source }, 'SIP server transaction failed');
  }

  receiveAck(ack: SipRequest): void {
    this.#onAck(ack);
  }

  terminated(): void {}
}

/**
 * The SIP stack facade. Construct with listening transports, register `onRequest`, then send with
 * `sendRequest` / `sendInDialog`. `close()` stops everything it started (not the transports, which the
 * caller owns and closes).
 */
export class SipStack {
  readonly #transports: Transport[];
  readonly #layer: TransactionLayer;
  readonly #clock: Clock;
  readonly #log: SipStackLog;
  readonly #viaHost: string;
  readonly #contactHost: string;
  readonly #userAgent: string | undefined;
  readonly #resolve: (uri: string) => Promise<SipTarget>;
  readonly #unlisten: Array<() => void> = [];
  readonly #dialogs = new Map<string, Dialog>();
  /** The TU handle of each INVITE server transaction, for CANCEL (§9.2). */
  readonly #handles = new WeakMap<InviteServerTransaction, IncomingRequestHandle>();
  /** Our 2xx to INVITE awaiting ACK (§13.3.1.4). */
  readonly #retransmitter: Uas2xxRetransmitter<IncomingRequestHandle>;
  /** ACKs we sent for 2xx, by dialog key + CSeq number, to answer retransmitted 2xx (§13.2.2.4). */
  readonly #sentAcks = new Map<string, { ack: SipRequest; target: SipTarget; timer: Timer }>();
  #handler: ((request: IncomingRequest) => void) | undefined;
  readonly #respond = (h: IncomingRequestHandle, r: SipResponse) => this.#sendResponse(h, r);
  readonly #ackHandler = (ack: SipRequest) => this.#onAck(ack);
  #closed = false;
  #answeredMalformed = 0;
  #strayResponses = 0;
  #droppedRequests = 0;

  constructor(transports: Transport[], options: SipStackOptions) {
    this.#transports = transports;
    this.#clock = options.clock ?? systemClock;
    this.#layer = new TransactionLayer({ clock: this.#clock, timerBase: options.timerBase });
    this.#retransmitter = new Uas2xxRetransmitter(this.#clock, this.#layer.timers(false));
    this.#log = options.log ?? silent;
    this.#viaHost = options.viaHost;
    this.#contactHost = options.contactHost ?? options.viaHost;
    this.#userAgent = options.userAgent;
    this.#resolve = options.resolve ?? resolveTarget;
    for (const t of transports) {
      this.#unlisten.push(
        t.listen({
          message: (m, source) => {
            if (m.kind === 'request') this.#onRequest(t, m, source);
            else this.#onResponse(m);
          },
          malformed: (error, source) => {
            const response = responseToMalformed(error);
            if (!response || !error.partial) return;
            const via = stampReceived(error.partial, source);
            if (!via) return;
            this.#answeredMalformed++;
            this.#decorate(response);
            t.send(response, responseDestination(via, source)).catch(() => {});
          },
          // §17.1.4: requests that went over a connection now gone fail at once (a local 503).
          connectionClosed: (id) => this.#layer.connectionClosed(id),
        }),
      );
    }
  }

  /**
   * Registers the handler of new requests (one handler; a later call replaces it). It gets every request
   * that starts a server transaction except CANCEL and requests for unknown dialogs, which the stack
   * answers itself. It must answer each one (`reply`/`respond`).
   */
  onRequest(handler: (request: IncomingRequest) => void): void {
    this.#handler = handler;
  }

  /** The transport of a kind, if the stack has one. */
  transport(protocol: TransportProtocol): Transport | undefined {
    return this.#transports.find((t) => t.protocol === protocol);
  }

  /** Our Contact for a transport: `<sip:user@contactHost:port;transport=…>`. */
  contact(protocol: TransportProtocol, user?: string): string {
    const t = this.transport(protocol);
    const port = t?.localPort ?? 5060;
    const userPart = user ? `${user}@` : '';
    const param = protocol === 'udp' ? '' : `;transport=${protocol}`;
    const scheme = protocol === 'tls' || protocol === 'wss' ? 'sips' : 'sip';
    return `<${scheme}:${userPart}${this.#contactHost}:${port}${param}>`;
  }

  /**
   * Sends a request: adds our Via (new branch, rport), Max-Forwards and User-Agent to a copy of it
   * (so the same request object may be sent again, e.g. with credentials after a 401), starts its
   * client transaction, and reports responses through `callbacks`. `OutgoingRequest.request` is the
   * copy as sent.
   */
  sendRequest(original: SipRequest, target: SipTarget, callbacks: RequestCallbacks = {}): OutgoingRequest {
    const request: SipRequest = { ...original, headers: [...original.headers] };
    const transport = this.transport(target.transport);
    if (this.#closed || !transport) return this.#failLocally(request, target, callbacks);
    const outgoing = new OutgoingRequestHandle(request, target, (h) => this.#sendCancel(h));
    addHeader(request, 'Via', this.#viaFor(transport), { first: true });
    if (getHeader(request, 'max-forwards') === undefined) addHeader(request, 'Max-Forwards', '70');
    if (this.#userAgent && getHeader(request, 'user-agent') === undefined) {
      addHeader(request, 'User-Agent', this.#userAgent);
    }
    this.#startClient(outgoing, transport, callbacks);
    return outgoing;
  }

  /**
   * The UAC side of a dialog from our INVITE and a response with a To tag (§12.1.2): kept by the stack
   * so in-dialog requests from the far end are matched to it.
   */
  createUacDialog(outgoing: OutgoingRequest, response: SipResponse): Dialog | undefined {
    const key = dialogKeyOfResponse(response);
    const known = key ? this.#dialogs.get(key) : undefined;
    if (known) {
      known.receiveResponse(response);
      return known;
    }
    const flow =
      outgoing.target.transport === 'ws' || outgoing.target.transport === 'wss' ? outgoing.target : undefined;
    const dialog = Dialog.asUac(outgoing.request, response, flow);
    if (!dialog) return undefined;
    dialog.localContact = this.contact(outgoing.target.transport);
    this.#dialogs.set(dialog.key, dialog);
    (outgoing as OutgoingRequestHandle).dialogs?.push(dialog);
    return dialog;
  }

  /**
   * The UAS side of a dialog from an INVITE and our response with its To tag (§12.1.1); call it with
   * the 1xx or 2xx you are about to send (or sent) through `incoming.reply`.
   */
  createUasDialog(incoming: IncomingRequest, response: SipResponse): Dialog | undefined {
    const dialog = Dialog.asUas(incoming.request, response, incoming.source);
    if (!dialog) return undefined;
    const known = this.#dialogs.get(dialog.key);
    if (known) {
      if (response.status >= 200 && response.status < 300) known.confirm();
      (incoming as IncomingRequestHandle).dialog = known;
      return known;
    }
    dialog.localContact = this.contact(incoming.source.transport);
    this.#dialogs.set(dialog.key, dialog);
    (incoming as IncomingRequestHandle).dialog = dialog;
    return dialog;
  }

  /** A dialog this stack keeps, by the key `Dialog.key`. */
  dialog(key: string): Dialog | undefined {
    return this.#dialogs.get(key);
  }

  /** Forgets a dialog (after BYE; the stack does it itself for BYEs it sends or receives). */
  forgetDialog(dialog: Dialog): void {
    dialog.terminate();
    this.#dialogs.delete(dialog.key);
  }

  /**
   * §13.2.2.4: the ACK for a 2xx to our INVITE (or re-INVITE), sent end to end outside any transaction
   * and kept to answer retransmissions of that 2xx. Confirms the dialog. Never rejects: resolves false
   * (and logs) when the ACK could not be sent; the far end then stops retransmitting after 64*T1 and
   * should hang up (§13.3.1.4).
   */
  async sendAck(
    dialog: Dialog,
    response: SipResponse,
    options: InDialogRequestOptions = {},
  ): Promise<boolean> {
    dialog.receiveResponse(response);
    const cseq = cseqOf(response);
    const ack = dialog.createRequest('ACK', options, cseq?.seq ?? dialog.localSeq ?? 1);
    let target: SipTarget;
    try {
      target = await this.#targetFor(dialog);
    } catch (err) {
      this.#log.warn({ err, target: dialog.nextHop() }, 'ACK target does not resolve');
      return false;
    }
    const transport = this.transport(target.transport);
    if (!transport || this.#closed) return false;
    addHeader(ack, 'Via', this.#viaFor(transport), { first: true });
    const key = `${dialog.key}|${cseq?.seq}`;
    this.#sentAcks.get(key)?.timer.cancel();
    // Kept for 64*T1: as long as the far end may retransmit its 2xx.
    const timer = this.#clock.setTimer(this.#layer.timers(false).H, () => this.#sentAcks.delete(key));
    this.#sentAcks.set(key, { ack, target, timer });
    try {
      await transport.send(ack, target);
      return true;
    } catch (err) {
      this.#log.warn({ err, target }, 'ACK not sent');
      return false;
    }
  }

  /**
   * Sends a request within a dialog (§12.2.1.1): BYE, re-INVITE, INFO, UPDATE… A BYE ends the dialog
   * for the stack at once (§15.1.1).
   */
  sendInDialog(
    dialog: Dialog,
    method: string,
    options: InDialogRequestOptions = {},
    callbacks: RequestCallbacks = {},
  ): Promise<OutgoingRequest> {
    const request = dialog.createRequest(method, options);
    if (method === 'BYE') this.forgetDialog(dialog);
    if (method === 'INVITE') {
      // §14.1: one re-INVITE at a time per dialog; the slot frees with its final response.
      dialog.inviteInProgress = 'uac';
      const onFinal = callbacks.onFinal;
      callbacks = {
        ...callbacks,
        onFinal: (r, info, out) => {
          if (dialog.inviteInProgress === 'uac') dialog.inviteInProgress = undefined;
          onFinal?.(r, info, out);
        },
      };
    }
    return this.#targetFor(dialog).then(
      (target) => this.sendRequest(request, target, callbacks),
      (err: Error) => {
        this.#log.debug({ err, target: dialog.nextHop() }, 'in-dialog target does not resolve');
        return this.#failLocally(request, { transport: 'udp', address: '', port: 0 }, callbacks);
      },
    );
  }

  stats(): SipStackStats {
    const transports: Record<string, TransportStats> = {};
    for (const t of this.#transports) transports[t.protocol] = t.stats();
    const size = this.#layer.size;
    return {
      transports,
      answeredMalformed: this.#answeredMalformed,
      strayResponses: this.#strayResponses,
      droppedRequests: this.#droppedRequests,
      clientTransactions: size.clients,
      serverTransactions: size.servers,
      dialogs: this.#dialogs.size,
    };
  }

  /** Ends every transaction and timer and stops listening; the transports stay open (their owner closes them). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const off of this.#unlisten.splice(0)) off();
    this.#retransmitter.close();
    for (const a of this.#sentAcks.values()) a.timer.cancel();
    this.#sentAcks.clear();
    this.#layer.close();
    this.#dialogs.clear();
  }

  // ——— internals used by the handles ———

  /** Sends a response through the request's server transaction; a 2xx to INVITE is retransmitted until ACK. */
  #sendResponse(incoming: IncomingRequestHandle, response: SipResponse): void {
    const tx = incoming.tx;
    if (!tx) return;
    this.#decorate(response);
    tx.respond(response);
    if (tx instanceof InviteServerTransaction && response.status >= 200) {
      // A CANCEL now finds nothing to cancel (§9.2); the transaction, living on for its timers, must not
      // keep the call's handle alive through this map.
      this.#handles.delete(tx);
      if (response.status < 300) this.#retransmit2xx(incoming, tx, response);
    }
    // §12.3: a non-2xx final response ends the early dialog an earlier 1xx created.
    if (response.status >= 300 && incoming.dialog?.state === 'early') this.forgetDialog(incoming.dialog);
    const d = incoming.dialog;
    if (response.status >= 200 && d?.inviteInProgress === 'uas' && incoming.request.method === 'INVITE') {
      d.inviteInProgress = undefined;
    }
  }

  /** §9.1: CANCEL with the INVITE's Request-URI, Call-ID, To, From, CSeq number, top Via and Route. */
  #sendCancel(outgoing: OutgoingRequestHandle): void {
    if (outgoing.cancelSent || outgoing.finalResponse) return;
    outgoing.cancelSent = true;
    const invite = outgoing.request;
    const cancel = createCancel(invite);
    if (!cancel) return;
    const transport = this.transport(outgoing.target.transport);
    if (!transport) return;
    this.#layer.sendRequest(cancel, this.#sender(transport, outgoing.target), () => {});
    // §9.1: no final response to the INVITE within 64*T1 of the CANCEL: consider it cancelled.
    this.#clock.setTimer(this.#layer.timers(transport.reliable).B, () => {
      if (outgoing.finalResponse) return;
      (outgoing.tx as InviteClientTransaction | undefined)?.dispose();
      this.#finishClient(outgoing, createResponse(invite, 408), { local: true }, outgoing.callbacks);
    });
  }

  // ——— private ———

  /** No way to send: the TU hears a local 503, as for any transport failure (§8.1.3.1). */
  #failLocally(request: SipRequest, target: SipTarget, callbacks: RequestCallbacks): OutgoingRequest {
    const outgoing = new OutgoingRequestHandle(request, target, (h) => this.#sendCancel(h));
    const response = createResponse(request, 503);
    outgoing.finalResponse = response;
    queueMicrotask(() =>
      safely(this.#log, 'onFinal', () => callbacks.onFinal?.(response, { local: true }, outgoing)),
    );
    return outgoing;
  }

  #viaFor(transport: Transport): string {
    return `SIP/2.0/${transport.protocol.toUpperCase()} ${this.#viaHost}:${transport.localPort};branch=${generateBranch()};rport`;
  }

  #sender(transport: Transport, destination: Destination): TransactionSender {
    return {
      reliable: transport.reliable,
      send: (m) => transport.send(m, destination),
      isOpen: (id) => transport.hasConnection(id),
    };
  }

  #decorate(response: SipResponse): void {
    if (this.#userAgent && getHeader(response, 'server') === undefined) {
      // Before Content-Length, which serializers and humans expect last.
      const i = response.headers.findIndex((h) => /^(content-length|l)$/i.test(h.name));
      const line = { name: 'Server', value: this.#userAgent };
      if (i < 0) response.headers.push(line);
      else response.headers.splice(i, 0, line);
    }
  }

  async #targetFor(dialog: Dialog): Promise<SipTarget> {
    // Reuse the connection or NAT binding the dialog came over when nothing else routes it (RFC 5923 spirit).
    if (dialog.routeSet.length === 0 && dialog.flow) {
      const flow = dialog.flow;
      const transport = this.transport(flow.transport);
      if (!flow.connectionId || transport?.hasConnection(flow.connectionId)) return flow;
    }
    return this.#resolve(dialog.nextHop());
  }

  #startClient(outgoing: OutgoingRequestHandle, transport: Transport, callbacks: RequestCallbacks): void {
    outgoing.callbacks = callbacks;
    outgoing.tx = this.#layer.sendRequest(
      outgoing.request,
      this.#sender(transport, outgoing.target),
      (r, info) => {
        if (r.status < 200) {
          outgoing.provisional = true;
          if (outgoing.cancelWanted) this.#sendCancel(outgoing);
          safely(this.#log, 'onProvisional', () => callbacks.onProvisional?.(r, outgoing));
          return;
        }
        if (outgoing.finalResponse) {
          // A 2xx retransmission: re-send our ACK (§13.2.2.4). A 2xx from another fork (another To
          // tag): the TU took the first answer, so this one is ACKed and hung up at once (§13.2.2.4).
          if (!this.#reAck(r) && this.#toTag(r) !== this.#toTag(outgoing.finalResponse)) {
            this.#dropFork(outgoing, r);
          }
          return;
        }
        this.#finishClient(outgoing, r, info, callbacks);
      },
    );
  }

  #toTag(m: SipResponse): string | undefined {
    const to = getHeader(m, 'to');
    const n = to === undefined ? undefined : parseNameAddr(to);
    return n && !isParseError(n) ? (n.params.tag ?? undefined) : undefined;
  }

  #dropFork(outgoing: OutgoingRequestHandle, r: SipResponse): void {
    if (r.status >= 300 || cseqOf(r)?.method !== 'INVITE') return;
    const dialog = this.createUacDialog(outgoing, r);
    if (!dialog) return;
    this.#log.debug({ callId: dialog.id.callId }, 'second 2xx from another fork: ACK and BYE');
    void this.sendAck(dialog, r).then(() => this.sendInDialog(dialog, 'BYE'));
  }

  #finishClient(
    outgoing: OutgoingRequestHandle,
    r: SipResponse,
    info: ResponseInfo,
    callbacks: RequestCallbacks,
  ): void {
    if (outgoing.finalResponse) return;
    outgoing.finalResponse = r;
    // §12.3 / §13.2.2.4: a final response ends the early dialogs it does not confirm.
    const confirmed = r.status < 300 ? this.#toTag(r) : undefined;
    for (const d of outgoing.dialogs) {
      if (d.state === 'early' && d.id.remoteTag !== confirmed) this.forgetDialog(d);
    }
    safely(this.#log, 'onFinal', () => callbacks.onFinal?.(r, info, outgoing));
  }

  #reAck(response: SipResponse): boolean {
    const key = dialogKeyOfResponse(response);
    const cseq = cseqOf(response);
    const sent = key && cseq ? this.#sentAcks.get(`${key}|${cseq.seq}`) : undefined;
    if (!sent) return false;
    this.transport(sent.target.transport)
      ?.send(sent.ack, sent.target)
      .catch(() => {});
    return true;
  }

  #onResponse(response: SipResponse): void {
    if (this.#closed) return;
    // §18.1.2: a response whose top Via is not ours, or that is malformed, is dropped.
    const via = topVia(response);
    if (!via || via.host.toLowerCase() !== this.#viaHost.toLowerCase() || validateResponse(response)) {
      this.#strayResponses++;
      return;
    }
    if (this.#layer.receiveResponse(response)) return;
    // A 2xx to INVITE after its transaction ended: the ACK was lost, send it again (§13.2.2.4).
    if (response.status >= 200 && response.status < 300 && cseqOf(response)?.method === 'INVITE') {
      if (this.#reAck(response)) return;
    }
    this.#strayResponses++;
  }

  #onRequest(transport: Transport, request: SipRequest, source: MessageSource): void {
    if (this.#closed) return;
    const via = stampReceived(request, source);
    if (!via) {
      this.#droppedRequests++;
      return;
    }
    const destination = responseDestination(via, source);
    const invalid = validateRequest(request);
    if (invalid) {
      if (request.method !== 'ACK') {
        this.#answeredMalformed++;
        const response = createResponse(request, invalid.status);
        this.#decorate(response);
        transport.send(response, destination).catch(() => {});
      } else {
        this.#droppedRequests++;
      }
      return;
    }
    // The top Via as stamped: its branch and sent-by, which match the transaction, are as received.
    const result = this.#layer.receiveRequest(
      request,
      this.#sender(transport, destination),
      this.#serverUser(source),
      via,
    );
    switch (result.kind) {
      case 'invalid':
        this.#droppedRequests++;
        return;
      case 'absorbed':
        return;
      case 'ack':
        this.#onAck(request);
        return;
    }
    // Only a request that starts a transaction gets a handle (not ACKs and retransmissions).
    const dialogKey = dialogKeyOfRequest(request);
    const dialog = dialogKey ? this.#dialogs.get(dialogKey) : undefined;
    const incoming = new IncomingRequestHandle(request, source, dialog, this.#respond);
    switch (result.kind) {
      case 'cancel': {
        incoming.tx = result.transaction;
        const target = result.target;
        if (!target) {
          incoming.reply(481); // §9.2: no matching INVITE transaction
          return;
        }
        incoming.reply(200);
        const inviteHandle = this.#handles.get(target);
        if (target.state === 'proceeding' && inviteHandle && !inviteHandle.answered) {
          // §9.2: the UAS answers the INVITE 487 (Request Terminated).
          inviteHandle.cancelled = true;
          inviteHandle.reply(487);
          for (const h of inviteHandle.cancelHandlers) safely(this.#log, 'onCancel', h);
        }
        return;
      }
      case 'new':
        break;
    }
    const tx = result.transaction;
    incoming.tx = tx;
    if (tx instanceof InviteServerTransaction) this.#handles.set(tx, incoming);
    // §12.2.2: an in-dialog request (To tag) for a dialog we do not know gets 481.
    const to = getHeader(request, 'to');
    const toAddr = to === undefined ? undefined : parseNameAddr(to);
    const toTag = toAddr && !isParseError(toAddr) ? toAddr.params.tag : undefined;
    if (toTag && !dialog) {
      incoming.reply(481);
      return;
    }
    if (dialog) {
      const refuse = dialog.receiveRequest(request);
      if (refuse) {
        incoming.reply(refuse);
        return;
      }
      if (request.method === 'BYE') this.forgetDialog(dialog);
      if (request.method === 'INVITE') {
        // §14.2: glare with our own re-INVITE → 491; a second one of theirs → 500 with Retry-After.
        if (dialog.inviteInProgress === 'uac') {
          incoming.reply(491);
          return;
        }
        if (dialog.inviteInProgress === 'uas') {
          const retryAfter = String(Math.floor(Math.random() * 10));
          incoming.reply(500, undefined, { headers: [{ name: 'Retry-After', value: retryAfter }] });
          return;
        }
        dialog.inviteInProgress = 'uas';
      }
    }
    if (!this.#handler) {
      incoming.reply(request.method === 'OPTIONS' ? 200 : 501);
      return;
    }
    const handler = this.#handler;
    safely(this.#log, 'onRequest', () => handler(incoming));
    if (!(tx instanceof InviteServerTransaction) && !incoming.answered) {
      // A non-INVITE the TU never answers would hold its transaction forever; the client gave up
      // after Timer F (64*T1) anyway.
      this.#clock.setTimer(this.#layer.timers(false).F, () => {
        if (incoming.answered || this.#closed) return;
        this.#log.warn({ method: request.method, source }, 'request left unanswered: transaction dropped');
        incoming.drop();
      });
    }
    // §17.2.1: a 100 unless the TU answers within 200 ms. Most answer within a few (a conference answers
    // once its media session is open): the 100 goes only if nothing has gone out after TRYING_DELAY_MS,
    // well before the caller's first retransmission (Timer A, T1 = 500 ms).
    if (tx instanceof InviteServerTransaction && !incoming.responded && !incoming.dropped) {
      this.#clock.setTimer(TRYING_DELAY_MS, () => {
        if (!incoming.responded && !incoming.dropped && tx.state === 'proceeding' && !this.#closed) {
          tx.respond(createResponse(request, 100));
        }
      });
    }
  }

  /**
   * The stack as user of a server transaction. Made here, not where the request is handled: a completed
   * transaction lives on for 64*T1 to answer retransmissions, and closures made there would keep the
   * whole call they belong to alive that long.
   */
  #serverUser(source: MessageSource): ServerTransactionUser {
    return new StackServerUser(this.#log, this.#ackHandler, source);
  }

  #retransmit2xx(incoming: IncomingRequestHandle, tx: InviteServerTransaction, response: SipResponse): void {
    // The ACK carries the dialog (our To tag is in the response) and the INVITE's CSeq number.
    const dialog = dialogKeyOfRequest({ ...incoming.request, headers: response.headers });
    this.#retransmitter.start(
      `${dialog}|${cseqOf(response)?.seq}`,
      incoming,
      () => tx.respond(response),
      () => {
        for (const h of incoming.ackTimeoutHandlers) safely(this.#log, 'onAckTimeout', h);
      },
    );
  }

  #onAck(ack: SipRequest): void {
    // Nothing pending: a retransmitted ACK, or one for a 2xx we no longer track.
    const incoming = this.#retransmitter.ack(`${dialogKeyOfRequest(ack)}|${cseqOf(ack)?.seq}`);
    for (const h of incoming?.ackHandlers ?? []) safely(this.#log, 'onAck', () => h(ack));
  }
}
