/**
 * Figures read from a running Parley's `/metrics` (Prometheus text), for leak checks in call tests: after
 * every call has ended, no RTP session may be left open in the media engine.
 */
import type { ParleyProcess } from './parley-process.ts';
import { waitFor } from './tones.ts';

/** `parley_media_sessions`: RTP sessions open in the media engine (refreshed every second). */
export async function mediaSessions(parley: ParleyProcess): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${parley.httpPort}/metrics`, {
    headers: { authorization: `Bearer ${parley.token}` },
  });
  const text = await r.text();
  const m = /^parley_media_sessions\s+(\d+)/m.exec(text);
  if (!m) throw new Error(`no parley_media_sessions in /metrics (${r.status}):\n${text.slice(0, 500)}`);
  return Number(m[1]);
}

/** Resolves once no RTP session is open; throws with the count still open after `timeoutMs`. */
export async function noMediaLeft(parley: ParleyProcess, timeoutMs = 5000): Promise<void> {
  let last = -1;
  await waitFor(
    'every RTP session closed',
    async () => {
      last = await mediaSessions(parley);
      return last === 0 ? true : undefined;
    },
    timeoutMs,
  ).catch(() => {
    throw new Error(`${last} RTP session(s) still open after every call ended`);
  });
}
