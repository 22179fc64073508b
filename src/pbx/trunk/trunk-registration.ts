/**
 * Parley registering to a carrier (RFC 3261 §10.2): REGISTER with the trunk's credentials, answered
 * challenges (§22.2), a refresh before the binding expires, retries with back-off after failures, and a
 * status the console shows. `close()` unregisters (Expires: 0) and stops.
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
    void this.#register(REQUESTED_EXPIRES);
  }

  /** Unregisters (best effort) and stops refreshing. Idempotent. */
  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#status.state === 'registered') await this.#register(0).catch(() => {});
    this.#set({ state: 'stopped' });
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
    this.#timer = setTimeout(() => void this.#register(expires), ms);
    this.#timer.unref();
  }

  #fail(message: string): void {
    this.#set({ state: 'failed', lastError: message });
    this.#schedule(this.#retryMs, REQUESTED_EXPIRES);
    this.#retryMs = Math.min(this.#retryMs * 2, RETRY_MAX_MS);
  }

  async #register(expires: number): Promise<void> {
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
      const response = await this.#send(uri, aor, expires, target, auth);
      if (this.#stopped && expires !== 0) return;
      const status = response.status;
      if (status >= 200 && status < 300) {
        if (expires === 0) return;
        const granted = grantedExpires(response) ?? REQUESTED_EXPIRES;
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
