import type {
  Sdp,
  SdpAttribute,
  SdpBandwidth,
  SdpConnection,
  SdpError,
  SdpMedia,
  SdpOrigin,
  SdpTiming,
} from './sdp.ts';

/** Larger descriptions are refused outright: real ones, even WebRTC's with many candidates, stay far below. */
export const MAX_SDP_BYTES = 65536;

function fail(error: SdpError['error'], message: string, line?: number): SdpError {
  return line === undefined ? { error, message } : { error, message, line };
}

/** `c=` (RFC 4566 §5.7): multicast addresses carry `/ttl[/count]`, kept aside in `suffix`. */
export function parseConnection(value: string): SdpConnection | undefined {
  const parts = value.split(' ');
  if (parts.length !== 3 || parts.some((p) => p === '')) return undefined;
  const [netType, addrType, full] = parts as [string, string, string];
  const slash = full.indexOf('/');
  if (slash === 0) return undefined;
  return slash < 0
    ? { netType, addrType, address: full }
    : { netType, addrType, address: full.slice(0, slash), suffix: full.slice(slash + 1) };
}

function parseOrigin(value: string): SdpOrigin | undefined {
  const parts = value.split(' ');
  if (parts.length !== 6 || parts.some((p) => p === '')) return undefined;
  const [username, sessionId, sessionVersion, netType, addrType, address] = parts as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

const MEDIA_LINE = /^(\S+) (\d{1,5})(?:\/(\d{1,5}))? (\S+)((?: +\S+)*) *$/;

function parseMediaLine(value: string): SdpMedia | undefined {
  const m = MEDIA_LINE.exec(value);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port > 65535) return undefined;
  const media: SdpMedia = {
    type: m[1]!,
    port,
    protocol: m[4]!,
    formats: m[5]!.split(' ').filter((f) => f !== ''),
    connections: [],
    bandwidths: [],
    attributes: [],
  };
  if (m[3] !== undefined) media.portCount = Number(m[3]);
  return media;
}

function parseBandwidth(value: string): SdpBandwidth | undefined {
  const m = /^([\w.-]+):(\d+)$/.exec(value);
  return m ? { type: m[1]!, value: Number(m[2]) } : undefined;
}

const ATTRIBUTE_NAME = /^[\w.!%*+^`{|}~'#$&-]+$/;

function parseAttribute(value: string): SdpAttribute | undefined {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!ATTRIBUTE_NAME.test(name)) return undefined;
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

/**
 * Parses a session description (RFC 4566). Never throws: malformed text gives an `SdpError`.
 * Lenient where peers are known to be sloppy: bare LF line ends, trailing spaces, missing `s=` or `t=`,
 * lines out of the §5 order. Lines with a type letter this parser does not know are ignored (§5 asks a
 * parser to ignore the whole description; dropping one line serves callers better).
 */
export function parseSdp(text: string): Sdp | SdpError {
  if (text.length > MAX_SDP_BYTES)
    return fail('too-large', `${text.length} characters, limit ${MAX_SDP_BYTES}`);
  const lines = text.split('\n');
  let version: number | undefined;
  let origin: SdpOrigin | undefined;
  const sdp: Omit<Sdp, 'version' | 'origin'> = {
    sessionName: '',
    emails: [],
    phones: [],
    bandwidths: [],
    timing: [],
    attributes: [],
    media: [],
  };
  let sawSessionName = false;
  let media: SdpMedia | undefined;
  let timing: SdpTiming | undefined;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/[\r ]+$/, '');
    if (raw === '') continue;
    const n = i + 1;
    if (raw.length < 2 || raw[1] !== '=' || !/^[a-z]$/.test(raw[0]!)) {
      return fail('bad-line', `not a "<type>=<value>" line: ${JSON.stringify(raw.slice(0, 40))}`, n);
    }
    const type = raw[0]!;
    const value = raw.slice(2);
    if (version === undefined && type !== 'v')
      return fail('missing-line', 'the description must start with v=', n);

    switch (type) {
      case 'v':
        if (version !== undefined) return fail('bad-line', 'a second v= line', n);
        if (value !== '0') return fail('bad-value', `SDP version ${value}, only 0 exists`, n);
        version = 0;
        break;
      case 'o':
        if (media || origin) return fail('bad-line', 'o= out of place', n);
        origin = parseOrigin(value);
        if (!origin) return fail('bad-origin', `bad o= line: ${value.slice(0, 80)}`, n);
        break;
      case 's':
        if (!media) {
          sdp.sessionName = value;
          sawSessionName = true;
        }
        break;
      case 'i':
        if (media) media.information = value;
        else sdp.information = value;
        break;
      case 'u':
        if (!media) sdp.uri = value;
        break;
      case 'e':
        if (!media) sdp.emails.push(value);
        break;
      case 'p':
        if (!media) sdp.phones.push(value);
        break;
      case 'c': {
        const c = parseConnection(value);
        if (!c) return fail('bad-connection', `bad c= line: ${value.slice(0, 80)}`, n);
        if (media) media.connections.push(c);
        else sdp.connection = c;
        break;
      }
      case 'b': {
        const b = parseBandwidth(value);
        if (!b) return fail('bad-value', `bad b= line: ${value.slice(0, 80)}`, n);
        (media ? media.bandwidths : sdp.bandwidths).push(b);
        break;
      }
      case 't': {
        const parts = value.split(' ');
        if (parts.length !== 2 || !/^\d+$/.test(parts[0]!) || !/^\d+$/.test(parts[1]!)) {
          return fail('bad-value', `bad t= line: ${value.slice(0, 80)}`, n);
        }
        timing = { start: parts[0]!, stop: parts[1]!, repeats: [] };
        if (!media) sdp.timing.push(timing);
        break;
      }
      case 'r':
        if (timing && !media) timing.repeats.push(value);
        break;
      case 'z':
        if (!media) sdp.zone = value;
        break;
      case 'k':
        if (media) media.key = value;
        else sdp.key = value;
        break;
      case 'a': {
        const a = parseAttribute(value);
        if (!a) return fail('bad-value', `bad a= line: ${value.slice(0, 80)}`, n);
        (media ? media.attributes : sdp.attributes).push(a);
        break;
      }
      case 'm': {
        const m = parseMediaLine(value);
        if (!m) return fail('bad-media', `bad m= line: ${value.slice(0, 80)}`, n);
        media = m;
        sdp.media.push(m);
        break;
      }
      default:
        // Unknown type letter: ignored (see the function's comment).
        break;
    }
  }
  if (version === undefined) return fail('missing-line', 'no v= line');
  if (!origin) return fail('missing-line', 'no o= line');
  if (!sawSessionName) sdp.sessionName = '-';
  return { version, origin, ...sdp };
}
