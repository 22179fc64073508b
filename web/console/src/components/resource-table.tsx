/**
 * A configuration list as every page shows it: its loading, error and empty states, then a table whose
 * first column names the row (a row header, with the "not applied yet" mark), and Edit and Delete on each
 * row. Each button carries the row's name for screen readers ("Edit Alice Martin"), so a row's buttons
 * are told apart from the next row's.
 */
import type { ReactNode } from 'react';
import { useDraft } from '../draft.tsx';
import type { Loaded } from '../use-load.ts';
import { ListState, PendingTag } from './page-header.tsx';

/** One column: its heading and what each row shows in it. */
export interface Column<T> {
  title: string;
  /** The cell's name on narrow screens, where each cell shows it above its value; the title by default. */
  label?: string;
  cell: (row: T) => ReactNode;
}

export interface ResourceTableProps<T extends { id: string }> {
  load: Loaded<T[]>;
  /** What to say when the list loaded empty. */
  empty: ReactNode;
  /** The first column is the row's header. */
  columns: Column<T>[];
  /** Read out before the table (it is not shown). */
  caption?: string;
  /** The name the row's buttons add for screen readers. */
  rowName: (row: T) => string;
  /** Marks rows with a pending change (off for what production runs). */
  showPending?: boolean;
  /** Edit button on each row; absent when the user may not edit. */
  onEdit?: (row: T) => void;
  /** Delete button on each row; absent when the user may not delete. */
  onDelete?: (row: T) => void;
  /** Other buttons of a row, between Edit and Delete. */
  actions?: (row: T) => ReactNode;
}

export function ResourceTable<T extends { id: string }>({
  load,
  empty,
  columns,
  caption,
  rowName,
  showPending = true,
  onEdit,
  onDelete,
  actions,
}: ResourceTableProps<T>) {
  const draft = useDraft();
  const rows = load.data ?? [];
  const [first, ...rest] = columns;
  return (
    <>
      <ListState load={load} count={rows.length} empty={empty} />
      {first && rows.length > 0 && (
        <table className="table">
          {caption && <caption className="sr-only">{caption}</caption>}
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.label ?? c.title} scope="col">
                  {c.title}
                </th>
              ))}
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <th scope="row" data-label={first.label ?? first.title}>
                  {first.cell(row)}{' '}
                  {showPending && <PendingTag action={draft.changes.find((x) => x.id === row.id)?.action} />}
                </th>
                {rest.map((c) => (
                  <td key={c.label ?? c.title} data-label={c.label ?? c.title}>
                    {c.cell(row)}
                  </td>
                ))}
                <td className="row-actions">
                  {onEdit && (
                    <button type="button" className="button button-small" onClick={() => onEdit(row)}>
                      Edit<span className="sr-only"> {rowName(row)}</span>
                    </button>
                  )}
                  {actions?.(row)}
                  {onDelete && (
                    <button
                      type="button"
                      className="button button-small button-danger-outline"
                      onClick={() => onDelete(row)}
                    >
                      Delete<span className="sr-only"> {rowName(row)}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
