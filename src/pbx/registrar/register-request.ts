/**
 * The SIP side of the registrar: reduce a REGISTER to a RegisterInput, and turn the registrar's outcome
 * into the response (RFC 3261 §10.3 step 8: a 200 lists every current contact with its expires).
 */
import {
  createResponse,
  getHeader,
  getHeaderValues,
  isParseError,
  parseCSeq,
  parseNameAddr,
  parseUri,
  type SipHeader,
  type SipRequest,
  type SipResponse,
} from '../../sip/message/index.ts';
import type { Flow } from './binding.ts';
import type { ContactInput, RegisterInput, RegisterOutcome } from './registrar.ts';

/** Largest delta-seconds we read; anything bigger is capped later anyway (RFC 3261 §25.1: 2^32-1). */
const MAX_DELTA = 4294967295;

/** delta-seconds, or undefined when absent, or NaN when malformed. */
function deltaSeconds(v: string | null | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (v === null || !/^\s*\d{1,12}\s*$/.test(v)) return Number.NaN;
  return Math.min(Number.parseInt(v, 10), MAX_DELTA);
}

function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

/**
 * A key under which two Contact URIs are the same binding (RFC 3261 §19.1.4, simplified to what tells
 * contacts apart in practice: scheme, user, host case-insensitively, port, transport).
 */
export function contactUriKey(uri: string): string | undefined {
  const u = parseUri(uri);
  if (isParseError(u)) return undefined;
  const transport = u.params.transport?.toLowerCase() ?? '';
  return `${u.scheme.toLowerCase()}:${u.user ?? ''}@${u.host.toLowerCase()}:${u.port ?? ''};${transport}`;
}

/** Extract what the registrar needs; a string is the reason for a 400. */
export function registerInputFrom(req: SipRequest, extension: string, flow: Flow): RegisterInput | string {
  const callId = getHeader(req, 'call-id')?.trim();
  const cseq = parseCSeq(getHeader(req, 'cseq') ?? '');
  if (!callId || isParseError(cseq)) return 'Bad Call-ID or CSeq';
  const expires = deltaSeconds(getHeader(req, 'expires'));
  if (Number.isNaN(expires)) return 'Bad Expires';
  const values = getHeaderValues(req, 'contact');
  const wildcard = values.some((v) => v.trim() === '*');
  const contacts: ContactInput[] = [];
  for (const value of values) {
    if (value.trim() === '*') continue;
    const na = parseNameAddr(value);
    if (isParseError(na)) return 'Bad Contact';
    const uriKey = contactUriKey(na.uri);
    if (uriKey === undefined) return 'Bad Contact URI';
    const c: ContactInput = { uri: na.uri, uriKey };
    const exp = deltaSeconds(na.params.expires);
    if (Number.isNaN(exp)) return 'Bad Contact expires';
    if (exp !== undefined) c.expires = exp;
    const q = na.params.q;
    if (q !== undefined) {
      const n = q === null ? Number.NaN : Number(q);
      if (!(n >= 0 && n <= 1)) return 'Bad Contact q';
      c.q = n;
    }
    const instance = na.params['+sip.instance'];
    if (instance) c.instanceId = unquote(instance);
    const regId = na.params['reg-id'];
    if (regId) c.regId = regId;
    contacts.push(c);
  }
  const input: RegisterInput = {
    extension,
    callId,
    cseq: cseq.seq,
    wildcard,
    contacts,
    flow,
  };
  if (expires !== undefined) input.expires = expires;
  const ua = getHeader(req, 'user-agent');
  if (ua !== undefined) input.userAgent = ua.slice(0, 200);
  return input;
}

let dateSecond = -1;
let dateText = '';

/** RFC 3261 §20.17 Date (RFC 1123 form), formatted once per second: it is on every 200. */
function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

/** The response to a REGISTER for the registrar's outcome. */
export function registerResponse(
  req: SipRequest,
  outcome: RegisterOutcome,
  extra: SipHeader[] = [],
): SipResponse {
  if (outcome.status === 423) {
    // RFC 3261 §10.3 step 7: 423 carries the shortest interval we accept.
    return createResponse(req, 423, undefined, {
      headers: [{ name: 'Min-Expires', value: String(outcome.minExpires) }, ...extra],
    });
  }
  if (outcome.status !== 200) return createResponse(req, outcome.status, outcome.reason, { headers: extra });
  const headers: SipHeader[] = outcome.contacts.map((c) => {
    let value = `<${c.uri}>;expires=${c.expires}`;
    if (c.q !== undefined) value += `;q=${c.q}`;
    if (c.instanceId !== undefined) value += `;+sip.instance="${c.instanceId.replace(/["\\]/g, '\\$&')}"`;
    if (c.regId !== undefined) value += `;reg-id=${c.regId}`;
    return { name: 'Contact', value };
  });
  // Older phones read the interval from an Expires header, not the Contact parameter: without it, one
  // that asked for more than we grant would refresh too late.
  if (outcome.granted !== undefined) headers.push({ name: 'Expires', value: String(outcome.granted) });
  headers.push({ name: 'Date', value: httpDate() }, ...extra);
  return createResponse(req, 200, undefined, { headers });
}
