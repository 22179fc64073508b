/**
 * How busy a media worker is, measured between two reads: the share of wall time spent in clock ticks,
 * the event loop's utilisation, and the CPU time of the thread itself (`process.threadCpuUsage`), which is
 * the honest figure on a crowded machine where a runnable thread waits for a core.
 */
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Load figures since the previous read. */
export interface LoadReading {
  /** Time spent in ticks per wall time. */
  tickLoad: number;
  /** The part of `tickLoad` spent handing the ticks' packets to the kernel (the native path's batch send). */
  sendLoad: number;
  /** Event-loop utilisation (0..1). */
  utilization: number;
  /** Thread CPU time (user + system) per wall time. */
  cpu: number;
}

/** Load meter (see file comment). */
export class LoadMeter {
  #tickTime = 0;
  #sendTime = 0;
  #at = performance.now();
  #elu = performance.eventLoopUtilization();
  #cpu = process.threadCpuUsage();

  /** Adds the duration of one tick, and the part of it spent sending its batch of packets. */
  addTick(ms: number, sendMs = 0): void {
    this.#tickTime += ms;
    this.#sendTime += sendMs;
  }

  /** The figures since the previous read (or creation), and starts a new period. */
  read(): LoadReading {
    const now = performance.now();
    const wall = now - this.#at;
    const elu = performance.eventLoopUtilization(this.#elu);
    const cpuNow = process.threadCpuUsage();
    const cpuMs = (cpuNow.user - this.#cpu.user + cpuNow.system - this.#cpu.system) / 1000;
    const reading = {
      tickLoad: wall > 0 ? this.#tickTime / wall : 0,
      sendLoad: wall > 0 ? this.#sendTime / wall : 0,
      utilization: elu.utilization,
      cpu: wall > 0 ? cpuMs / wall : 0,
    };
    this.#elu = performance.eventLoopUtilization();
    this.#cpu = cpuNow;
    this.#tickTime = 0;
    this.#sendTime = 0;
    this.#at = now;
    return reading;
  }
}

/**
 * A full garbage collection for memory figures (benchmarks): V8's `gc` is exposed for a moment through a
 * fresh context, since worker threads cannot be started with --expose-gc.
 */
export function collectGarbage(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // Figures are then taken without a collection.
  }
}
