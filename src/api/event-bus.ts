/**
 * A small typed publish/subscribe bus for what happens live: the PBX publishes room and call events, the
 * store's Apply becomes `config.applied`, and `GET /api/events` streams them as server-sent events.
 * A failing subscriber is reported to `onError`, never thrown back into the publisher.
 */
import type { CallEventData, CallEventMap } from '../pbx/call/call-services.ts';
import type { ConferenceEventMap } from '../pbx/conference/conference-events.ts';

/**
 * Every live event: the rooms' and the calls' (their names and shapes are the PBX's own) and the API's.
 */
export interface ParleyEventMap extends ConferenceEventMap, CallEventMap {
  'config.applied': { version: number };
  'trunk.registration': {
    trunkId: string;
    state: 'registering' | 'registered' | 'failed' | 'unregistered';
    detail?: string;
  };
}

export type { CallEventData };

export type ParleyEventType = keyof ParleyEventMap;

export type ParleyEvent = {
  [K in ParleyEventType]: { id: number; type: K; at: string; data: ParleyEventMap[K] };
}[ParleyEventType];

export type EventListener = (event: ParleyEvent) => void;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly recent: ParleyEvent[] = [];
  private seq = 0;
  private readonly keep: number;
  private readonly onError: (err: unknown) => void;

  /** `keep`: how many recent events a reconnecting stream can catch up on (SSE Last-Event-ID). */
  constructor(options: { keep?: number; onError?: (err: unknown) => void } = {}) {
    this.keep = options.keep ?? 200;
    this.onError = options.onError ?? (() => {});
  }

  publish<K extends ParleyEventType>(type: K, data: ParleyEventMap[K]): ParleyEvent {
    const event = { id: ++this.seq, type, at: new Date().toISOString(), data } as ParleyEvent;
    this.recent.push(event);
    if (this.recent.length > this.keep) this.recent.shift();
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (err) {
        this.onError(err);
      }
    }
    return event;
  }

  /** Every event; returns the unsubscribe function. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events of one type. */
  on<K extends ParleyEventType>(
    type: K,
    listener: (event: Extract<ParleyEvent, { type: K }>) => void,
  ): () => void {
    return this.subscribe((e) => {
      if (e.type === type) listener(e as Extract<ParleyEvent, { type: K }>);
    });
  }

  /** Events after `id` still remembered, oldest first. */
  since(id: number): ParleyEvent[] {
    return this.recent.filter((e) => e.id > id);
  }

  get subscribers(): number {
    return this.listeners.size;
  }
}
