/**
 * The server-side transport rules of RFC 3261 §18.2 with RFC 3581 (rport): what to write into the top
 * Via of a request we receive, and where its responses go.
 */
import { createResponse, formatVia, getHeader, isHeader, isParseError, parseVia } from '../message/index.ts';
import type { SipMessage, SipParseError, SipResponse, Via } from '../message/types.ts';
import type { Destination, MessageSource } from './transport.ts';

/** The parsed top Via, or undefined when there is none or it does not parse. */
export function topVia(m: SipMessage): Via | undefined {
  const raw = getHeader(m, 'via');
  if (raw === undefined) return undefined;
  const v = parseVia(raw);
  return isParseError(v) ? undefined : v;
}

/** Replaces the first value of the first Via line, keeping any other values on that line. */
function replaceTopVia(m: SipMessage, via: Via): void {
  const idx = m.headers.findIndex((h) => isHeader(h.name, 'via'));
  const line = m.headers[idx];
  if (!line) return;
  const formatted = formatVia(via);
  // Find the end of the first value: the first comma outside quotes (Via params rarely quote).
  let inQuote = false;
  let cut = -1;
  for (let i = 0; i < line.value.length; i++) {
    const c = line.value[i];
    if (c === '"') inQuote = !inQuote;
    else if (c === ',' && !inQuote) {
      cut = i;
      break;
    }
  }
  m.headers[idx] = { name: line.name, value: cut < 0 ? formatted : formatted + line.value.slice(cut) };
}

/**
 * §18.2.1: "the server transport MUST add a received parameter" when the sent-by host is not the
 * packet's source address; RFC 3581 §4: with an `rport` parameter, fill in the source port and always
 * add `received`. Returns the stamped top Via, or undefined when there is no usable top Via.
 */
export function stampReceived(m: SipMessage, source: MessageSource): Via | undefined {
  const via = topVia(m);
  if (!via) return undefined;
  const params = { ...via.params };
  const rport = 'rport' in params;
  if (rport || via.host.replace(/^\[|\]$/g, '') !== source.address) params.received = source.address;
  if (rport) params.rport = String(source.port);
  const stamped = { ...via, params };
  replaceTopVia(m, stamped);
  return stamped;
}

/** The default port of a transport (§19.1.2 for sip/sips; RFC 7118 leaves WS to the HTTP port). */
function defaultPort(transport: MessageSource['transport']): number {
  return transport === 'tls' || transport === 'wss' ? 5061 : 5060;
}

/**
 * §18.2.2: where the responses to a request received from `source` with top Via `via` go. On a
 * connection they go back on it (while it is open; if it closed, TCP/TLS reopen to the received address
 * and the sent-by port). On UDP they go to `received` and, with rport (RFC 3581 §4), to the source port;
 * without rport to the sent-by port.
 */
export function responseDestination(via: Via, source: MessageSource): Destination {
  const address = via.params.received ?? source.address;
  if (source.connectionId) {
    return { address, port: via.port ?? defaultPort(source.transport), connectionId: source.connectionId };
  }
  const rport = via.params.rport;
  const port = rport ? Number(rport) : (via.port ?? defaultPort(source.transport));
  return { address, port };
}

/**
 * A best-effort answer to a request that failed to parse or validate (RFC 3261 §8.2, RFC 4475): possible
 * when the readable part is a request (not an ACK) carrying the headers a response is routed and matched
 * by. Returns undefined when no response can be built (the message is then only dropped and counted).
 */
export function responseToMalformed(error: SipParseError): SipResponse | undefined {
  const m = error.partial;
  if (m?.kind !== 'request' || m.method === 'ACK') return undefined;
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq'])
    if (getHeader(m, name) === undefined) return undefined;
  if (!topVia(m)) return undefined;
  const status = error.status >= 400 && error.status < 700 ? error.status : 400;
  return createResponse(m, status);
}
