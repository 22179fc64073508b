/**
 * Random identifiers: tags (§19.3, at least 32 bits of randomness), branches (§8.1.1.7, starting with
 * the magic cookie) and Call-IDs (§8.1.1.4, globally unique). All come from the platform's CSPRNG so
 * they cannot be guessed (a guessable tag or Call-ID lets a third party inject into a dialog).
 */

const HEX = '0123456789abcdef';

function randomHex(bytes: number): string {
  const buf = new Uint8Array(bytes);
  crypto.getRandomValues(buf);
  let out = '';
  for (const b of buf) out += HEX[b >> 4]! + HEX[b & 15]!;
  return out;
}

/** The RFC 3261 branch magic cookie (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/** A From/To tag: 64 random bits. */
export function generateTag(): string {
  return randomHex(8);
}

/** A Via branch: the magic cookie and 96 random bits. */
export function generateBranch(): string {
  return MAGIC_COOKIE + randomHex(12);
}

/** A Call-ID: 128 random bits (no host part: it would reveal the machine and is optional). */
export function generateCallId(): string {
  return randomHex(16);
}
