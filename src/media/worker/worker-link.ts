/**
 * The main thread's end of the channel to one media worker: `request()` sends a typed request and resolves
 * with its typed result (or rejects with a `MediaError`), events are handed to `onEvent`. Two kinds: a real
 * worker thread, and an in-thread link that runs the `MediaRuntime` on the main thread (`workers: 0`, for
 * tests and tiny installs) through the very same request/response path.
 */
import { Worker } from 'node:worker_threads';
import { MediaError, MediaRuntime } from './media-runtime.ts';
import type {
  MediaEvent,
  RequestBatch,
  RequestEnvelope,
  WorkerBatch,
  WorkerMessage,
  WorkerRequest,
  WorkerResults,
} from './messages.ts';
import type { ThreadPriority } from './thread-priority.ts';

/** One worker as the engine sees it. */
export interface WorkerLink {
  readonly workerId: number;
  onEvent: (event: MediaEvent) => void;
  /** Called once if the worker dies; pending requests are rejected with 'worker-failed'. */
  onFailure: (reason: string) => void;
  request<R extends WorkerRequest>(req: R): Promise<WorkerResults[R['op']]>;
  /** Ends the worker (after a 'shutdown' request, or at once on failure). Idempotent. */
  terminate(): Promise<void>;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

/** A media worker thread. */
export class ThreadWorkerLink implements WorkerLink {
  readonly workerId: number;
  onEvent: (event: MediaEvent) => void = () => {};
  onFailure: (reason: string) => void = () => {};
  #worker: Worker;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #outbox: RequestEnvelope[] = [];
  #ready: Promise<void>;
  #dead = false;

  constructor(
    workerId: number,
    options: { frameMs?: number; execArgv?: string[]; priority?: ThreadPriority } = {},
  ) {
    this.workerId = workerId;
    this.#worker = new Worker(new URL('./media-worker.ts', import.meta.url), {
      workerData: { workerId, frameMs: options.frameMs ?? 20, priority: options.priority ?? 'realtime' },
      ...(options.execArgv ? { execArgv: options.execArgv } : {}),
    });
    let ready: () => void = () => {};
    this.#ready = new Promise((r) => {
      ready = r;
    });
    const receive = (m: WorkerMessage) => {
      if (m.kind === 'ready') ready();
      else if (m.kind === 'event') this.onEvent(m.event);
      else if (m.kind === 'response') {
        const p = this.#pending.get(m.reqId);
        if (!p) return;
        this.#pending.delete(m.reqId);
        if (m.ok) p.resolve(m.result);
        else p.reject(new MediaError(m.error.code, m.error.message));
      }
    };
    this.#worker.on('message', (m: WorkerMessage | WorkerBatch) => {
      if (m.kind === 'batch') for (const one of m.messages) receive(one);
      else receive(m);
    });
    const fail = (reason: string) => {
      if (this.#dead) return;
      this.#dead = true;
      ready();
      for (const p of this.#pending.values()) p.reject(new MediaError('worker-failed', reason));
      this.#pending.clear();
      this.onFailure(reason);
    };
    this.#worker.on('error', (err) => fail(`media worker ${workerId} failed: ${err.message}`));
    this.#worker.on('exit', (code) => fail(`media worker ${workerId} exited (${code})`));
  }

  async request<R extends WorkerRequest>(req: R): Promise<WorkerResults[R['op']]> {
    await this.#ready;
    if (this.#dead) throw new MediaError('worker-failed', `media worker ${this.workerId} is gone`);
    const reqId = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(reqId, { resolve: resolve as (v: unknown) => void, reject });
      const envelope: RequestEnvelope = { kind: 'request', reqId, request: req };
      if (this.#outbox.push(envelope) === 1) setImmediate(this.#flush);
    });
  }

  /** Posts this event-loop turn's requests, together (see `RequestBatch`). */
  #flush = (): void => {
    const messages = this.#outbox;
    this.#outbox = [];
    // A worker that died meanwhile rejected them already.
    if (this.#dead) return;
    if (messages.length === 1) this.#worker.postMessage(messages[0]);
    else this.#worker.postMessage({ kind: 'batch', messages } satisfies RequestBatch);
  };

  async terminate(): Promise<void> {
    if (this.#dead) return;
    this.#dead = true;
    await this.#worker.terminate();
  }
}

/** The runtime on the calling thread, behind the same interface. */
export class InlineWorkerLink implements WorkerLink {
  readonly workerId: number;
  onFailure: (reason: string) => void = () => {};
  #runtime: MediaRuntime;

  constructor(workerId: number, options: { frameMs?: number } = {}) {
    this.workerId = workerId;
    this.#runtime = new MediaRuntime({ workerId, frameMs: options.frameMs ?? 20 });
  }

  set onEvent(cb: (event: MediaEvent) => void) {
    this.#runtime.onEvent = cb;
  }

  get onEvent(): (event: MediaEvent) => void {
    return this.#runtime.onEvent;
  }

  /** The runtime itself (benchmarks read its figures directly). */
  get runtime(): MediaRuntime {
    return this.#runtime;
  }

  request<R extends WorkerRequest>(req: R): Promise<WorkerResults[R['op']]> {
    return this.#runtime.handle(req);
  }

  async terminate(): Promise<void> {
    await this.#runtime.close();
  }
}
