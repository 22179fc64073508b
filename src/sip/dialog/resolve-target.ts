/**
 * Turns a SIP URI into the transport and address a request goes to (RFC 3263 reduced to what a PBX on
 * known hosts needs): the `transport` parameter picks the transport (sips: → TLS), an IP literal is used
 * as is, a host name is looked up with the system resolver (A/AAAA, no NAPTR/SRV), and the port defaults
 * to 5060 (5061 for TLS).
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isParseError, parseUri } from '../message/index.ts';
import type { MessageSource, TransportProtocol } from '../transport/transport.ts';

const TRANSPORTS: Record<string, TransportProtocol> = {
  udp: 'udp',
  tcp: 'tcp',
  tls: 'tls',
  ws: 'ws',
  wss: 'wss',
};

/**
 * Resolves `uri`; rejects when it is not a sip/sips URI or its host does not resolve. A host name is
 * kept as `serverName` (for TLS certificate checks).
 */
export async function resolveTarget(uri: string): Promise<MessageSource & { serverName?: string }> {
  const u = parseUri(uri);
  if (isParseError(u) || (u.scheme !== 'sip' && u.scheme !== 'sips'))
    throw new Error(`cannot route to ${uri}`);
  const param = (u.params.transport ?? '').toLowerCase();
  const transport = TRANSPORTS[param] ?? (u.scheme === 'sips' ? 'tls' : 'udp');
  const host = u.host.replace(/^\[|\]$/g, '');
  const address = isIP(host) ? host : (await lookup(host)).address;
  const port = u.port ?? (transport === 'tls' || transport === 'wss' ? 5061 : 5060);
  return isIP(host) ? { transport, address, port } : { transport, address, port, serverName: host };
}
