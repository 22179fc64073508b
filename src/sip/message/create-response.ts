/**
 * Builds a response to a request as a UAS does (RFC 3261 §8.2.6): the Via lines, From, Call-ID and
 * CSeq copied as they came, To copied with a tag added when it had none (§8.2.6.2), Timestamp echoed
 * in a 100 (§8.2.6.1).
 */

import { headerKey } from './header-access.ts';
import { generateTag } from './ids.ts';
import { isParseError } from './lexer.ts';
import { parseNameAddr } from './name-addr.ts';
import { EMPTY_BODY } from './parse-message.ts';
import { reasonPhrase } from './reason-phrases.ts';
import type { SipHeader, SipRequest, SipResponse } from './types.ts';

/** Options of `createResponse`. */
export interface CreateResponseOptions {
  /** The To tag of this UAS's dialog; a fresh one is generated when the request's To has none. */
  toTag?: string;
  /** Extra header lines, after the copied ones. */
  headers?: SipHeader[];
  body?: Uint8Array;
  /** Written as Content-Type when a body is given. */
  contentType?: string;
  /**
   * Copy the request's Record-Route lines, in order: required in a response that establishes a dialog
   * (a 1xx/2xx to INVITE or SUBSCRIBE, §12.1.1).
   */
  recordRoute?: boolean;
}

const COPIED = new Set(['via', 'from', 'call-id', 'cseq']);

/** Builds the response; `reason` defaults to the RFC's phrase for `status`. */
export function createResponse(
  req: SipRequest,
  status: number,
  reason?: string,
  opts: CreateResponseOptions = {},
): SipResponse {
  const headers: SipHeader[] = [];
  for (const h of req.headers) {
    const key = headerKey(h.name);
    if (COPIED.has(key)) headers.push({ name: h.name, value: h.value });
    else if (key === 'to') headers.push({ name: h.name, value: toWithTag(h.value, status, opts.toTag) });
    else if (key === 'timestamp' && status === 100) headers.push({ name: h.name, value: h.value });
    else if (key === 'record-route' && opts.recordRoute) headers.push({ name: h.name, value: h.value });
  }
  if (opts.headers) for (const h of opts.headers) headers.push({ name: h.name, value: h.value });
  const body = opts.body ?? EMPTY_BODY;
  if (body.length > 0 && opts.contentType) headers.push({ name: 'Content-Type', value: opts.contentType });
  headers.push({ name: 'Content-Length', value: String(body.length) });
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: reason ?? reasonPhrase(status),
    headers,
    body,
  };
}

/**
 * §8.2.6.2: a response other than 100 gets a To tag if the request had none. A To that does not parse
 * is copied unchanged (the response is then most likely a 400 about it).
 */
function toWithTag(value: string, status: number, toTag: string | undefined): string {
  if (status === 100) return value;
  const to = parseNameAddr(value);
  if (isParseError(to) || to.params.tag !== undefined) return value;
  return `${value};tag=${toTag ?? generateTag()}`;
}
