/**
 * Entry point of a media worker thread: connects the channel (messages.ts) on `parentPort` to a
 * `MediaRuntime`. Requests are answered in any order (a `play` answers when the playback ends); events go
 * out as they happen. Nothing else lives here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MediaError, MediaRuntime } from './media-runtime.ts';
import type { RequestEnvelope, WorkerMessage } from './messages.ts';

const port = parentPort;
if (!port) throw new Error('media-worker.ts runs as a worker thread');
const { workerId, frameMs } = (workerData ?? {}) as { workerId?: number; frameMs?: number };
const runtime = new MediaRuntime({ workerId: workerId ?? 0, frameMs: frameMs ?? 20 });
const post = (m: WorkerMessage) => port.postMessage(m);
runtime.onEvent = (event) => post({ kind: 'event', event });

port.on('message', (m: RequestEnvelope) => {
  if (m?.kind !== 'request') return;
  runtime.handle(m.request).then(
    (result) => {
      post({ kind: 'response', reqId: m.reqId, ok: true, result });
      if (m.request.op === 'shutdown') port.close();
    },
    (err: unknown) => {
      const e =
        err instanceof MediaError
          ? err
          : new MediaError('bad-request', String((err as Error)?.message ?? err));
      post({ kind: 'response', reqId: m.reqId, ok: false, error: { code: e.code, message: e.message } });
    },
  );
});
post({ kind: 'ready', workerId: workerId ?? 0 });
