/**
 * SIP session timers (RFC 4028): a dialog is refreshed by a re-INVITE or UPDATE every Session-Expires
 * seconds, so a call whose far end vanished without a BYE does not live for ever. The refresher sends the
 * refresh at half the interval (§10); the other side ends the session with a BYE when no refresh came
 * before the interval minus min(32, interval/3) seconds (§10).
 */
import { getHeader, getHeaderValues, type SipHeader, type SipRequest } from '../../sip/message/index.ts';

/** RFC 4028 §4: Min-SE is at least 90 s; we ask for 1800 s, the RFC's recommended default. */
export const MIN_SE = 90;
export const DEFAULT_SESSION_EXPIRES = 1800;

export type Refresher = 'uac' | 'uas';

export interface SessionTimerTerms {
  interval: number;
  refresher: Refresher;
  /** The UAC said `Supported: timer`: our 2xx then carries `Require: timer` (§9). */
  uacSupportsTimer: boolean;
}

/** A request's Session-Expires: seconds and refresher, if present and well formed. */
export function readSessionExpires(
  m: SipRequest | { headers: SipHeader[] },
): { interval: number; refresher?: Refresher } | undefined {
  const value = getHeader(m as SipRequest, 'session-expires') ?? getHeader(m as SipRequest, 'x');
  if (!value) return undefined;
  const [seconds, ...params] = value.split(';');
  const interval = Number(seconds?.trim());
  if (!Number.isInteger(interval) || interval <= 0) return undefined;
  let refresher: Refresher | undefined;
  for (const p of params) {
    const [k, v] = p.split('=').map((s) => s.trim().toLowerCase());
    if (k === 'refresher' && (v === 'uac' || v === 'uas')) refresher = v;
  }
  return refresher ? { interval, refresher } : { interval };
}

function supportsTimer(req: SipRequest): boolean {
  return [...getHeaderValues(req, 'supported'), ...getHeaderValues(req, 'k')].some(
    (t) => t.trim().toLowerCase() === 'timer',
  );
}

/**
 * What a UAS agrees to for an INVITE (§9): `too-small` when the asked interval is below our Min-SE (answer
 * 422 with Min-SE), undefined when the UAC asked for no timer and does not support one (no timer, as §9
 * allows), else the terms to put in the 2xx.
 */
export function negotiateAsUas(invite: SipRequest): SessionTimerTerms | 'too-small' | undefined {
  const asked = readSessionExpires(invite);
  const uacSupportsTimer = supportsTimer(invite);
  if (asked && asked.interval < MIN_SE) return 'too-small';
  if (!asked && !uacSupportsTimer) return undefined;
  const interval = asked?.interval ?? DEFAULT_SESSION_EXPIRES;
  // §9: a UAC that supports timers may be asked to refresh; otherwise we do it.
  const refresher: Refresher = asked?.refresher ?? (uacSupportsTimer ? 'uac' : 'uas');
  return { interval, refresher: uacSupportsTimer ? refresher : 'uas', uacSupportsTimer };
}

/** The headers of our 2xx for these terms. */
export function sessionTimerHeaders(terms: SessionTimerTerms): SipHeader[] {
  const headers: SipHeader[] = [
    { name: 'Session-Expires', value: `${terms.interval};refresher=${terms.refresher}` },
  ];
  if (terms.uacSupportsTimer) headers.push({ name: 'Require', value: 'timer' });
  return headers;
}

/** The running timer of one dialog. `refresh` sends the refresh; `expired` ends the call with a BYE. */
export class SessionTimer {
  readonly #intervalMs: number;
  readonly #weRefresh: boolean;
  readonly #refresh: () => void;
  readonly #expired: () => void;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: { interval: number; weRefresh: boolean; refresh: () => void; expired: () => void }) {
    this.#intervalMs = options.interval * 1000;
    this.#weRefresh = options.weRefresh;
    this.#refresh = options.refresh;
    this.#expired = options.expired;
    this.reset();
  }

  /** A refresh happened (sent by us and answered, or received): start the interval again. */
  reset(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const seconds = this.#intervalMs / 1000;
    const delay = this.#weRefresh ? this.#intervalMs / 2 : (seconds - Math.min(32, seconds / 3)) * 1000;
    this.#timer = setTimeout(() => (this.#weRefresh ? this.#refresh() : this.#expired()), delay);
    this.#timer.unref();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }
}
