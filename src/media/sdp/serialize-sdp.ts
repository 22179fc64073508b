import type { Sdp, SdpAttribute, SdpBandwidth, SdpConnection } from './sdp.ts';

function connection(c: SdpConnection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}${c.suffix ? `/${c.suffix}` : ''}`;
}

function bandwidth(b: SdpBandwidth): string {
  return `b=${b.type}:${b.value}`;
}

function attribute(a: SdpAttribute): string {
  return a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`;
}

/**
 * Writes a session description in the line order of RFC 4566 §5, CRLF line ends (§5: "<CR><LF>"), with a
 * final CRLF. A description with no time line gets `t=0 0`, which §5.9 requires.
 */
export function serializeSdp(sdp: Sdp): string {
  const o = sdp.origin;
  const out = [
    `v=${sdp.version}`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`,
    `s=${sdp.sessionName === '' ? '-' : sdp.sessionName}`,
  ];
  if (sdp.information !== undefined) out.push(`i=${sdp.information}`);
  if (sdp.uri !== undefined) out.push(`u=${sdp.uri}`);
  for (const e of sdp.emails) out.push(`e=${e}`);
  for (const p of sdp.phones) out.push(`p=${p}`);
  if (sdp.connection) out.push(connection(sdp.connection));
  for (const b of sdp.bandwidths) out.push(bandwidth(b));
  if (sdp.timing.length === 0) out.push('t=0 0');
  for (const t of sdp.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  if (sdp.zone !== undefined) out.push(`z=${sdp.zone}`);
  if (sdp.key !== undefined) out.push(`k=${sdp.key}`);
  for (const a of sdp.attributes) out.push(attribute(a));
  for (const m of sdp.media) {
    const port = m.portCount === undefined ? `${m.port}` : `${m.port}/${m.portCount}`;
    out.push(`m=${m.type} ${port} ${m.protocol}${m.formats.map((f) => ` ${f}`).join('')}`);
    if (m.information !== undefined) out.push(`i=${m.information}`);
    for (const c of m.connections) out.push(connection(c));
    for (const b of m.bandwidths) out.push(bandwidth(b));
    if (m.key !== undefined) out.push(`k=${m.key}`);
    for (const a of m.attributes) out.push(attribute(a));
  }
  return `${out.join('\r\n')}\r\n`;
}
