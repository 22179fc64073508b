/** A page's title, its one-line purpose and its main action (e.g. the green **Add a conference**). */
import type { ReactNode } from 'react';
import type { Loaded } from '../use-load.ts';

export function PageHeader({
  title,
  intro,
  add,
}: {
  title: string;
  intro?: ReactNode;
  /** The button that opens the new-object form; absent (or false) when the user may not add. */
  add?: { label: string; onClick: () => void } | false;
}) {
  return (
    <div className="page-header">
      <div>
        <h1>{title}</h1>
        {intro && <p className="page-intro">{intro}</p>}
      </div>
      {add && (
        <div className="page-actions">
          <button type="button" className="button button-primary" onClick={add.onClick}>
            {add.label}
          </button>
        </div>
      )}
    </div>
  );
}

/** Loading, error and empty states for a list, so every page words them the same way. */
export function ListState({
  load,
  count,
  empty,
}: {
  load: Loaded<unknown>;
  /** How many items the loaded list shows: none, and `empty` says so. */
  count: number;
  empty: ReactNode;
}) {
  if (load.error) {
    return (
      <div className="alert alert-error" role="alert">
        <p>{load.error}</p>
        <button type="button" className="button" onClick={() => void load.reload()}>
          Try again
        </button>
      </div>
    );
  }
  if (load.loading && !load.data) {
    return (
      <p className="progress" role="status">
        <span className="spinner" aria-hidden="true" /> Loading…
      </p>
    );
  }
  return load.data && count === 0 ? <div className="empty">{empty}</div> : null;
}

/** The "not applied yet" mark on a row whose object has a pending change. */
export function PendingTag({ action }: { action?: 'added' | 'changed' | 'removed' }) {
  if (!action) return null;
  const words = { added: 'New, not applied yet', changed: 'Changed, not applied yet', removed: 'Deleted' };
  return <span className={`tag tag-${action}`}>{words[action]}</span>;
}

/** Switches a list between the draft and what production runs (`?view=live`). */
export function ViewSwitch({ live, onChange }: { live: boolean; onChange: (live: boolean) => void }) {
  return (
    <fieldset className="segmented">
      <legend className="sr-only">Show</legend>
      <label className={live ? '' : 'selected'}>
        <input type="radio" name="view" checked={!live} onChange={() => onChange(false)} /> Draft
      </label>
      <label className={live ? 'selected' : ''}>
        <input type="radio" name="view" checked={live} onChange={() => onChange(true)} /> In production
      </label>
    </fieldset>
  );
}
