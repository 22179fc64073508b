/** Incoming numbers: the list of numbers with where their calls go, Edit and Delete on each. */
import { useState } from 'react';
import { api, type IncomingNumber } from '../api.ts';
import { Confirm } from '../components/dialog.tsx';
import { ListState, PageHeader, PendingTag } from '../components/page-header.tsx';
import { useDraft } from '../draft.tsx';
import { describeDestination } from '../labels.ts';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { IncomingNumberForm } from './incoming-number-form.tsx';

type Open = { kind: 'none' } | { kind: 'new' } | { kind: 'edit' | 'delete'; incoming: IncomingNumber };

export function IncomingNumbersPage() {
  const draft = useDraft();
  const numbers = useLoad(() => api.incomingNumbers.list(), String(draft.generation));
  const refs = useLoad(async () => {
    const [conferences, users, trunks] = await Promise.all([
      api.conferences.list(),
      api.users.list(),
      api.trunks.list(),
    ]);
    return { conferences, users, trunks };
  });
  const canEdit = useCan('admin');
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  const [deleteError, setDeleteError] = useState<string>();

  const conferenceName = (id: string) =>
    refs.data?.conferences.find((c) => c.id === id)?.name ?? 'that no longer exists';
  const trunkName = (id?: string) =>
    id ? (refs.data?.trunks.find((t) => t.id === id)?.name ?? id) : 'Any trunk';
  const afterWrite = async (message: string) => {
    setOpen({ kind: 'none' });
    setNotice(message);
    await Promise.all([numbers.reload(), draft.refresh()]);
  };
  const list = numbers.data ?? [];
  return (
    <>
      <PageHeader
        title="Incoming numbers"
        intro="Phone numbers from your carriers, and where a voice call to each one goes."
        action={
          canEdit && (
            <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'new' })}>
              Add an incoming number
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
        loading={numbers.loading && !numbers.data}
        error={numbers.error}
        onRetry={() => void numbers.reload()}
        empty={numbers.data && list.length === 0 ? 'No incoming number yet.' : undefined}
      />
      {list.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Number</th>
              <th scope="col">Trunk</th>
              <th scope="col">Destination for voice calls</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((n) => (
              <tr key={n.id}>
                <th scope="row" data-label="Number">
                  {n.number} <PendingTag action={draft.changes.find((x) => x.id === n.id)?.action} />
                </th>
                <td data-label="Trunk">{trunkName(n.trunkId)}</td>
                <td data-label="Destination">{describeDestination(n.destination, conferenceName)}</td>
                <td className="row-actions">
                  {canEdit && (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setOpen({ kind: 'edit', incoming: n })}
                      >
                        Edit<span className="sr-only"> {n.number}</span>
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger-outline"
                        onClick={() => {
                          setDeleteError(undefined);
                          setOpen({ kind: 'delete', incoming: n });
                        }}
                      >
                        Delete<span className="sr-only"> {n.number}</span>
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(open.kind === 'new' || open.kind === 'edit') && (
        <IncomingNumberForm
          incoming={open.kind === 'edit' ? open.incoming : undefined}
          conferences={refs.data?.conferences ?? []}
          users={refs.data?.users ?? []}
          trunks={refs.data?.trunks ?? []}
          onCancel={() => setOpen({ kind: 'none' })}
          onSaved={(n) =>
            void afterWrite(
              `${n.number} was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <Confirm
          title="Delete the incoming number?"
          message={`Calls to ${open.incoming.number} will no longer be answered once you apply changes.`}
          confirmLabel="Delete"
          danger
          error={deleteError}
          onCancel={() => setOpen({ kind: 'none' })}
          onConfirm={() => {
            api.incomingNumbers.remove(open.incoming.id).then(
              () => afterWrite(`${open.incoming.number} was deleted from the draft.`),
              (err: unknown) => setDeleteError(err instanceof Error ? err.message : String(err)),
            );
          }}
        />
      )}
    </>
  );
}
