/**
 * The digital receptionist's access-code check: ask for the code, collect digits until `#`, compare; a
 * wrong code is said so and asked again; after three failures, goodbye and hang up. No code configured:
 * straight in, without a prompt.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { CallContext } from './call-context.ts';
import { type CollectOptions, collectDigits } from './collect-digits.ts';
import { hangup } from './hangup.ts';

export interface AccessCodeOptions {
  /** Tries before goodbye (default 3). */
  maxAttempts?: number;
  /** Timeouts and length of each try. */
  collect?: Omit<CollectOptions, 'prompt' | 'terminator'>;
}

/** `granted`: go on; `denied`: the call was hung up after the last failure; `hangup`: the caller left. */
export type AccessCodeResult = 'granted' | 'denied' | 'hangup';

/**
 * Compares in constant time: both sides are hashed first, so neither the position of the first wrong
 * digit nor the code's length shows in the timing.
 */
export function sameCode(typed: string, expected: string): boolean {
  const a = createHash('sha256').update(typed).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

export async function accessCode(
  ctx: CallContext,
  expected: string | undefined,
  options: AccessCodeOptions = {},
): Promise<AccessCodeResult> {
  if (expected === undefined || expected === '') return ctx.ended ? 'hangup' : 'granted';
  const attempts = options.maxAttempts ?? 3;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (ctx.ended) return 'hangup';
    const got = await collectDigits(ctx, {
      ...options.collect,
      // Long enough for any code and a bit more, so a too-long code is read in full and refused.
      maxDigits: options.collect?.maxDigits ?? Math.max(16, expected.length + 4),
      prompt: attempt === 0 ? ['enter-access-code'] : ['wrong-code', 'enter-access-code'],
    });
    if (got.reason === 'hangup' || ctx.ended) return 'hangup';
    if (sameCode(got.digits, expected)) return 'granted';
  }
  await hangup(ctx, 'access-denied', { goodbye: true });
  return 'denied';
}
