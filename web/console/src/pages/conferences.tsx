/**
 * Conferences: the list (Name, Internal extension, Access code masked, Administrator extension, Wait for
 * the administrator) with **Add a conference**, and Edit, Invite and Delete on each row.
 */
import { api, type Conference } from '../api.ts';
import { DeleteConfirm } from '../components/delete-confirm.tsx';
import { DraftNotice } from '../components/draft-notice.tsx';
import { InviteDialog } from '../components/invite-dialog.tsx';
import { PageHeader, ViewSwitch } from '../components/page-header.tsx';
import { ResourceTable } from '../components/resource-table.tsx';
import { navigate, useLocation } from '../router.ts';
import { useCan } from '../session.ts';
import { useListPage } from '../use-list-page.ts';
import { useLoad } from '../use-load.ts';
import { ConferenceForm } from './conference-form.tsx';

export function ConferencesPage() {
  const loc = useLocation();
  const live = loc.search.get('view') === 'live';
  const page = useListPage<Conference, 'invite'>(
    () => api.conferences.list(live ? 'live' : undefined),
    live ? 'live' : 'draft',
  );
  const { open } = page;
  const users = useLoad(() => api.users.list());
  const canEdit = useCan('conferences');
  const canInvite = useCan('participants');
  // What production runs is changed through the draft: no Edit or Delete there.
  const canEditRows = canEdit && !live;

  const userName = (extension: string) => users.data?.find((u) => u.extension === extension)?.name;
  return (
    <>
      <PageHeader
        title="Conferences"
        intro="Rooms people join by dialling their internal extension, or through an incoming number."
        add={canEdit && { label: 'Add a conference', onClick: page.add }}
      />
      <ViewSwitch live={live} onChange={(v) => navigate(v ? '/conferences?view=live' : '/conferences')} />
      <DraftNotice notice={page.notice} />
      <ResourceTable<Conference>
        load={page.list}
        empty={
          live
            ? 'No conference runs in production yet.'
            : 'No conference yet. Add a conference to give people a room to meet.'
        }
        caption={live ? 'Conferences in production' : 'Conferences in the draft'}
        showPending={!live}
        columns={[
          { title: 'Name', cell: (c) => c.name },
          { title: 'Internal extension', cell: (c) => c.extension },
          {
            title: 'Access code',
            cell: (c) =>
              c.accessCode ? (
                <span>
                  <span aria-hidden="true">••••</span>
                  <span className="sr-only">Set, hidden</span>
                </span>
              ) : (
                <span className="muted">None</span>
              ),
          },
          {
            title: 'Administrator extension',
            cell: (c) =>
              c.adminExtension ? (
                <>
                  {c.adminExtension}
                  {userName(c.adminExtension) && (
                    <span className="muted"> · {userName(c.adminExtension)}</span>
                  )}
                </>
              ) : (
                <span className="muted">None</span>
              ),
          },
          { title: 'Wait for the administrator', cell: (c) => (c.waitForAdmin ? 'Yes' : 'No') },
        ]}
        rowName={(c) => c.name}
        onEdit={canEditRows ? page.edit : undefined}
        actions={(c) =>
          canInvite && (
            <button
              type="button"
              className="button button-small"
              onClick={() => page.setOpen({ kind: 'invite', row: c })}
            >
              Invite<span className="sr-only"> to {c.name}</span>
            </button>
          )
        }
        onDelete={canEditRows ? page.confirmDelete : undefined}
      />
      {(open.kind === 'new' || open.kind === 'edit') && (
        <ConferenceForm
          conference={open.kind === 'edit' ? open.row : undefined}
          users={users.data ?? []}
          onCancel={page.close}
          onSaved={(c) =>
            void page.afterWrite(
              `The conference “${c.name}” was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <DeleteConfirm
          title="Delete the conference?"
          message={`“${open.row.name}” (extension ${open.row.extension}) will be removed when you apply changes.`}
          remove={() => api.conferences.remove(open.row.id)}
          onDeleted={() =>
            void page.afterWrite(
              `The conference “${open.row.name}” was deleted from the draft. Apply changes to put it into production.`,
            )
          }
          onCancel={page.close}
          showProgress
        />
      )}
      {open.kind === 'invite' && (
        <InviteDialog conferenceId={open.row.id} conferenceName={open.row.name} onClose={page.close} />
      )}
    </>
  );
}
