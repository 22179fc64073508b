/**
 * Scheduling priority of a media worker thread. A conference tick is due every 20 ms; on a machine that is
 * also running SIP, HTTP, a database or (on a test box) load generators, a thread at normal priority can be
 * woken several milliseconds after its timer expired because another task holds the core for its time
 * slice. Media servers therefore run their media threads above everything else (FreeSWITCH's packaged
 * unit runs it round-robin real-time, Asterisk has `-p`); Parley does the same per media thread:
 *
 * - `realtime` (the default): SCHED_RR at a low real-time priority, falling back to `high` when not
 *   permitted (no CAP_SYS_NICE and no RLIMIT_RTPRIO allowance);
 * - `high`: nice −10 for the media thread alone, falling back to `normal` when not permitted;
 * - `normal`: left as it is.
 *
 * Only the worker's own thread is raised (threads it creates start at normal priority again), and only
 * media workers call this: the main thread (SIP, HTTP, store) stays at normal priority. A media thread
 * sleeps until its next tick whenever it is done; one that is overloaded (or spins through a bug) does not,
 * and then only the kernel's real-time throttling keeps 5 % of each core for normal tasks.
 */
import { setPriority } from 'node:os';
import { nativeUdp } from '../session/native-udp.ts';

/** What a media thread asks for. */
export type ThreadPriority = 'realtime' | 'high' | 'normal';

/** SCHED_RR priority asked for: above every normal task, below the kernel's own real-time threads (50). */
const REALTIME_PRIORITY = 10;
/** Nice value of `high`. */
const HIGH_NICE = -10;

/** Reads a priority setting (e.g. `PARLEY_MEDIA_PRIORITY`); an error text for anything else. */
export function parseThreadPriority(text: string | undefined): ThreadPriority | { error: string } {
  if (text === undefined || text === '') return 'realtime';
  const t = text.trim().toLowerCase();
  if (t === 'realtime' || t === 'high' || t === 'normal') return t;
  return { error: `media priority must be realtime, high or normal (got "${text}")` };
}

/**
 * Raises the CALLING thread as far as `wanted` allows and the system permits; returns what it got. Never
 * throws.
 */
export function raiseThreadPriority(wanted: ThreadPriority): ThreadPriority {
  if (wanted === 'normal') return 'normal';
  const addon = nativeUdp();
  if (addon) {
    const got = addon.raisePriority(wanted === 'realtime' ? REALTIME_PRIORITY : 0, HIGH_NICE);
    return got === 2 ? 'realtime' : got === 1 ? 'high' : 'normal';
  }
  // Without the addon only nice is reachable: on Linux, setpriority(PRIO_PROCESS, 0) sets the calling
  // thread's nice value, not the whole process's.
  try {
    setPriority(0, HIGH_NICE);
    return 'high';
  } catch {
    return 'normal';
  }
}
