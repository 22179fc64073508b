/** Users: extensions with their names and console access; Add, Edit and Delete. */
import { useState } from 'react';
import { api, type UserRow } from '../api.ts';
import { Confirm } from '../components/dialog.tsx';
import { ListState, PageHeader, PendingTag } from '../components/page-header.tsx';
import { useDraft } from '../draft.tsx';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { UserForm } from './user-form.tsx';

type Open = { kind: 'none' } | { kind: 'new' } | { kind: 'edit' | 'delete'; user: UserRow };

export function UsersPage() {
  const draft = useDraft();
  const users = useLoad(() => api.users.list(), String(draft.generation));
  const canEdit = useCan('admin');
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  const [deleteError, setDeleteError] = useState<string>();
  const afterWrite = async (message: string) => {
    setOpen({ kind: 'none' });
    setNotice(message);
    await Promise.all([users.reload(), draft.refresh()]);
  };
  const list = users.data ?? [];
  return (
    <>
      <PageHeader
        title="Users"
        intro="Everyone with an extension: their phone's SIP account and, if they manage Parley, their console access."
        action={
          canEdit && (
            <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'new' })}>
              Add a user
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
        loading={users.loading && !users.data}
        error={users.error}
        onRetry={() => void users.reload()}
        empty={
          users.data && list.length === 0
            ? 'No user yet. Add a user to give someone an extension.'
            : undefined
        }
      />
      {list.length > 0 && (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Extension</th>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Console access</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((u) => (
              <tr key={u.id}>
                <th scope="row" data-label="Extension">
                  {u.extension} <PendingTag action={draft.changes.find((x) => x.id === u.id)?.action} />
                </th>
                <td data-label="Name">{u.name}</td>
                <td data-label="Email">{u.email || <span className="muted">None</span>}</td>
                <td data-label="Console access">
                  {u.username ? (
                    <>
                      <span>{u.username}</span>{' '}
                      <span className="muted">· {u.permissions?.join(', ') || 'read only'}</span>
                    </>
                  ) : (
                    <span className="muted">No</span>
                  )}
                </td>
                <td className="row-actions">
                  {canEdit && (
                    <>
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setOpen({ kind: 'edit', user: u })}
                      >
                        Edit<span className="sr-only"> {u.name}</span>
                      </button>
                      <button
                        type="button"
                        className="button button-small button-danger-outline"
                        onClick={() => {
                          setDeleteError(undefined);
                          setOpen({ kind: 'delete', user: u });
                        }}
                      >
                        Delete<span className="sr-only"> {u.name}</span>
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
        <UserForm
          user={open.kind === 'edit' ? open.user : undefined}
          onCancel={() => setOpen({ kind: 'none' })}
          onSaved={(u) =>
            void afterWrite(
              `${u.name} (${u.extension}) was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <Confirm
          title="Delete the user?"
          message={`${open.user.name} (extension ${open.user.extension}) will no longer be able to register once you apply changes.`}
          confirmLabel="Delete"
          danger
          error={deleteError}
          onCancel={() => setOpen({ kind: 'none' })}
          onConfirm={() => {
            api.users.remove(open.user.id).then(
              () => afterWrite(`${open.user.name} was deleted from the draft.`),
              (err: unknown) => setDeleteError(err instanceof Error ? err.message : String(err)),
            );
          }}
        />
      )}
    </>
  );
}
