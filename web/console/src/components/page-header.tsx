/** A page's title, its one-line purpose and its main action (e.g. the green **Add a conference**). */
import type { ReactNode } from 'react';

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
  loading,
  error,
  empty,
  onRetry,
}: {
  loading: boolean;
  error?: string;
  empty?: ReactNode;
  onRetry?: () => void;
}) {
  if (error) {
    return (
      <div className="alert alert-error" role="alert">
        <p>{error}</p>
        {onRetry && (
          <button type="button" className="button" onClick={onRetry}>
            Try again
          </button>
        )}
      </div>
    );
  }
  if (loading) {
    return (
      <p className="progress" role="status">
        <span className="spinner" aria-hidden="true" /> Loading…
      </p>
    );
  }
  return empty ? <div className="empty">{empty}</div> : null;
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
