/**
 * A tiny history-API router: the console has a handful of top-level pages, each one path, so a library
 * would be more code than the routes. The server answers every unknown path with the console (SPA fallback).
 */
import { useEffect, useState } from 'react';

export interface Location {
  path: string;
  search: URLSearchParams;
}

function current(): Location {
  return { path: window.location.pathname, search: new URLSearchParams(window.location.search) };
}

const listeners = new Set<() => void>();

/** Goes to a console path (e.g. `/conferences?view=live`) without reloading. */
export function navigate(to: string, replace = false): void {
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  for (const l of listeners) l();
}

/** The current path and query, re-rendering on navigation and on the browser's Back/Forward. */
export function useLocation(): Location {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    const update = () => setLoc(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return loc;
}
