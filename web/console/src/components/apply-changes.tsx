/**
 * **Apply changes**, upper-right: the button shows how many changes wait; it opens the list of pending
 * changes field by field, then applies them all at once and shows the new version or the API's reasons.
 */
import { useState } from 'react';
import { ApiError, api, type FieldError } from '../api.ts';
import type { Change } from '../changes.ts';
import { useDraft } from '../draft.tsx';
import { byFormOrder, fieldLabel, formatValue, kindLabel } from '../labels.ts';
import { useCan } from '../session.ts';
import { Dialog } from './dialog.tsx';

type Phase =
  | { step: 'review' }
  | { step: 'applying' }
  | { step: 'done'; version: number }
  | { step: 'failed'; message: string; errors: FieldError[] };

export function ApplyChangesButton() {
  const { changes, refresh } = useDraft();
  const [open, setOpen] = useState(false);
  const count = changes.length;
  return (
    <>
      <button
        type="button"
        className="button button-primary apply-button"
        onClick={() => {
          void refresh();
          setOpen(true);
        }}
      >
        Apply changes
        <span className={count ? 'badge badge-count' : 'badge badge-zero'}>
          {count}
          <span className="sr-only"> pending</span>
        </span>
      </button>
      {open && <ApplyDialog onClose={() => setOpen(false)} />}
    </>
  );
}

function ApplyDialog({ onClose }: { onClose: () => void }) {
  const { changes, problems, refresh } = useDraft();
  const canApply = useCan('apply');
  const [phase, setPhase] = useState<Phase>({ step: 'review' });
  const apply = async () => {
    setPhase({ step: 'applying' });
    try {
      const { version } = await api.apply();
      setPhase({ step: 'done', version });
    } catch (err) {
      const e = err instanceof ApiError ? err : undefined;
      setPhase({
        step: 'failed',
        message: e?.message ?? String(err),
        errors: e?.fieldErrors ?? [],
      });
    }
    await refresh();
  };
  const discard = async () => {
    setPhase({ step: 'applying' });
    try {
      await api.discard();
      await refresh();
      onClose();
    } catch (err) {
      setPhase({ step: 'failed', message: err instanceof Error ? err.message : String(err), errors: [] });
    }
  };
  return (
    <Dialog title="Apply changes" onClose={onClose} wide>
      {phase.step === 'review' && (
        <>
          {changes.length === 0 ? (
            <p>Nothing waits to be applied: production already runs the configuration you see.</p>
          ) : (
            <>
              <p>
                {changes.length === 1 ? 'This change' : `These ${changes.length} changes`} will go into
                production together:
              </p>
              <ChangeList changes={changes} />
            </>
          )}
          {!canApply && changes.length > 0 && (
            <p className="alert alert-info">
              Applying needs the “Apply changes” permission: ask an administrator.
            </p>
          )}
          {problems.length > 0 && (
            <div className="alert alert-warning">
              <p>Apply will refuse the draft until these are fixed:</p>
              <ProblemList problems={problems} changes={changes} />
            </div>
          )}
          <div className="form-actions">
            <button
              type="button"
              className="button button-primary"
              disabled={changes.length === 0 || !canApply}
              onClick={() => void apply()}
            >
              Apply {changes.length === 1 ? '1 change' : `${changes.length} changes`}
            </button>
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            {changes.length > 0 && canApply && (
              <button type="button" className="button button-link-danger" onClick={() => void discard()}>
                Discard all changes
              </button>
            )}
          </div>
        </>
      )}
      {phase.step === 'applying' && (
        <p className="progress" role="status">
          <span className="spinner" aria-hidden="true" /> Applying the changes…
        </p>
      )}
      {phase.step === 'done' && (
        <>
          <p className="alert alert-success" role="status">
            Applied. Production now runs version {phase.version}.
          </p>
          <div className="form-actions">
            <button type="button" className="button button-primary" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      )}
      {phase.step === 'failed' && (
        <>
          <div className="alert alert-error" role="alert">
            <p>Nothing was applied. {phase.message}</p>
            {phase.errors.length > 0 && <ProblemList problems={phase.errors} changes={changes} />}
          </div>
          <div className="form-actions">
            <button type="button" className="button" onClick={() => setPhase({ step: 'review' })}>
              Back to the changes
            </button>
            <button type="button" className="button" onClick={onClose}>
              Close
            </button>
          </div>
        </>
      )}
    </Dialog>
  );
}

/** `conferences/abc/extension` → `Conference "Sales" — Internal extension`, when the object is known. */
function describePath(path: string, changes: Change[]): string {
  const parts = path.split(/[./[\]]+/).filter(Boolean);
  const change = changes.find((c) => parts.includes(c.id));
  const kind = parts.find((p) => kindLabel(p) !== p) ?? change?.kind ?? '';
  const field = parts[parts.length - 1] ?? '';
  const what = change ? `${kindLabel(change.kind)} “${change.label}”` : kindLabel(kind);
  return [what, field && field !== change?.id && field !== kind ? fieldLabel(kind, field) : '']
    .filter(Boolean)
    .join(' — ');
}

/** What Apply refuses, each reason after the object and field it is about. */
function ProblemList({ problems, changes }: { problems: FieldError[]; changes: Change[] }) {
  return (
    <ul>
      {problems.map((e) => (
        <li key={`${e.path}:${e.message}`}>
          {e.path && <strong>{describePath(e.path, changes)}: </strong>}
          {e.message}
        </li>
      ))}
    </ul>
  );
}

const ACTION_WORDS: Record<Change['action'], string> = {
  added: 'New',
  changed: 'Changed',
  removed: 'Deleted',
};

/** Pending or historical changes, each object with its fields before → after. */
export function ChangeList({ changes }: { changes: Change[] }) {
  return (
    <ul className="change-list">
      {changes.map((c) => (
        <li key={`${c.kind}:${c.id}:${c.action}`} className={`change change-${c.action}`}>
          <p className="change-title">
            <span className={`tag tag-${c.action}`}>{ACTION_WORDS[c.action]}</span> {kindLabel(c.kind)}{' '}
            <strong>{c.label}</strong>
          </p>
          {c.fields.length > 0 && (
            <table className="diff">
              <thead>
                <tr>
                  <th scope="col">Field</th>
                  {c.action !== 'added' && <th scope="col">Before</th>}
                  {c.action !== 'removed' && <th scope="col">After</th>}
                </tr>
              </thead>
              <tbody>
                {[...c.fields].sort(byFormOrder).map((f) => (
                  <tr key={f.field}>
                    <th scope="row">{fieldLabel(c.kind, f.field)}</th>
                    {c.action !== 'added' && <td>{formatValue(f.field, f.before, f.secret)}</td>}
                    {c.action !== 'removed' && <td>{formatValue(f.field, f.after, f.secret)}</td>}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </li>
      ))}
    </ul>
  );
}
