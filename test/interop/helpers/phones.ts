/**
 * baresip phones for call tests, started robustly: a start that fails (its SIP or control port taken in
 * the instant between probing and binding, or a slow start on a crowded machine) is retried on fresh
 * ports, so a busy machine does not fail a test that has nothing to do with it.
 */
import { Baresip, type BaresipOptions } from './baresip.ts';

export async function startPhone(options: BaresipOptions, attempts = 3): Promise<Baresip> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await Baresip.start(options);
    } catch (err) {
      last = err;
    }
  }
  throw last;
}
