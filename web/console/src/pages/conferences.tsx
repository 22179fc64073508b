/**
 * Conferences: the list (Name, Internal extension, Access code masked, Administrator extension, Wait for
 * the administrator) with **Add a conference**, and Edit, Invite and Delete on each row.
 */
import { useState } from 'react';
import { api, type Conference } from '../api.ts';
import { Confirm } from '../components/dialog.tsx';
import { InviteDialog } from '../components/invite-dialog.tsx';
import { ListState, PageHeader, PendingTag, ViewSwitch } from '../components/page-header.tsx';
import { useDraft } from '../draft.tsx';
import { navigate, useLocation } from '../router.ts';
import { useCan } from '../session.ts';
import { useLoad } from '../use-load.ts';
import { ConferenceForm } from './conference-form.tsx';

type Open =
  | { kind: 'none' }
  | { kind: 'new' }
  | { kind: 'edit'; conference: Conference }
  | { kind: 'delete'; conference: Conference }
  | { kind: 'invite'; conference: Conference };

export function ConferencesPage() {
  const loc = useLocation();
  const live = loc.search.get('view') === 'live';
  const draft = useDraft();
  const conferences = useLoad(
    () => api.conferences.list(live ? 'live' : undefined),
    `${live ? 'live' : 'draft'}:${draft.generation}`,
  );
  const users = useLoad(() => api.users.list());
  const canEdit = useCan('conferences');
  const canInvite = useCan('participants');
  const [open, setOpen] = useState<Open>({ kind: 'none' });
  const [deleting, setDeleting] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const [notice, setNotice] = useState<string>();

  const afterWrite = async (message: string) => {
    setOpen({ kind: 'none' });
    setNotice(message);
    await Promise.all([conferences.reload(), draft.refresh()]);
  };
  const remove = async (c: Conference) => {
    setDeleting({ busy: true });
    try {
      await api.conferences.remove(c.id);
      setDeleting({ busy: false });
      await afterWrite(
        `The conference “${c.name}” was deleted from the draft. Apply changes to put it into production.`,
      );
    } catch (err) {
      setDeleting({ busy: false, error: err instanceof Error ? err.message : String(err) });
    }
  };
  const list = conferences.data ?? [];
  const userName = (extension: string) => users.data?.find((u) => u.extension === extension)?.name;
  return (
    <>
      <PageHeader
        title="Conferences"
        intro="Rooms people join by dialling their internal extension, or through an incoming number."
        action={
          canEdit && (
            <button type="button" className="button button-primary" onClick={() => setOpen({ kind: 'new' })}>
              Add a conference
            </button>
          )
        }
      />
      <ViewSwitch live={live} onChange={(v) => navigate(v ? '/conferences?view=live' : '/conferences')} />
      {notice && draft.changes.length > 0 && (
        <p className="alert alert-info" role="status">
          {notice}
        </p>
      )}
      <ListState
        loading={conferences.loading && !conferences.data}
        error={conferences.error}
        onRetry={() => void conferences.reload()}
        empty={
          conferences.data && list.length === 0
            ? live
              ? 'No conference runs in production yet.'
              : 'No conference yet. Add a conference to give people a room to meet.'
            : undefined
        }
      />
      {list.length > 0 && (
        <table className="table">
          <caption className="sr-only">
            {live ? 'Conferences in production' : 'Conferences in the draft'}
          </caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Internal extension</th>
              <th scope="col">Access code</th>
              <th scope="col">Administrator extension</th>
              <th scope="col">Wait for the administrator</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((c) => (
              <tr key={c.id}>
                <th scope="row" data-label="Name">
                  {c.name} {!live && <PendingTag action={draft.changes.find((x) => x.id === c.id)?.action} />}
                </th>
                <td data-label="Internal extension">{c.extension}</td>
                <td data-label="Access code">
                  {c.accessCode ? (
                    <span>
                      <span aria-hidden="true">••••</span>
                      <span className="sr-only">Set, hidden</span>
                    </span>
                  ) : (
                    <span className="muted">None</span>
                  )}
                </td>
                <td data-label="Administrator extension">
                  {c.adminExtension ? (
                    <>
                      {c.adminExtension}
                      {userName(c.adminExtension) && (
                        <span className="muted"> · {userName(c.adminExtension)}</span>
                      )}
                    </>
                  ) : (
                    <span className="muted">None</span>
                  )}
                </td>
                <td data-label="Wait for the administrator">{c.waitForAdmin ? 'Yes' : 'No'}</td>
                <td className="row-actions">
                  {!live && canEdit && (
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => setOpen({ kind: 'edit', conference: c })}
                    >
                      Edit<span className="sr-only"> {c.name}</span>
                    </button>
                  )}
                  {canInvite && (
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => setOpen({ kind: 'invite', conference: c })}
                    >
                      Invite<span className="sr-only"> to {c.name}</span>
                    </button>
                  )}
                  {!live && canEdit && (
                    <button
                      type="button"
                      className="button button-small button-danger-outline"
                      onClick={() => {
                        setDeleting({ busy: false });
                        setOpen({ kind: 'delete', conference: c });
                      }}
                    >
                      Delete<span className="sr-only"> {c.name}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(open.kind === 'new' || open.kind === 'edit') && (
        <ConferenceForm
          conference={open.kind === 'edit' ? open.conference : undefined}
          users={users.data ?? []}
          onCancel={() => setOpen({ kind: 'none' })}
          onSaved={(c) =>
            void afterWrite(
              `The conference “${c.name}” was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <Confirm
          title="Delete the conference?"
          message={`“${open.conference.name}” (extension ${open.conference.extension}) will be removed when you apply changes.`}
          confirmLabel="Delete"
          danger
          busy={deleting.busy}
          error={deleting.error}
          onConfirm={() => void remove(open.conference)}
          onCancel={() => setOpen({ kind: 'none' })}
        />
      )}
      {open.kind === 'invite' && (
        <InviteDialog
          conferenceId={open.conference.id}
          conferenceName={open.conference.name}
          onClose={() => setOpen({ kind: 'none' })}
        />
      )}
    </>
  );
}
