/** History: every applied version, what changed in it, and restoring one into the draft. */
import { useState } from 'react';
import { api, type VersionEntry } from '../api.ts';
import type { Change } from '../changes.ts';
import { ChangeList } from '../components/apply-changes.tsx';
import { Confirm } from '../components/dialog.tsx';
import { ListState, PageHeader } from '../components/page-header.tsx';
import { useDraft } from '../draft.tsx';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';

export function HistoryPage() {
  const draft = useDraft();
  const versions = useLoad(() => api.versions(), String(draft.generation));
  const canRestore = useCan('apply');
  const [details, setDetails] = useState<Record<number, Change[] | string>>({});
  const [restoring, setRestoring] = useState<{ v: VersionEntry; busy?: boolean; error?: string }>();
  const [notice, setNotice] = useState<string>();

  const toggle = async (v: VersionEntry) => {
    if (details[v.version] !== undefined) {
      setDetails(({ [v.version]: _, ...rest }) => rest);
      return;
    }
    if (v.changes) {
      setDetails((d) => ({ ...d, [v.version]: v.changes! }));
      return;
    }
    try {
      const changes = await api.versionChanges(v.version);
      setDetails((d) => ({ ...d, [v.version]: changes }));
    } catch (err) {
      setDetails((d) => ({ ...d, [v.version]: err instanceof Error ? err.message : String(err) }));
    }
  };
  const restore = async (v: VersionEntry) => {
    setRestoring({ v, busy: true });
    try {
      await api.restore(v.version);
      setRestoring(undefined);
      setNotice(
        `Version ${v.version} was copied into the draft. Review it with Apply changes, then apply it.`,
      );
      await draft.refresh();
    } catch (err) {
      setRestoring({ v, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const list = [...(versions.data ?? [])].sort((a, b) => b.version - a.version);
  return (
    <>
      <PageHeader title="History" intro="Every configuration that was applied, newest first." />
      {notice && (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      )}
      <ListState load={versions} count={list.length} empty="Nothing has been applied yet." />
      {list.length > 0 && (
        <ol className="versions">
          {list.map((v, i) => {
            const d = details[v.version];
            return (
              <li key={v.version} className="version">
                <div className="version-row">
                  <p className="version-title">
                    <strong>Version {v.version}</strong>
                    {i === 0 && <span className="tag tag-added">In production</span>}
                  </p>
                  <p className="version-meta">
                    {formatDate(v.appliedAt)} by {v.appliedBy}
                    {v.summary && (
                      <span className="muted">
                        {' '}
                        · {v.summary.added} added, {v.summary.changed} changed, {v.summary.removed} removed
                      </span>
                    )}
                  </p>
                  <div className="version-actions">
                    <button
                      type="button"
                      className="button button-small"
                      aria-expanded={d !== undefined}
                      onClick={() => void toggle(v)}
                    >
                      {d !== undefined ? 'Hide changes' : 'What changed'}
                      <span className="sr-only"> in version {v.version}</span>
                    </button>
                    {canRestore && (
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setRestoring({ v })}
                      >
                        Restore<span className="sr-only"> version {v.version}</span>
                      </button>
                    )}
                  </div>
                </div>
                {typeof d === 'string' && <p className="field-error">{d}</p>}
                {Array.isArray(d) &&
                  (d.length ? <ChangeList changes={d} /> : <p className="muted">No details recorded.</p>)}
              </li>
            );
          })}
        </ol>
      )}
      {restoring && (
        <Confirm
          title={`Restore version ${restoring.v.version}?`}
          message="The draft is replaced by this version's configuration. Nothing changes in production until you apply changes."
          confirmLabel="Restore into the draft"
          busy={restoring.busy}
          error={restoring.error}
          onCancel={() => setRestoring(undefined)}
          onConfirm={() => void restore(restoring.v)}
        />
      )}
    </>
  );
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime())
    ? iso
    : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
