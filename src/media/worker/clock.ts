/**
 * The media clock: one tick every `periodMs` (20 ms) on an absolute grid of deadlines taken from the
 * monotonic clock (`performance.now()`), never from `setInterval`, whose period drifts under load. Each tick
 * arms a `setTimeout` aimed at the next deadline; when the event loop was stalled the missed ticks run at
 * once (catch-up, so no frame slot is lost and nothing drifts), and beyond `maxCatchUp` ticks the oldest
 * are skipped and counted rather than bursting seconds of audio. Lateness of every tick is recorded.
 */
import { performance } from 'node:perf_hooks';
import { LatenessHistogram, type LatenessSummary } from './lateness-histogram.ts';

/** Called once per tick: `tick` counts from 0, `lateMs` is how far past its deadline it runs. */
export type TickHandler = (tick: number, lateMs: number) => void;

export interface MediaClockOptions {
  /** Tick period, 20 ms by default (one RTP packet of G.711 at ptime 20). */
  periodMs?: number;
  /** Ticks run back to back after a stall before older ones are skipped; default 5 (100 ms). */
  maxCatchUp?: number;
  /** Monotonic time source in ms (tests inject one); default `performance.now`. */
  now?: () => number;
}

/** Counters and lateness percentiles of a clock. */
export interface MediaClockStats {
  ticks: number;
  /** Ticks dropped because the loop was stalled for longer than the catch-up allowance. */
  skipped: number;
  /** Ticks that ran more than one period late (caught up). */
  caughtUp: number;
  lateness: LatenessSummary;
}

/** Ticks run back to back in one wake-up at most (see `#fire`). */
const MAX_TICKS_PER_WAKE = 2;

/** The timer wakes up to this early; running the tick a hair early is harmless, sleeping again is not. */
const EARLY_TOLERANCE_MS = 0.5;

/** A drift-free periodic clock (see file comment). */
export class MediaClock {
  readonly periodMs: number;
  #maxCatchUp: number;
  #now: () => number;
  #onTick: TickHandler;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  /** Inside `#fire` (ticks running): `poll()` from a tick handler must not start another run. */
  #firing = false;
  #next = 0;
  #tick = 0;
  #skipped = 0;
  #caughtUp = 0;
  #hist = new LatenessHistogram();

  constructor(onTick: TickHandler, options: MediaClockOptions = {}) {
    this.#onTick = onTick;
    this.periodMs = options.periodMs ?? 20;
    this.#maxCatchUp = options.maxCatchUp ?? 5;
    this.#now = options.now ?? (() => performance.now());
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts ticking; the first tick is one period from now. Idempotent. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#next = this.#now() + this.periodMs;
    this.#arm();
  }

  /** Stops ticking. Idempotent; `start()` again begins a new grid. */
  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * Runs the ticks that are due now, from outside the timer. The worker calls it from its packet path:
   * libuv drains a flood of ready sockets before it runs timers again, so under overload the timer alone
   * could go quiet for seconds while packets pile up; polling keeps the ticks coming.
   */
  poll(): void {
    // Not from inside a tick (a handler that reads packets polls again): a nested run would arm a second
    // timer and the clock would then tick twice per period.
    if (this.#firing || !this.#running || this.#now() < this.#next - EARLY_TOLERANCE_MS) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#fire();
  }

  stats(): MediaClockStats {
    return {
      ticks: this.#tick,
      skipped: this.#skipped,
      caughtUp: this.#caughtUp,
      lateness: this.#hist.summary(),
    };
  }

  /** Forgets the lateness samples and counters (e.g. between benchmark steps). */
  resetStats(): void {
    this.#hist.reset();
    this.#skipped = 0;
    this.#caughtUp = 0;
  }

  #arm(): void {
    const delay = Math.max(0, this.#next - this.#now());
    this.#timer = setTimeout(this.#fire, Math.floor(delay));
  }

  #fire = (): void => {
    this.#timer = undefined;
    if (!this.#running || this.#firing) return;
    this.#firing = true;
    try {
      this.#runDue();
    } finally {
      this.#firing = false;
    }
    if (this.#running) this.#arm();
  };

  #runDue(): void {
    let now = this.#now();
    if (now < this.#next - EARLY_TOLERANCE_MS) return;
    // At most two ticks per wake-up: a worker that fell behind catches up over a few turns of the event
    // loop, so the packets waiting for it are read in between instead of piling up behind a burst of ticks.
    for (
      let ran = 0;
      ran < MAX_TICKS_PER_WAKE && this.#running && now >= this.#next - EARLY_TOLERANCE_MS;
      ran++
    ) {
      // A stall longer than the catch-up allowance: skip whole periods so the grid stays where it was.
      const behind = Math.floor((now - this.#next) / this.periodMs);
      if (behind > this.#maxCatchUp) {
        const skip = behind - this.#maxCatchUp;
        this.#next += skip * this.periodMs;
        this.#skipped += skip;
        this.#tick += skip;
      }
      const late = now - this.#next;
      this.#hist.record(late);
      if (late >= this.periodMs) this.#caughtUp++;
      const tick = this.#tick++;
      this.#next += this.periodMs;
      try {
        this.#onTick(tick, Math.max(late, 0));
      } catch {
        // A tick handler must not stop the clock; the handler owns its own error reporting.
      }
      now = this.#now();
    }
  }
}
