/**
 * The ICE and DTLS values of Parley's side of a WebRTC stream, read from the answer werift wrote, and the
 * SDP attributes that carry them in Parley's own answer: `a=ice-ufrag`/`a=ice-pwd` (RFC 8839 §5.4),
 * `a=fingerprint` (RFC 8122 §5), `a=setup` (RFC 5763 §5: passive answering, actpass offering), the host candidate (RFC 8839 §5.1) and
 * `a=end-of-candidates` (RFC 8840 §8.2: an ICE-lite agent has nothing to trickle). Pure.
 */

/** One SDP attribute, as media/sdp writes them. */
export interface WebRtcAttribute {
  name: string;
  value?: string;
}

/** Parley's ICE/DTLS parameters for one stream. */
export interface WebRtcLocalParameters {
  iceUfrag: string;
  icePwd: string;
  /** `sha-256 AB:CD:…` values. */
  fingerprints: string[];
  /** passive when answering (Parley is the DTLS server); actpass when offering (RFC 5763 §5). */
  setup: 'passive' | 'actpass';
  /** `a=candidate` values, host candidates on the configured address only. */
  candidates: string[];
  /** The port of the host candidate (where ICE, DTLS and SRTP arrive). */
  port: number;
  /** Media-level attributes for the answer (`answerOffer`'s `mediaAttributes`). */
  mediaAttributes: WebRtcAttribute[];
  /** Session-level attributes for the answer: `a=ice-lite` (RFC 8839 §5.3 puts it at session level). */
  sessionAttributes: WebRtcAttribute[];
}

function values(lines: string[], name: string): string[] {
  const prefix = `a=${name}:`;
  return lines.filter((l) => l.startsWith(prefix)).map((l) => l.slice(prefix.length).trim());
}

/**
 * Reads werift's answer SDP; keeps only UDP host candidates and writes `advertised` as their address
 * (the configured public address when it differs from the bound one). An error value when a part is missing.
 */
export function localParameters(
  sdp: string,
  advertised: string,
  setup: 'passive' | 'actpass' = 'passive',
): WebRtcLocalParameters | { error: string } {
  const lines = sdp.split(/\r?\n/);
  const iceUfrag = values(lines, 'ice-ufrag')[0];
  const icePwd = values(lines, 'ice-pwd')[0];
  const fingerprints = [...new Set(values(lines, 'fingerprint'))];
  if (!iceUfrag || !icePwd) return { error: 'werift wrote no ICE credentials' };
  if (fingerprints.length === 0) return { error: 'werift wrote no DTLS fingerprint' };
  const candidates: string[] = [];
  let port = 0;
  for (const c of values(lines, 'candidate')) {
    // foundation component transport priority address port typ type …
    const f = c.split(/\s+/);
    if (f.length < 8 || f[2]!.toLowerCase() !== 'udp' || f[7] !== 'host' || f[1] !== '1') continue;
    f[4] = advertised;
    port = Number(f[5]);
    candidates.push(f.join(' '));
  }
  if (candidates.length === 0 || !Number.isInteger(port) || port <= 0) {
    return { error: 'werift gathered no host candidate on the configured address' };
  }
  const mediaAttributes: WebRtcAttribute[] = [
    { name: 'ice-ufrag', value: iceUfrag },
    { name: 'ice-pwd', value: icePwd },
    ...fingerprints.map((value) => ({ name: 'fingerprint', value })),
    { name: 'setup', value: setup },
    ...candidates.map((value) => ({ name: 'candidate', value })),
    { name: 'end-of-candidates' },
  ];
  return {
    iceUfrag,
    icePwd,
    fingerprints,
    setup,
    candidates,
    port,
    mediaAttributes,
    sessionAttributes: [{ name: 'ice-lite' }],
  };
}
