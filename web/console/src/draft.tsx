/**
 * The draft: what waits to be applied. Pages call `refresh()` after each write so the count on
 * **Apply changes** is always right; the list also marks rows that are not applied yet.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';
import { api, type Change, type FieldError, normalizeChanges } from './api.ts';
import { useLiveEvents } from './live-events.tsx';

interface DraftValue {
  changes: Change[];
  /** What Apply would refuse right now, with the path of each field at fault. */
  problems: FieldError[];
  loaded: boolean;
  refresh: () => Promise<void>;
}

const DraftContext = createContext<DraftValue>({
  changes: [],
  problems: [],
  loaded: false,
  refresh: async () => {},
});

export function DraftProvider({ children }: { children: ReactNode }) {
  const [changes, setChanges] = useState<Change[]>([]);
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [loaded, setLoaded] = useState(false);
  const refresh = useCallback(async () => {
    try {
      const data = await api.changes();
      setChanges(normalizeChanges(data));
      const p = (data as { problems?: unknown } | undefined)?.problems;
      setProblems(Array.isArray(p) ? (p as FieldError[]) : []);
      setLoaded(true);
    } catch {
      // The count stays as it was; the page that wrote shows its own error.
    }
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  useLiveEvents((e) => {
    if (e.type.startsWith('config.')) void refresh();
  });
  return (
    <DraftContext.Provider value={{ changes, problems, loaded, refresh }}>{children}</DraftContext.Provider>
  );
}

export function useDraft(): DraftValue {
  return useContext(DraftContext);
}

/** The pending change of one object, if any (for the "not applied yet" mark). */
export function usePending(id: string): Change | undefined {
  return useDraft().changes.find((c) => c.id === id);
}
