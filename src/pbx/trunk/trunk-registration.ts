/**
 * Parley registering to a carrier (RFC 3261 §10.2): REGISTER with the trunk's credentials, answered
 * challenges (§22.2), a refresh before the binding expires, retries with back-off after failures, and a
 * status the console shows. `close()` unregisters (Expires: 0) and stops.
 *
 * One REGISTER at a time (§10.2: no new one before the previous one's final response): cycles (a REGISTER,
 * its challenge, the answer) run one after the other, and a stop during one turns it into the
 * unregistration rather than racing it.
 */
import { DigestClient } from '../../sip/auth/index.ts';
import { resolveTarget } from '../../sip/dialog/resolve-target.ts';
import {
  createRequest,
  generateCallId,
  generateTag,
  getHeader,
  getHeaderValues,
  isParseError,
  parseNameAddr,
  type SipResponse,
} from '../../sip/message/index.ts';
import type { SipStack, SipTarget } from '../../sip/stack.ts';

export interface TrunkAccount {
  id: string;
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  username?: string;
  password?: string;
}

export type RegistrationState = 'registering' | 'registered' | 'failed' | 'stopped';

export interface RegistrationStatus {
  state: RegistrationState;
  /** Absolute expiry of the binding, ms since the epoch. */
  expiresAt?: number;
  /** The last failure in plain words. */
  lastError?: string;
}

/** Requested binding lifetime, seconds. */
const REQUESTED_EXPIRES = 600;
/** Back-off after a failure: 5 s doubling to 5 minutes. */
const RETRY_MIN_MS = 5_000;
const RETRY_MAX_MS = 300_000;

export class TrunkRegistration {
  readonly account: TrunkAccount;
  readonly #stack: SipStack;
  readonly #callId = generateCallId();
  readonly #fromTag = generateTag();
  readonly #digest: DigestClient | undefined;
  #cseq = 0;
  #timer: NodeJS.Timeout | undefined;
  #retryMs = RETRY_MIN_MS;
  #status: RegistrationStatus = { state: 'registering' };
  #stopped = false;
  /** Until when the registrar may hold our binding (ms since the epoch): 0 when none can exist. */
  #boundUntil = 0;
  /** The registration cycle under way, if any. */
  #cycle: Promise<void> | undefined;
  readonly #onChange: (status: RegistrationStatus) => void;

  constructor(
    stack: SipStack,
    account: TrunkAccount,
    onChange: (status: RegistrationStatus) => void = () => {},
  ) {
    this.#stack = stack;
    this.account = account;
    this.#onChange = onChange;
    this.#digest =
      account.username && account.password
        ? new DigestClient({ username: account.username, password: account.password })
        : undefined;
  }

  get status(): RegistrationStatus {
    return this.#status;
  }

  start(): void {
    void this.#run(REQUESTED_EXPIRES);
  }

  /**
   * Unregisters (best effort) and stops refreshing: after it, no REGISTER but the unregistration goes out
   * (§10.2.2). A cycle under way while a binding may exist ends with the unregistration itself and is
   * waited for; one with no binding yet (a first registration, a retry) is not: should it still be
   * granted, it unregisters then. Idempotent.
   */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (!this.#cycle || this.#bound()) await this.#run(0);
    this.#set({ state: 'stopped' });
  }

  /** The registrar may still hold our binding. */
  #bound(): boolean {
    return Date.now() < this.#boundUntil;
  }

  /** Starts a cycle once the one under way (if any) has ended: never two REGISTERs at once (§10.2). */
  #run(expires: number): Promise<void> {
    const cycle: Promise<void> = (this.#cycle ?? Promise.resolve())
      .then(() => this.#register(expires))
      .catch(() => {})
      .finally(() => {
        if (this.#cycle === cycle) this.#cycle = undefined;
      });
    this.#cycle = cycle;
    return cycle;
  }

  #set(status: RegistrationStatus): void {
    this.#status = status;
    try {
      this.#onChange(status);
    } catch {
      // status listeners never break registration
    }
  }

  #schedule(ms: number, expires: number): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#run(expires), ms);
    this.#timer.unref();
  }

  #fail(message: string): void {
    if (this.#stopped) return;
    this.#set({ state: 'failed', lastError: message });
    this.#schedule(this.#retryMs, REQUESTED_EXPIRES);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  async #register(expires: number): Promise<void> {
    // Stopped, nothing bound: there is nothing to remove.
    if (expires === 0 && !this.#bound()) return;
    const a = this.account;
    const uri = `sip:${a.host}${a.port ? `:${a.port}` : ''}`;
    let target: SipTarget;
    try {
      target = await resolveTarget(`${uri};transport=${a.transport}`);
    } catch {
      this.#fail(`the carrier host "${a.host}" does not resolve`);
      return;
    }
    const aor = `<sip:${a.username ?? 'parley'}@${a.host}>`;
    let auth: { name: string; value: string } | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (this.#stopped && expires !== 0) {
        // Stopped during this cycle (a refresh whose timer had fired, or challenged): the refresh is not
        // carried on. The unregistration supersedes it when a binding may exist, answering the challenge
        // just received if there was one (its credentials cover method and URI, not Expires: §22.4);
        // otherwise nothing more goes out.
        if (!this.#bound()) return;
        expires = 0;
      }
      if (expires === 0) this.#boundUntil = 0;
      const response = await this.#send(uri, aor, expires, target, auth);
      const status = response.status;
      if (status >= 200 && status < 300) {
        if (expires === 0) return;
        const granted = grantedExpires(response) ?? REQUESTED_EXPIRES;
        this.#boundUntil = Date.now() + granted * 1000;
        // Granted after the stop: removed at once.
        if (this.#stopped) return this.#register(0);
        this.#retryMs = RETRY_MIN_MS;
        this.#set({ state: 'registered', expiresAt: Date.now() + granted * 1000 });
        // Refresh well before expiry: at 80 %, at least 5 s ahead.
        this.#schedule(Math.max(granted * 800, granted * 1000 - 5_000, 1_000), REQUESTED_EXPIRES);
        return;
      }
      if ((status === 401 || status === 407) && this.#digest) {
        const challenge = getHeaderValues(
          response,
          status === 401 ? 'www-authenticate' : 'proxy-authenticate',
        );
        const value = this.#digest.authorize(challenge, 'REGISTER', uri);
        if (!value) break;
        auth = { name: status === 401 ? 'Authorization' : 'Proxy-Authorization', value };
        continue;
      }
      if (status === 423) {
        const min = Number(getHeader(response, 'min-expires'));
        if (Number.isFinite(min) && min > expires) {
          expires = min;
          continue;
        }
      }
      this.#fail(`the carrier answered ${status} ${response.reason}`);
      return;
    }
    this.#fail('the carrier refused our credentials');
  }

  #send(
    uri: string,
    aor: string,
    expires: number,
    target: SipTarget,
    auth: { name: string; value: string } | undefined,
  ): Promise<SipResponse> {
    this.#cseq++;
    const request = createRequest({
      method: 'REGISTER',
      uri,
      from: `${aor};tag=${this.#fromTag}`,
      to: aor,
      callId: this.#callId,
      cseq: this.#cseq,
      contact: this.#stack.contact(target.transport, this.account.username ?? 'parley'),
      headers: [{ name: 'Expires', value: String(expires) }, ...(auth ? [auth] : [])],
    });
    return new Promise((resolve) => {
      this.#stack.sendRequest(request, target, { onFinal: (response) => resolve(response) });
    });
  }
}

/** The lifetime the registrar granted: our Contact's `expires`, else the Expires header (§10.2.4). */
function grantedExpires(response: SipResponse): number | undefined {
  for (const c of getHeaderValues(response, 'contact')) {
    const n = parseNameAddr(c);
    if (!isParseError(n) && n.params.expires) return Number(n.params.expires);
  }
  const e = Number(getHeader(response, 'expires'));
  return Number.isFinite(e) && e > 0 ? e : undefined;
}
