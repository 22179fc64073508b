/**
 * One connection to the server's live event stream for the whole console, shared by every page that
 * shows something live (rosters, invitations, trunk registration, the pending-changes count).
 */
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import { type LiveEvent, subscribe } from './events.ts';

type Handler = (e: LiveEvent) => void;

interface EventsValue {
  connected: boolean;
  listen: (h: Handler) => () => void;
}

const EventsContext = createContext<EventsValue>({ connected: false, listen: () => () => {} });

export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const handlers = useRef(new Set<Handler>());
  const [connected, setConnected] = useState(false);
  useEffect(
    () =>
      subscribe((e) => {
        for (const h of handlers.current) {
          try {
            h(e);
          } catch (err) {
            console.error('live event handler failed', err);
          }
        }
      }, setConnected),
    [],
  );
  const listen = useCallback((h: Handler) => {
    handlers.current.add(h);
    return () => {
      handlers.current.delete(h);
    };
  }, []);
  const value = useMemo(() => ({ connected, listen }), [connected, listen]);
  return <EventsContext.Provider value={value}>{children}</EventsContext.Provider>;
}

/** Calls `handler` for every live event while the component is shown. */
export function useLiveEvents(handler: Handler): boolean {
  const { connected, listen } = useContext(EventsContext);
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => listen((e) => ref.current(e)), [listen]);
  return connected;
}
