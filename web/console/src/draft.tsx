/**
 * The draft: what waits to be applied. Pages call `refresh()` after each write so the count on
 * **Apply changes** is always right; the list also marks rows that are not applied yet.
 */
import { createContext, type ReactNode, useCallback, useContext, useEffect, useRef, useState } from 'react';
import { api, type FieldError } from './api.ts';
import { type Change, normalizeChanges } from './changes.ts';
import { useLiveEvents } from './live-events.tsx';

interface DraftValue {
  changes: Change[];
  /** What Apply would refuse right now, with the path of each field at fault. */
  problems: FieldError[];
  loaded: boolean;
  /**
   * Bumped whenever the draft turns out different from the last look (a write here, a discard, a
   * restore, an Apply, or another administrator's edit): lists use it to load again.
   */
  generation: number;
  refresh: () => Promise<void>;
}

const DraftContext = createContext<DraftValue>({
  changes: [],
  problems: [],
  loaded: false,
  generation: 0,
  refresh: async () => {},
});

export function DraftProvider({ children }: { children: ReactNode }) {
  const [changes, setChanges] = useState<Change[]>([]);
  const [problems, setProblems] = useState<FieldError[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [generation, setGeneration] = useState(0);
  const last = useRef('');
  const refresh = useCallback(async () => {
    try {
      const data = await api.changes();
      const seen = JSON.stringify(data);
      if (last.current && seen !== last.current) setGeneration((g) => g + 1);
      last.current = seen;
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
    // Another administrator may have changed the draft meanwhile: look again when the tab comes back.
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    return () => window.removeEventListener('focus', onFocus);
  }, [refresh]);
  useLiveEvents((e) => {
    if (e.type.startsWith('config.')) void refresh();
  });
  return (
    <DraftContext.Provider value={{ changes, problems, loaded, generation, refresh }}>
      {children}
    </DraftContext.Provider>
  );
}

export function useDraft(): DraftValue {
  return useContext(DraftContext);
}
