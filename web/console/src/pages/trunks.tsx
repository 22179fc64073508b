/** Trunks: carriers with their settings and whether Parley is registered with each. */
import { useState } from 'react';
import { api, type Trunk } from '../api.ts';
import { Confirm } from '../components/dialog.tsx';
import { ListState, PageHeader, PendingTag } from '../components/page-header.tsx';
import { useDraft } from '../draft.tsx';
import { describeRegistration, type Registration } from '../labels.ts';
import { useLiveEvents } from '../live-events.tsx';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { TrunkForm } from './trunk-form.tsx';

type TrunkRow = Trunk & { registration?: Registration };
type Open = { kind: 'none' } | { kind: 'new' } | { kind: 'edit' | 'delete'; trunk: TrunkRow };

export function TrunksPage() {
  const draft = useDraft();
  const trunks = useLoad(() => api.trunks.list(), String(draft.generation));
  // Registration changes pushed by the server since the list was loaded.
  const [states, setStates] = useState<Record<string, Registration>>({});
  const canEdit = useCan('admin');
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  const [deleteError, setDeleteError] = useState<string>();
  const connected = useLiveEvents((e) => {
    if (e.type !== 'trunk.registration') return;
    const id = String(e.data.trunkId ?? '');
    const reg: Registration = { state: String(e.data.state ?? '') };
    if (typeof e.data.detail === 'string') reg.detail = e.data.detail;
    if (id) setStates((s) => ({ ...s, [id]: reg }));
  });
  const afterWrite = async (message: string) => {
    setOpen({ kind: 'none' });
    setNotice(message);
    setStates({});
    await Promise.all([trunks.reload(), draft.refresh()]);
  };
  const list = trunks.data ?? [];
  return (
    <>
      <PageHeader
        title="Trunks"
        intro="Your carriers' SIP connections, for calls to and from the outside world."
        action={
          canEdit && (
            <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'new' })}>
              Add a trunk
            </button>
          )
        }
      />
      {notice && draft.changes.length > 0 && (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      )}
      <ListState
        loading={trunks.loading && !trunks.data}
        error={trunks.error}
        onRetry={() => void trunks.reload()}
        empty={
          trunks.data && list.length === 0
            ? 'No trunk yet. Add one with the settings your carrier gave you.'
            : undefined
        }
      />
      {list.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Host</th>
              <th scope="col">Transport</th>
              <th scope="col">Caller ID</th>
              <th scope="col">Registration{connected ? '' : ' (not live)'}</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((t) => {
              const reg = describeRegistration(t.register, states[t.id] ?? t.registration);
              return (
                <tr key={t.id}>
                  <th scope="row" data-label="Name">
                    {t.name} <PendingTag action={draft.changes.find((x) => x.id === t.id)?.action} />
                  </th>
                  <td data-label="Host">
                    {t.host}:{t.port}
                  </td>
                  <td data-label="Transport">{t.transport.toUpperCase()}</td>
                  <td data-label="Caller ID">{t.callerId || <span className="muted">None</span>}</td>
                  <td data-label="Registration">
                    <span className={`status status-${reg.tone}`}>{reg.text}</span>
                  </td>
                  <td className="row-actions">
                    {canEdit && (
                      <>
                        <button
                          type="button"
                          className="button button-small"
                          onClick={() => setOpen({ kind: 'edit', trunk: t })}
                        >
                          Edit<span className="sr-only"> {t.name}</span>
                        </button>
                        <button
                          type="button"
                          className="button button-small button-danger-outline"
                          onClick={() => {
                            setDeleteError(undefined);
                            setOpen({ kind: 'delete', trunk: t });
                          }}
                        >
                          Delete<span className="sr-only"> {t.name}</span>
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {(open.kind === 'new' || open.kind === 'edit') && (
        <TrunkForm
          trunk={open.kind === 'edit' ? open.trunk : undefined}
          onCancel={() => setOpen({ kind: 'none' })}
          onSaved={(t) =>
            void afterWrite(`The trunk “${t.name}” was saved in the draft. Click Apply changes to use it.`)
          }
        />
      )}
      {open.kind === 'delete' && (
        <Confirm
          title="Delete the trunk?"
          message={`Calls through “${open.trunk.name}” will stop once you apply changes.`}
          confirmLabel="Delete"
          danger
          error={deleteError}
          onCancel={() => setOpen({ kind: 'none' })}
          onConfirm={() => {
            api.trunks.remove(open.trunk.id).then(
              () => afterWrite(`The trunk “${open.trunk.name}” was deleted from the draft.`),
              (err: unknown) => setDeleteError(err instanceof Error ? err.message : String(err)),
            );
          }}
        />
      )}
    </>
  );
}
