/**
 * Random identifiers: tags (§19.3, at least 32 bits of randomness), branches (§8.1.1.7, starting with
 * the magic cookie) and Call-IDs (§8.1.1.4, globally unique). All come from the platform's CSPRNG so
 * they cannot be guessed (a guessable tag or Call-ID lets a third party inject into a dialog).
 */
import { randomFillSync } from 'node:crypto';

const HEX = '0123456789abcdef';

/**
 * CSPRNG bytes drawn a block at a time: a draw per identifier cost several microseconds of call overhead,
 * and a call setup makes a few identifiers. Each byte is handed out once.
 */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

function randomHex(bytes: number): string {
  if (poolAt + bytes > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  let out = '';
  for (let i = poolAt, end = poolAt + bytes; i < end; i++) {
    const b = POOL[i]!;
    out += HEX[b >> 4]! + HEX[b & 15]!;
  }
  poolAt += bytes;
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
