/**
 * Password hashing (argon2id, RFC 9106) and random secrets (tokens, session ids) stored as SHA-256.
 * The only file that imports the argon2 library.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';

/** argon2id (algorithm 2 in @node-rs/argon2); OWASP's second recommended setting: m=19 MiB, t=2, p=1. */
const OPTIONS = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** False for a wrong password and for a malformed stored hash (never throws for those). */
export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;
/** Spends the time of one verification, so an unknown username takes as long as a wrong password. */
export async function verifyNothing(password: string): Promise<void> {
  dummy ??= hashPassword(randomSecret());
  await verifyPassword(await dummy, password);
}

/** 256 random bits, base64url. */
export function randomSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Tokens and session ids have 256 bits of entropy, so one unsalted SHA-256 is enough to store them. */
export function sha256(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A short random id with a readable prefix, e.g. `u_3kq9…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomBytes(9).toString('base64url')}`;
}
