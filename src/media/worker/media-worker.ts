/**
 * Entry point of a media worker thread: connects the channel (messages.ts) on `parentPort` to a
 * `MediaRuntime`. Requests are answered in any order (a `play` answers when the playback ends); events go
 * out as they happen, answers and events of one event-loop turn in one post. Nothing else lives here.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MediaError, MediaRuntime } from './media-runtime.ts';
import type { RequestBatch, RequestEnvelope, WorkerBatch, WorkerMessage } from './messages.ts';
import { raiseThreadPriority, type ThreadPriority } from './thread-priority.ts';
import { scheduleWarmUp } from './warm-up.ts';

const port = parentPort;
if (!port) throw new Error('media-worker.ts runs as a worker thread');
const { workerId, frameMs, priority } = (workerData ?? {}) as {
  workerId?: number;
  frameMs?: number;
  priority?: ThreadPriority;
};
const runtime = new MediaRuntime({
  workerId: workerId ?? 0,
  frameMs: frameMs ?? 20,
  // Before the first socket or tick: the whole life of this thread runs at the priority it got.
  priority: raiseThreadPriority(priority ?? 'realtime'),
});
/** What this turn of the event loop has to say, posted together at its end (see `WorkerBatch`). */
let outbox: WorkerMessage[] = [];
const flush = () => {
  const messages = outbox;
  outbox = [];
  if (messages.length === 1) port.postMessage(messages[0]);
  else if (messages.length > 1) port.postMessage({ kind: 'batch', messages } satisfies WorkerBatch);
};
const post = (m: WorkerMessage) => {
  if (outbox.push(m) === 1) setImmediate(flush);
};
runtime.onEvent = (event) => post({ kind: 'event', event });

const receive = (m: RequestEnvelope) => {
  if (m?.kind !== 'request') return;
  runtime.handle(m.request).then(
    (result) => {
      post({ kind: 'response', reqId: m.reqId, ok: true, result });
      if (m.request.op === 'shutdown') {
        flush();
        port.close();
      }
    },
    (err: unknown) => {
      const e =
        err instanceof MediaError
          ? err
          : new MediaError('bad-request', String((err as Error)?.message ?? err));
      post({ kind: 'response', reqId: m.reqId, ok: false, error: { code: e.code, message: e.message } });
    },
  );
};
port.on('message', (m: RequestEnvelope | RequestBatch) => {
  if (m?.kind === 'batch') for (const one of m.messages) receive(one);
  else receive(m);
});
post({ kind: 'ready', workerId: workerId ?? 0 });
// Concealment code runs rarely: optimised before the first loss burst rather than during it (warm-up.ts).
scheduleWarmUp();
