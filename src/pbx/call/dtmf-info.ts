/**
 * DTMF carried by SIP INFO: `application/dtmf-relay` (`Signal=5\r\nDuration=160`, the de-facto format of
 * Cisco and most phones) and `application/dtmf` (the digit alone). Pure.
 */
export interface DtmfInfo {
  digit: string;
  durationMs: number;
}

const DIGIT = /^[0-9*#A-Da-d]$/;
const decoder = new TextDecoder();

/** The digit in an INFO body, or undefined when the body is not DTMF. */
export function parseDtmfInfo(contentType: string | undefined, body: Uint8Array): DtmfInfo | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const text = decoder.decode(body).trim();
  if (type === 'application/dtmf') {
    // RFC-less but common: the digit, or its event code 0-15.
    return toInfo(text, 250);
  }
  if (type !== 'application/dtmf-relay') return undefined;
  let signal: string | undefined;
  let duration = 250;
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(\w+)\s*=\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'signal') signal = m[2];
    else if (key === 'duration' && /^\d{1,6}$/.test(m[2]!)) duration = Number(m[2]);
  }
  return signal === undefined ? undefined : toInfo(signal, duration);
}

function toInfo(value: string, durationMs: number): DtmfInfo | undefined {
  if (/^\d{1,2}$/.test(value)) {
    const code = Number(value);
    // Event codes 10 and 11 are * and # (RFC 4733 §3.2); 0-9 are themselves.
    if (code <= 9) return { digit: String(code), durationMs };
    if (code === 10) return { digit: '*', durationMs };
    if (code === 11) return { digit: '#', durationMs };
    if (code <= 15) return { digit: 'ABCD'[code - 12]!, durationMs };
    return undefined;
  }
  return DIGIT.test(value) ? { digit: value.toUpperCase(), durationMs } : undefined;
}
