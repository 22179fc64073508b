/**
 * Parley's SIP front door: every request that does not belong to an existing dialog or transaction
 * comes here from the SIP stack. It drops banned sources, validates, authenticates with digest (RFC 3261
 * §22), keeps registrations (§10) and hands authenticated calls to the call layer.
 *
 * No answer to an unauthenticated request depends on whether an extension exists: REGISTER always gets
 * the same 401 challenge, INVITE and other requests the same 407, OPTIONS the same 200, and credentials
 * for unknown users are checked against a dummy password (see sip/auth/digest-server.ts).
 */
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { BanList, type BanListOptions, type DigestAlgorithm, DigestServer } from '../sip/auth/index.ts';
import {
  createResponse,
  getHeader,
  getHeaderValues,
  isParseError,
  parseNameAddr,
  parseUri,
  type SipHeader,
  type SipRequest,
  type SipResponse,
  validateRequest,
} from '../sip/message/index.ts';
import type { IncomingRequest, SipStack } from '../sip/stack.ts';
import type { MessageSource } from '../sip/transport/transport.ts';
import type { SipUser, UserDirectory } from '../store/directory.ts';
import type { Flow } from './registrar/binding.ts';
import { type BindingStore, FileBindingStore } from './registrar/binding-store.ts';
import { registerInputFrom, registerResponse } from './registrar/register-request.ts';
import { Registrar, type RegistrarOptions } from './registrar/registrar.ts';

/**
 * Clients older than RFC 8760 that cannot take SHA-256 first (both measured): sipp 3.6 reads only the
 * first challenge; baresip 1.0 (libre) fails when any challenge names an algorithm other than MD5.
 */
const DEFAULT_CHALLENGE_QUIRKS: ChallengeQuirk[] = [
  { userAgent: /^sipp\b/i, algorithms: ['MD5', 'SHA-256'] },
  { userAgent: /^baresip v?[01]\./i, algorithms: ['MD5'] },
];

const MD5_FIRST: DigestAlgorithm[] = ['MD5', 'SHA-256'];

/** Methods Parley handles; listed in Allow (RFC 3261 §20.5). */
export const ALLOWED_METHODS = [
  'INVITE',
  'ACK',
  'CANCEL',
  'BYE',
  'OPTIONS',
  'REGISTER',
  'INFO',
  'UPDATE',
  'PRACK',
  'REFER',
];
/** Methods we know and refuse (405) rather than not implement (501). */
const REFUSED_METHODS = new Set(['MESSAGE', 'REFER', 'NOTIFY']);
/** Event-package methods: we support no event package (RFC 6665 §7.2.2 → 489). */
const EVENT_METHODS = new Set(['SUBSCRIBE', 'PUBLISH']);

/** How the server answers one request: the stack glue turns it into a send. */
export interface RequestResponder {
  /** Send a final (or provisional) response through the server transaction. */
  respond(response: SipResponse): void;
  /** Drop the request without an answer (banned sources). */
  drop(): void;
  /** The stack's server transaction, when the request came through a stack (CANCEL, ACK, dialogs). */
  readonly incoming?: IncomingRequest;
}

/** Who placed an authenticated request. */
export interface AuthenticatedCaller {
  extension: string;
  user: SipUser;
  source: MessageSource;
}

/**
 * The call layer's hook: an authenticated INVITE (or another authenticated out-of-dialog request).
 * Returns true when it has taken the request (and will answer it); false lets the server answer.
 */
export type AuthenticatedRequestHandler = (
  request: SipRequest,
  responder: RequestResponder,
  caller: AuthenticatedCaller,
) => boolean;

export interface SipServerOptions {
  /** The SIP stack to serve; without one, feed requests to `handle` (tests, benchmarks). */
  stack?: SipStack;
  directory: UserDirectory;
  /** The SIP domain, also the digest realm. */
  domain: string;
  logger: Logger;
  /** Where bindings are saved (bindings.json) unless `bindingStore` is given. */
  dataDir?: string;
  bindingStore?: BindingStore;
  registrar?: Omit<RegistrarOptions, 'domain' | 'store' | 'logger'>;
  /** Digest algorithms offered, strongest first. Default SHA-256, MD5. */
  algorithms?: DigestAlgorithm[];
  nonceLifetimeMs?: number;
  /** HMAC key for nonces, so they stay valid across a restart; random when absent. */
  nonceSecret?: Uint8Array;
  bans?: BanListOptions;
  /** Value of the Server header. */
  serverName?: string;
  /**
   * Challenge order per User-Agent for clients that cannot take SHA-256 first; requests without a
   * User-Agent get MD5 first. Default: sipp 3.6 (MD5 first) and baresip 1.0 (MD5 only).
   */
  challengeQuirks?: ChallengeQuirk[];
  /** Option tags for Supported in OPTIONS answers (RFC 3261 §20.37); the call layer knows its own. */
  supported?: string[];
  onCall?: AuthenticatedRequestHandler;
  onRequest?: AuthenticatedRequestHandler;
  now?: () => number;
}

/** Which digest algorithms, in which order, to offer a client identified by its User-Agent. */
export interface ChallengeQuirk {
  userAgent: RegExp;
  algorithms: DigestAlgorithm[];
}

/** Counters for metrics. */
export interface SipServerStats {
  requests: number;
  dropped: number;
  challenged: number;
  authFailures: number;
  registered: number;
  badRequests: number;
}

/** The PBX's SIP entry point: auth, registrar, OPTIONS, and the hand-off to calls. */
export class SipServer {
  readonly domain: string;
  readonly registrar: Registrar;
  readonly digest: DigestServer;
  readonly bans: BanList;
  /** Set by the call layer: authenticated INVITEs outside a dialog. Until set, they get 480. */
  onCall: AuthenticatedRequestHandler | undefined;
  /** Set by the call layer: other authenticated out-of-dialog requests (e.g. MESSAGE, REFER). */
  onRequest: AuthenticatedRequestHandler | undefined;
  /**
   * Set by the call layer: an INVITE before digest authentication, so calls from a trunk's own addresses
   * (which carriers never authenticate) can be taken. Returns true when taken; anything else goes on to
   * the challenge like every other request.
   */
  onUnauthenticatedInvite:
    | ((req: SipRequest, responder: RequestResponder, source: MessageSource) => boolean)
    | undefined;
  /** Set by the call layer: requests inside a dialog the stack knows (BYE, re-INVITE, INFO…). */
  onDialogRequest: ((incoming: IncomingRequest) => boolean) | undefined;
  readonly #directory: UserDirectory;
  readonly #logger: Logger;
  readonly #serverHeader: SipHeader;
  readonly #supported: string;
  readonly #quirks: ChallengeQuirk[];
  readonly #stats: SipServerStats = {
    requests: 0,
    dropped: 0,
    challenged: 0,
    authFailures: 0,
    registered: 0,
    badRequests: 0,
  };
  #closed = false;
  readonly #unlisten: Array<() => void> = [];

  constructor(options: SipServerOptions) {
    this.domain = options.domain;
    this.#directory = options.directory;
    this.#logger = options.logger;
    this.#serverHeader = { name: 'Server', value: options.serverName ?? 'Parley' };
    this.#supported = (options.supported ?? []).join(', ');
    this.#quirks = options.challengeQuirks ?? DEFAULT_CHALLENGE_QUIRKS;
    this.onCall = options.onCall;
    this.onRequest = options.onRequest;
    const store =
      options.bindingStore ?? (options.dataDir ? new FileBindingStore(options.dataDir) : undefined);
    this.registrar = new Registrar({
      ...options.registrar,
      domain: options.domain,
      store,
      logger: options.logger,
      now: options.registrar?.now ?? options.now,
    });
    this.digest = new DigestServer({
      realm: options.domain,
      algorithms: options.algorithms,
      nonceLifetimeMs: options.nonceLifetimeMs,
      secret: options.nonceSecret,
      now: options.now,
    });
    this.bans = new BanList({ logger: options.logger, now: options.now, ...options.bans });
    if (options.stack) this.#attach(options.stack);
  }

  /** Restore saved registrations. Call before traffic arrives. */
  async start(): Promise<void> {
    const restored = await this.registrar.load();
    if (restored > 0) this.#logger.info({ restored }, 'registrations restored');
  }

  /** A stream connection closed (from the transport): forget WebSocket bindings that lived on it. */
  connectionClosed(connectionId: string): void {
    this.registrar.connectionClosed(connectionId);
  }

  /** Counters for metrics. */
  stats(): SipServerStats & { bansIssued: number } {
    return { ...this.#stats, bansIssued: this.bans.stats().bansIssued };
  }

  /**
   * Handle one out-of-dialog request. Never throws. `validated` skips the RFC 3261 §8.2 checks when the
   * stack has already made them.
   */
  handle(req: SipRequest, responder: RequestResponder, source: MessageSource, validated = false): void {
    this.#stats.requests++;
    if (this.#closed || this.bans.isBanned(banKey(source.address))) {
      // Silence: a banned guesser learns nothing, not even that we are here.
      this.#stats.dropped++;
      responder.drop();
      return;
    }
    if (req.method === 'ACK') return; // never answered (RFC 3261 §17.2.3); the stack matches its own
    try {
      const invalid = validated ? undefined : validateRequest(req);
      if (invalid) {
        this.#stats.badRequests++;
        responder.respond(this.#response(req, invalid.status, invalid.message.slice(0, 100)));
        return;
      }
      this.#dispatch(req, responder, source);
    } catch (err) {
      this.#logger.error({ err, method: req.method }, 'SIP request handling failed');
      responder.respond(this.#response(req, 500));
    }
  }

  /** Stop: writes pending registrations. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const u of this.#unlisten.splice(0)) u();
    await this.registrar.close();
  }

  /**
   * Serve a stack: every new out-of-dialog request comes to `handle` (the stack has validated it and
   * answered CANCEL, ACK and requests for unknown dialogs), and closed stream connections reach the
   * registrar so WebSocket bindings that lived on them go.
   */
  #attach(stack: SipStack): void {
    stack.onRequest((incoming) => {
      if (incoming.dialog && !this.#closed && !this.bans.isBanned(banKey(incoming.source.address))) {
        if (this.onDialogRequest?.(incoming)) return;
      }
      const responder: RequestResponder = {
        respond: (r) => incoming.respond(r),
        drop: () => incoming.drop(),
        incoming,
      };
      this.handle(incoming.request, responder, incoming.source, true);
    });
    for (const protocol of ['tcp', 'tls', 'ws', 'wss'] as const) {
      const unlisten = stack.transport(protocol)?.listen({
        message: () => {},
        connectionClosed: (id) => this.connectionClosed(id),
      });
      if (unlisten) this.#unlisten.push(unlisten);
    }
  }

  #dispatch(req: SipRequest, responder: RequestResponder, source: MessageSource): void {
    const method = req.method;
    if (method === 'OPTIONS') {
      // Answered without authentication, the same for any Request-URI (RFC 3261 §11.2).
      responder.respond(this.#response(req, 200, undefined, this.#capabilities()));
      return;
    }
    if (method === 'CANCEL') {
      // A CANCEL the transaction layer did not match to an INVITE (RFC 3261 §9.2).
      responder.respond(this.#response(req, 481));
      return;
    }
    if (EVENT_METHODS.has(method)) {
      responder.respond(
        this.#response(req, 489, undefined, [{ name: 'Allow-Events', value: '' }].slice(0, 0)),
      );
      return;
    }
    if (!ALLOWED_METHODS.includes(method) && !REFUSED_METHODS.has(method)) {
      responder.respond(this.#response(req, 501, undefined, this.#allow()));
      return;
    }
    const toTag = parseToTag(req);
    if (toTag) {
      // In-dialog requests are routed by the dialog layer; one that reaches us matches no dialog.
      responder.respond(this.#response(req, 481));
      return;
    }
    if (method === 'INVITE' && this.onUnauthenticatedInvite?.(req, responder, source)) return;
    const register = method === 'REGISTER';
    const caller = this.#authenticate(req, responder, source, register);
    if (!caller) return;
    if (register) {
      this.#register(req, responder, caller);
      return;
    }
    const hook = method === 'INVITE' ? this.onCall : this.onRequest;
    if (hook?.(req, responder, caller)) return;
    if (method === 'INVITE') responder.respond(this.#response(req, 480));
    else if (REFUSED_METHODS.has(method))
      responder.respond(this.#response(req, 405, undefined, this.#allow()));
    else responder.respond(this.#response(req, 481)); // BYE, INFO, UPDATE, PRACK outside any dialog
  }

  /**
   * Digest authentication: REGISTER is challenged with 401/WWW-Authenticate as a registrar does, other
   * requests with 407/Proxy-Authenticate as the proxy-like element we are (RFC 3261 §22.2, §22.3).
   */
  #authenticate(
    req: SipRequest,
    responder: RequestResponder,
    source: MessageSource,
    register: boolean,
  ): AuthenticatedCaller | undefined {
    const credentials = [
      ...getHeaderValues(req, 'authorization'),
      ...getHeaderValues(req, 'proxy-authorization'),
    ];
    let user: SipUser | undefined;
    const result = this.digest.authenticate({ method: req.method, uri: req.uri, credentials }, (name) => {
      user = this.#directory.findUser(name);
      return user?.sipPassword;
    });
    if (result.ok && user) return { extension: user.extension, user, source };
    if (!result.ok && result.failure) {
      this.#stats.authFailures++;
      this.bans.recordFailure(banKey(source.address), {
        method: req.method,
        username: result.username?.slice(0, 64),
        reason: result.reason,
        transport: source.transport,
      });
    }
    if (!result.ok && result.reason === 'malformed') {
      responder.respond(this.#response(req, 400, 'Malformed Authorization'));
      return undefined;
    }
    this.#stats.challenged++;
    const stale = !result.ok && result.stale;
    const name = register ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    const headers = this.digest.challenge(stale, this.#algorithmsFor(req)).map((value) => ({ name, value }));
    responder.respond(this.#response(req, register ? 401 : 407, undefined, headers));
    return undefined;
  }

  /** RFC 3261 §10.3 steps 3–8 once authenticated. */
  #register(req: SipRequest, responder: RequestResponder, caller: AuthenticatedCaller): void {
    // Step 6 of our policy: a user registers only their own address-of-record.
    const to = parseNameAddr(getHeader(req, 'to') ?? '');
    const toUri = isParseError(to) ? undefined : parseUri(to.uri);
    if (!toUri || isParseError(toUri) || toUri.user !== caller.extension) {
      responder.respond(this.#response(req, 403, 'Not allowed to register this address'));
      return;
    }
    const flow: Flow = {
      transport: caller.source.transport,
      remoteAddress: caller.source.address,
      remotePort: caller.source.port,
    };
    if (caller.source.connectionId !== undefined) flow.connectionId = caller.source.connectionId;
    const input = registerInputFrom(req, caller.extension, flow);
    if (typeof input === 'string') {
      responder.respond(this.#response(req, 400, input));
      return;
    }
    const outcome = this.registrar.register(input);
    if (outcome.status === 200) this.#stats.registered++;
    responder.respond(registerResponse(req, outcome, [this.#serverHeader]));
  }

  /** The offer depends on the User-Agent only, never on the user: no enumeration through it. */
  #algorithmsFor(req: SipRequest): readonly DigestAlgorithm[] {
    const ua = getHeader(req, 'user-agent');
    if (ua === undefined) return MD5_FIRST;
    for (const q of this.#quirks) if (q.userAgent.test(ua)) return q.algorithms;
    return this.digest.algorithms;
  }

  #capabilities(): SipHeader[] {
    return [
      ...this.#allow(),
      { name: 'Accept', value: 'application/sdp, application/dtmf-relay, application/dtmf' },
      { name: 'Accept-Encoding', value: 'identity' },
      { name: 'Accept-Language', value: 'en' },
      { name: 'Supported', value: this.#supported },
    ];
  }

  #allow(): SipHeader[] {
    return [{ name: 'Allow', value: ALLOWED_METHODS.join(', ') }];
  }

  #response(req: SipRequest, status: number, reason?: string, headers: SipHeader[] = []): SipResponse {
    return createResponse(req, status, reason, { headers: [...headers, this.#serverHeader] });
  }
}

/**
 * What a ban applies to: an IPv4 address, or the /64 of an IPv6 address (one subscriber gets a whole
 * /64, so banning single IPv6 addresses would be trivially sidestepped).
 */
export function banKey(address: string): string {
  const plain = address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  // Every request asks: an address without a colon is not IPv6, no need for the full check.
  if (!plain.includes(':') || !isIPv6(plain)) return plain;
  const [head = '', tail = ''] = plain.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = plain.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** The To tag, if the request has one (it is then inside a dialog, RFC 3261 §12.2). */
function parseToTag(req: SipRequest): string | undefined {
  const to = getHeader(req, 'to');
  if (to === undefined) return undefined;
  const na = parseNameAddr(to);
  if (isParseError(na)) return undefined;
  const tag = na.params.tag;
  return tag ?? undefined;
}
