/**
 * A SIP dialog (RFC 3261 §12): the peer-to-peer relationship an INVITE creates, identified by Call-ID,
 * local tag and remote tag. It keeps what every in-dialog request needs: the route set (from
 * Record-Route), the remote target (from Contact), the local and remote CSeq numbers, and the local and
 * remote URIs. Pure state: it builds requests but sends nothing (the stack does).
 */
import {
  createRequest,
  formatUri,
  getHeader,
  getHeaderValues,
  isParseError,
  parseCSeq,
  parseNameAddr,
  parseUri,
} from '../message/index.ts';
import type { SipHeader, SipRequest, SipResponse } from '../message/types.ts';
import type { MessageSource } from '../transport/transport.ts';

/** Early (from a 1xx with a To tag), confirmed (from a 2xx), or terminated (§12). */
export type DialogState = 'early' | 'confirmed' | 'terminated';

/** §12: a dialog is identified by Call-ID, local tag and remote tag. */
export interface DialogId {
  callId: string;
  localTag: string;
  remoteTag: string;
}

/** Options of an in-dialog request. */
export interface InDialogRequestOptions {
  body?: Uint8Array;
  contentType?: string;
  headers?: SipHeader[];
}

function tag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const n = parseNameAddr(value);
  return isParseError(n) ? undefined : (n.params.tag ?? undefined);
}

function contactUri(m: SipRequest | SipResponse): string | undefined {
  const value = getHeader(m, 'contact');
  if (value === undefined) return undefined;
  const n = parseNameAddr(value);
  return isParseError(n) ? undefined : n.uri;
}

function cseqNumber(m: SipRequest | SipResponse): number {
  const c = parseCSeq(getHeader(m, 'cseq') ?? '');
  return isParseError(c) ? 0 : c.seq;
}

/** A dialog's key, as seen from our side: Call-ID, our tag, their tag. */
export function dialogKey(id: DialogId): string {
  return `${id.callId}|${id.localTag}|${id.remoteTag}`;
}

/** The key of the dialog an incoming request belongs to (our tag is in its To, theirs in its From). */
export function dialogKeyOfRequest(req: SipRequest): string | undefined {
  const callId = getHeader(req, 'call-id');
  const local = tag(getHeader(req, 'to'));
  const remote = tag(getHeader(req, 'from'));
  if (!callId || !local || remote === undefined) return undefined;
  return dialogKey({ callId, localTag: local, remoteTag: remote });
}

/** The key of the dialog a response to our request belongs to (our tag is in its From). */
export function dialogKeyOfResponse(res: SipResponse): string | undefined {
  const callId = getHeader(res, 'call-id');
  const local = tag(getHeader(res, 'from'));
  const remote = tag(getHeader(res, 'to'));
  if (!callId || !local || !remote) return undefined;
  return dialogKey({ callId, localTag: local, remoteTag: remote });
}

/** One dialog, UAC or UAS side; build with `Dialog.asUac` / `Dialog.asUas`. */
export class Dialog {
  readonly id: DialogId;
  readonly role: 'uac' | 'uas';
  #state: DialogState;
  /** Our last CSeq number; undefined until we send a request in a dialog we accepted (§12.1.1). */
  localSeq: number | undefined;
  /** The peer's last CSeq number; undefined until it sends one in a dialog we created (§12.1.2). */
  remoteSeq: number | undefined;
  /** From (UAC) or To (UAS) with our tag, as it goes into our requests' From. */
  readonly localAddr: string;
  /** To (UAC) or From (UAS) with the peer's tag, as it goes into our requests' To. */
  readonly remoteAddr: string;
  /** Where in-dialog requests go: the peer's Contact URI (§12.1.1, §12.1.2), updated by target refreshes. */
  remoteTarget: string;
  /** Record-Route values, in the order our requests must carry them as Route. */
  routeSet: string[];
  /** §12.1.1: sips Request-URI over TLS. */
  readonly secure: boolean;
  /** Our Contact for target-refresh requests (re-INVITE, UPDATE). */
  localContact: string | undefined;
  /** The connection the dialog was established over, reused for in-dialog requests (RFC 5923 spirit). */
  flow: MessageSource | undefined;
  /** A re-INVITE in progress in this dialog: ours (`uac`), the peer's (`uas`), or none (§14.1, §14.2). */
  inviteInProgress: 'uac' | 'uas' | undefined;

  private constructor(init: {
    id: DialogId;
    role: 'uac' | 'uas';
    state: DialogState;
    localSeq: number | undefined;
    remoteSeq: number | undefined;
    localAddr: string;
    remoteAddr: string;
    remoteTarget: string;
    routeSet: string[];
    secure: boolean;
    flow?: MessageSource;
  }) {
    this.id = init.id;
    this.role = init.role;
    this.#state = init.state;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.localAddr = init.localAddr;
    this.remoteAddr = init.remoteAddr;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.secure = init.secure;
    this.flow = init.flow;
  }

  /**
   * §12.1.1: the UAS side of a dialog, from the INVITE and our response carrying a To tag (1xx → early,
   * 2xx → confirmed). Returns undefined when the messages cannot make a dialog (no Contact, no tags).
   */
  static asUas(invite: SipRequest, response: SipResponse, flow?: MessageSource): Dialog | undefined {
    const callId = getHeader(invite, 'call-id');
    const localTag = tag(getHeader(response, 'to'));
    const remoteTag = tag(getHeader(invite, 'from')) ?? '';
    const target = contactUri(invite);
    const to = getHeader(response, 'to');
    const from = getHeader(invite, 'from');
    if (!callId || !localTag || !target || !to || !from) return undefined;
    return new Dialog({
      id: { callId, localTag, remoteTag },
      role: 'uas',
      state: response.status >= 200 ? 'confirmed' : 'early',
      localSeq: undefined,
      remoteSeq: cseqNumber(invite),
      localAddr: to,
      remoteAddr: from,
      remoteTarget: target,
      // §12.1.1: "The route set MUST be set to the list of URIs in the Record-Route header field from
      // the request, taken in order and preserving all URI parameters."
      routeSet: getHeaderValues(invite, 'record-route'),
      secure: invite.uri.toLowerCase().startsWith('sips:') && flow?.transport === 'tls',
      flow,
    });
  }

  /**
   * §12.1.2: the UAC side of a dialog, from our INVITE and a response with a To tag (1xx → early,
   * 2xx → confirmed).
   */
  static asUac(invite: SipRequest, response: SipResponse, flow?: MessageSource): Dialog | undefined {
    const callId = getHeader(invite, 'call-id');
    const localTag = tag(getHeader(invite, 'from'));
    const remoteTag = tag(getHeader(response, 'to'));
    const target = contactUri(response);
    const to = getHeader(response, 'to');
    const from = getHeader(invite, 'from');
    if (!callId || !localTag || !remoteTag || !target || !to || !from) return undefined;
    return new Dialog({
      id: { callId, localTag, remoteTag },
      role: 'uac',
      state: response.status >= 200 ? 'confirmed' : 'early',
      localSeq: cseqNumber(invite),
      remoteSeq: undefined,
      localAddr: from,
      remoteAddr: to,
      remoteTarget: target,
      // §12.1.2: the Record-Route of the response, in reverse order.
      routeSet: getHeaderValues(response, 'record-route').reverse(),
      secure: invite.uri.toLowerCase().startsWith('sips:'),
      flow,
    });
  }

  get state(): DialogState {
    return this.#state;
  }

  get key(): string {
    return dialogKey(this.id);
  }

  /**
   * A response to our INVITE in this dialog (UAC): a 2xx confirms an early dialog and, per §13.2.2.4,
   * recomputes its route set; Contact refreshes the remote target (§12.2.1.2).
   */
  receiveResponse(response: SipResponse): void {
    if (this.#state === 'terminated') return;
    const target = contactUri(response);
    if (target) this.remoteTarget = target;
    if (response.status >= 200 && response.status < 300 && this.#state === 'early') {
      if (this.role === 'uac') this.routeSet = getHeaderValues(response, 'record-route').reverse();
      this.#state = 'confirmed';
    }
  }

  /** Our 2xx was sent (UAS): the dialog is confirmed (§12.1.1). */
  confirm(): void {
    if (this.#state === 'early') this.#state = 'confirmed';
  }

  terminate(): void {
    this.#state = 'terminated';
  }

  /**
   * §12.2.2: checks an incoming in-dialog request. Returns the status to answer when it must be refused
   * (500 for a CSeq lower than the last one), undefined when it may be processed. A target refresh
   * (re-INVITE, UPDATE) with a Contact moves the remote target.
   */
  receiveRequest(request: SipRequest): number | undefined {
    if (request.method === 'ACK' || request.method === 'CANCEL') return undefined;
    const seq = cseqNumber(request);
    if (this.remoteSeq !== undefined && seq <= this.remoteSeq) return 500;
    this.remoteSeq = seq;
    if (request.method === 'INVITE' || request.method === 'UPDATE') {
      const target = contactUri(request);
      if (target) this.remoteTarget = target;
    }
    return undefined;
  }

  /** The URI the next hop is reached at: the first Route when there is a route set, else the remote target. */
  nextHop(): string {
    const first = this.routeSet[0];
    if (first === undefined) return this.remoteTarget;
    const n = parseNameAddr(first);
    return isParseError(n) ? this.remoteTarget : n.uri;
  }

  /**
   * §12.2.1.1: a request within the dialog (no Via: the stack adds it). CSeq is the local sequence number
   * plus one (or `cseq` for the ACK of a 2xx, §13.2.2.4). With a loose first route (`lr`) the Request-URI
   * is the remote target and the route set goes into Route; with a strict one, the first route becomes
   * the Request-URI and the remote target goes last in Route.
   */
  createRequest(method: string, options: InDialogRequestOptions = {}, cseq?: number): SipRequest {
    let seq = cseq;
    if (seq === undefined) {
      // §12.1.1: a UAS's local sequence starts empty; any starting value is fine, we start low and random.
      this.localSeq = (this.localSeq ?? Math.floor(Math.random() * 10_000)) + 1;
      seq = this.localSeq;
    }
    let uri = this.remoteTarget;
    let routes = this.routeSet;
    const first = this.routeSet[0];
    if (first !== undefined) {
      const firstAddr = parseNameAddr(first);
      const firstUri = isParseError(firstAddr) ? undefined : parseUri(firstAddr.uri);
      if (firstUri && !isParseError(firstUri) && !('lr' in firstUri.params)) {
        // Strict router (RFC 2543): strip what a Request-URI may not hold (§19.1.1 Table 1).
        const { method: _m, ttl: _t, maddr: _a, lr: _l, ...params } = firstUri.params;
        uri = formatUri({ ...firstUri, params, headers: {} });
        routes = [...this.routeSet.slice(1), `<${this.remoteTarget}>`];
      }
    }
    const refresh = method === 'INVITE' || method === 'UPDATE';
    return createRequest({
      method,
      uri,
      from: this.localAddr,
      to: this.remoteAddr,
      callId: this.id.callId,
      cseq: seq,
      routes,
      contact: refresh ? this.localContact : undefined,
      headers: options.headers,
      body: options.body,
      contentType: options.contentType,
    });
  }
}
