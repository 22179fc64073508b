/**
 * Builds a new out-of-dialog or in-dialog request as a UAC does (RFC 3261 §8.1.1): Via (with a fresh
 * branch), Max-Forwards, To, From (with a tag), Call-ID, CSeq, Contact, then the caller's headers.
 */

import { formatCSeq } from './cseq.ts';
import { generateBranch, generateCallId, generateTag } from './ids.ts';
import { formatNameAddr } from './name-addr.ts';
import type { NameAddr, SipHeader, SipRequest, SipUri, Via } from './types.ts';
import { formatUri } from './uri.ts';
import { formatVia } from './via.ts';

/** What a UAC says about a new request. */
export interface CreateRequestOptions {
  method: string;
  /** The Request-URI. */
  uri: string | SipUri;
  /** From; a NameAddr without `tag` gets a generated one (§8.1.1.3). A string is written as is. */
  from: NameAddr | string;
  /** To; written as given (no tag for a new dialog, §8.1.1.2). */
  to: NameAddr | string;
  /** Default: a new random Call-ID (§8.1.1.4). */
  callId?: string;
  /** Default 1. */
  cseq?: number;
  /**
   * The topmost Via (ours). A Via object without `branch` gets a generated one (§8.1.1.7). Several
   * values are written topmost first. Optional: a transport layer may add it when sending.
   */
  via?: Via | string | Array<Via | string>;
  /** Default 70 (§8.1.1.6). */
  maxForwards?: number;
  contact?: NameAddr | string;
  /** Route set, one Route line each, in order (§12.2.1.1). */
  routes?: string[];
  /** Extra header lines, after the standard ones. */
  headers?: SipHeader[];
  body?: Uint8Array;
  /** Written as Content-Type when a body is given. */
  contentType?: string;
}

function viaValue(v: Via | string): string {
  if (typeof v === 'string') return v;
  if (v.params.branch !== undefined) return formatVia(v);
  return formatVia({ ...v, params: { branch: generateBranch(), ...v.params } });
}

/** Builds the request. */
export function createRequest(o: CreateRequestOptions): SipRequest {
  const headers: SipHeader[] = [];
  const vias = o.via === undefined ? [] : Array.isArray(o.via) ? o.via : [o.via];
  for (const v of vias) headers.push({ name: 'Via', value: viaValue(v) });
  headers.push({ name: 'Max-Forwards', value: String(o.maxForwards ?? 70) });
  for (const r of o.routes ?? []) headers.push({ name: 'Route', value: r });
  headers.push({ name: 'To', value: typeof o.to === 'string' ? o.to : formatNameAddr(o.to) });
  let from = o.from;
  if (typeof from !== 'string' && from.params.tag === undefined) {
    from = { ...from, params: { ...from.params, tag: generateTag() } };
  }
  headers.push({ name: 'From', value: typeof from === 'string' ? from : formatNameAddr(from) });
  headers.push({ name: 'Call-ID', value: o.callId ?? generateCallId() });
  headers.push({ name: 'CSeq', value: formatCSeq({ seq: o.cseq ?? 1, method: o.method }) });
  if (o.contact !== undefined) {
    headers.push({
      name: 'Contact',
      value: typeof o.contact === 'string' ? o.contact : formatNameAddr(o.contact),
    });
  }
  if (o.headers) for (const h of o.headers) headers.push({ name: h.name, value: h.value });
  const body = o.body ?? new Uint8Array(0);
  if (body.length > 0 && o.contentType) headers.push({ name: 'Content-Type', value: o.contentType });
  headers.push({ name: 'Content-Length', value: String(body.length) });
  const uri = typeof o.uri === 'string' ? o.uri : formatUri(o.uri);
  return { kind: 'request', version: 'SIP/2.0', method: o.method, uri, headers, body };
}
