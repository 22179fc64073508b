/**
 * Collects digits until the terminator (`#`), a maximum length, a timeout or the caller hanging up.
 * Listening starts before the prompt, so a caller who knows the code can type over the prompt (the first
 * digit cuts it short) without losing that digit.
 */
import type { SoundName } from '../../../prompts/index.ts';
import type { CallContext } from './call-context.ts';

export interface CollectOptions {
  /** Played first, cut short by the first digit. */
  prompt?: readonly SoundName[];
  /** Ends the input and is not part of it (default `#`). */
  terminator?: string;
  /** Input ends once this many digits are in (default 16). */
  maxDigits?: number;
  /** Time allowed for the first digit once the prompt is over (default 10 s). */
  firstDigitTimeoutMs?: number;
  /** Time allowed between two digits (default 5 s). */
  interDigitTimeoutMs?: number;
  /** Time allowed for the whole input once the prompt is over (default 30 s). */
  overallTimeoutMs?: number;
}

export interface CollectedDigits {
  /** What was typed, without the terminator. */
  digits: string;
  /** How the input ended. */
  reason: 'terminator' | 'max-digits' | 'timeout' | 'hangup';
}

export const COLLECT_DEFAULTS = {
  terminator: '#',
  maxDigits: 16,
  firstDigitTimeoutMs: 10_000,
  interDigitTimeoutMs: 5_000,
  overallTimeoutMs: 30_000,
} as const;

export function collectDigits(ctx: CallContext, options: CollectOptions = {}): Promise<CollectedDigits> {
  const terminator = options.terminator ?? COLLECT_DEFAULTS.terminator;
  const maxDigits = options.maxDigits ?? COLLECT_DEFAULTS.maxDigits;
  const firstMs = options.firstDigitTimeoutMs ?? COLLECT_DEFAULTS.firstDigitTimeoutMs;
  const interMs = options.interDigitTimeoutMs ?? COLLECT_DEFAULTS.interDigitTimeoutMs;
  const overallMs = options.overallTimeoutMs ?? COLLECT_DEFAULTS.overallTimeoutMs;

  return new Promise((resolve) => {
    let digits = '';
    let done = false;
    let offDigit = () => {};
    let offHangup = () => {};
    let digitTimer: ReturnType<typeof setTimeout> | undefined;
    let overallTimer: ReturnType<typeof setTimeout> | undefined;

    const finish = (reason: CollectedDigits['reason']) => {
      if (done) return;
      done = true;
      clearTimeout(digitTimer);
      clearTimeout(overallTimer);
      offDigit();
      offHangup();
      resolve({ digits, reason });
    };
    const armDigitTimer = (ms: number) => {
      clearTimeout(digitTimer);
      digitTimer = setTimeout(() => finish('timeout'), ms);
    };
    const startClock = () => {
      if (done || overallTimer !== undefined) return;
      overallTimer = setTimeout(() => finish('timeout'), overallMs);
      armDigitTimer(digits === '' ? firstMs : interMs);
    };

    offDigit = ctx.onDigit((digit) => {
      if (done) return;
      if (digit === terminator) return finish('terminator');
      digits += digit;
      if (digits.length >= maxDigits) return finish('max-digits');
      // The clock starts at the first digit, even while the interrupted prompt winds down.
      if (overallTimer === undefined) startClock();
      else armDigitTimer(interMs);
    });
    offHangup = ctx.onHangup(() => finish('hangup'));
    if (done) {
      offDigit();
      return;
    }

    if (options.prompt && options.prompt.length > 0) {
      ctx.play(options.prompt, { interruptOnDigit: true }).then(
        () => startClock(),
        () => finish(ctx.ended ? 'hangup' : 'timeout'),
      );
    } else {
      startClock();
    }
  });
}
