/**
 * The live event stream (`GET /api/events`, server-sent events): one EventSource, with its events in one
 * shape whether the server names them (`event: participant.joined`) or puts a `type` in the data.
 */

/** A server-sent event from `GET /api/events`: its type (`participant.joined`, …) and its data. */
export interface LiveEvent {
  type: string;
  data: Record<string, unknown>;
}

const EVENT_TYPES = [
  'conference.started',
  'conference.ended',
  'conference.locked',
  'conference.unlocked',
  'participant.joined',
  'participant.left',
  'participant.talking',
  'participant.muted',
  'participant.unmuted',
  'config.applied',
  'config.changed',
  'call.started',
  'call.ringing',
  'call.progress',
  'call.answered',
  'call.ended',
  'call.failed',
  'trunk.registration',
  'trunk.registered',
  'trunk.unregistered',
];

/**
 * Listens to the live event stream; returns the function that stops listening. Works whether the server
 * names its events (`event: participant.joined`) or sends them unnamed with a `type` in the data.
 */
export function subscribe(onEvent: (e: LiveEvent) => void, onState?: (open: boolean) => void): () => void {
  if (typeof EventSource === 'undefined') return () => {};
  const source = new EventSource('/api/events', { withCredentials: true });
  const deliver = (name: string | undefined, raw: string) => {
    let data: Record<string, unknown> = {};
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
    } catch {
      return;
    }
    const inner = (data.data && typeof data.data === 'object' ? data.data : data) as Record<string, unknown>;
    const type = name && name !== 'message' ? name : String(data.type ?? data.event ?? '');
    if (type) onEvent({ type, data: { ...data, ...inner } });
  };
  source.onmessage = (ev) => deliver(undefined, ev.data);
  for (const t of EVENT_TYPES) source.addEventListener(t, (ev) => deliver(t, (ev as MessageEvent).data));
  source.onopen = () => onState?.(true);
  source.onerror = () => onState?.(false);
  return () => source.close();
}
