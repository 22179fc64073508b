/**
 * Pure parse and format of HTTP/SIP authentication headers: WWW-Authenticate / Proxy-Authenticate
 * challenges and Authorization / Proxy-Authorization credentials (RFC 3261 §25.1, RFC 7616 §3.3–3.4,
 * RFC 7235 §2.1). No I/O; malformed input is an error value, never a throw.
 *
 * ```
 * challenge   = auth-scheme 1*SP 1#auth-param
 * auth-param  = token BWS "=" BWS ( token / quoted-string )
 * ```
 *
 * One header value may carry several challenges ("Digest a=1, Digest b=2"), so parsing returns a list.
 */

/** One challenge or credentials: the scheme and its parameters (names lower-cased, values unquoted). */
export interface AuthParams {
  scheme: string;
  params: Record<string, string>;
}

/** Why a header value could not be parsed. */
export interface AuthParseError {
  kind: 'error';
  message: string;
}

/** Type guard: did `parseAuthHeader` fail? */
export function isAuthParseError(v: AuthParams[] | AuthParseError): v is AuthParseError {
  return !Array.isArray(v);
}

/** RFC 7230 tchar, plus "/", ":" and "@" which some clients send unquoted (a lookup table: hot path). */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~/:@0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TOKEN[c.charCodeAt(0)] = 1;
/** Longest header value we look at: credentials are a few hundred bytes, anything huge is hostile. */
const MAX_LENGTH = 8192;

/** Parse one header value into its challenges/credentials. */
export function parseAuthHeader(value: string): AuthParams[] | AuthParseError {
  if (value.length > MAX_LENGTH) return { kind: 'error', message: 'authentication header too long' };
  const out: AuthParams[] = [];
  let i = 0;
  const n = value.length;
  const skipWs = () => {
    while (i < n && (value[i] === ' ' || value[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n) {
      const c = value.charCodeAt(i);
      if (c >= 128 || TOKEN[c] === 0) break;
      i++;
    }
    return value.slice(start, i);
  };
  let current: AuthParams | undefined;
  while (i < n) {
    skipWs();
    if (i >= n) break;
    if (value[i] === ',') {
      i++;
      continue;
    }
    const token = readToken();
    if (!token) return { kind: 'error', message: `unexpected character ${JSON.stringify(value[i])}` };
    skipWs();
    if (value[i] !== '=') {
      // A bare token starts a new challenge: the auth-scheme.
      // Null prototype: a parameter named __proto__ or constructor is just a parameter.
      current = { scheme: token, params: Object.create(null) as Record<string, string> };
      out.push(current);
      continue;
    }
    if (!current) return { kind: 'error', message: 'parameter before auth-scheme' };
    i++; // '='
    skipWs();
    let paramValue: string;
    if (value[i] === '"') {
      i++;
      let s = '';
      let closed = false;
      let runStart = i;
      while (i < n) {
        const c = value.charCodeAt(i);
        if (c === 0x5c && i + 1 < n) {
          s += value.slice(runStart, i) + value[i + 1];
          i += 2;
          runStart = i;
          continue;
        }
        if (c === 0x22) {
          s += value.slice(runStart, i);
          closed = true;
          i++;
          break;
        }
        i++;
      }
      if (!closed) return { kind: 'error', message: 'unterminated quoted-string' };
      paramValue = s;
    } else {
      paramValue = readToken();
      if (!paramValue) return { kind: 'error', message: `empty value for ${token}` };
    }
    const name = token.toLowerCase();
    // A repeated parameter is ambiguous (RFC 7235 §2.1: each parameter name MUST only occur once).
    if (Object.hasOwn(current.params, name)) return { kind: 'error', message: `duplicate parameter ${name}` };
    current.params[name] = paramValue;
    skipWs();
    if (i < n && value[i] !== ',') return { kind: 'error', message: 'expected "," between parameters' };
  }
  if (out.length === 0) return { kind: 'error', message: 'empty authentication header' };
  return out;
}

/** Quote a value as a quoted-string (RFC 3261 §25.1), escaping `"` and `\`. */
export function quote(value: string): string {
  return `"${value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Format a challenge/credentials. `unquoted` lists parameter names written as bare tokens (RFC 7616 §3.3
 * and §3.4 say which: algorithm, stale, nc, and qop inside credentials).
 */
export function formatAuthHeader(
  scheme: string,
  params: Array<[string, string]>,
  unquoted: ReadonlySet<string> = DEFAULT_UNQUOTED,
): string {
  return `${scheme} ${params.map(([k, v]) => `${k}=${unquoted.has(k) ? v : quote(v)}`).join(', ')}`;
}

const DEFAULT_UNQUOTED: ReadonlySet<string> = new Set(['algorithm', 'stale', 'nc']);
