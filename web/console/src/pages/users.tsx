/** Users: extensions with their names and console access; Add, Edit and Delete. */
import { api, type UserRow } from '../api.ts';
import { DeleteConfirm } from '../components/delete-confirm.tsx';
import { DraftNotice } from '../components/draft-notice.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { type Column, ResourceTable } from '../components/resource-table.tsx';
import { useCan } from '../session.ts';
import { useListPage } from '../use-list-page.ts';
import { UserForm } from './user-form.tsx';

const COLUMNS: Column<UserRow>[] = [
  { title: 'Extension', cell: (u) => u.extension },
  { title: 'Name', cell: (u) => u.name },
  { title: 'Email', cell: (u) => u.email || <span className="muted">None</span> },
  {
    title: 'Console access',
    cell: (u) =>
      u.username ? (
        <>
          <span>{u.username}</span>{' '}
          <span className="muted">· {u.permissions?.join(', ') || 'read only'}</span>
        </>
      ) : (
        <span className="muted">No</span>
      ),
  },
];

export function UsersPage() {
  const page = useListPage(() => api.users.list());
  const { open } = page;
  const canEdit = useCan('admin');
  return (
    <>
      <PageHeader
        title="Users"
        intro="Everyone with an extension: their phone's SIP account and, if they manage Parley, their console access."
        add={canEdit && { label: 'Add a user', onClick: page.add }}
      />
      <DraftNotice notice={page.notice} />
      <ResourceTable
        load={page.list}
        empty="No user yet. Add a user to give someone an extension."
        columns={COLUMNS}
        rowName={(u) => u.name}
        onEdit={canEdit ? page.edit : undefined}
        onDelete={canEdit ? page.confirmDelete : undefined}
      />
      {(open.kind === 'new' || open.kind === 'edit') && (
        <UserForm
          user={open.kind === 'edit' ? open.row : undefined}
          onCancel={page.close}
          onSaved={(u) =>
            void page.afterWrite(
              `${u.name} (${u.extension}) was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <DeleteConfirm
          title="Delete the user?"
          message={`${open.row.name} (extension ${open.row.extension}) will no longer be able to register once you apply changes.`}
          remove={() => api.users.remove(open.row.id)}
          onDeleted={() => void page.afterWrite(`${open.row.name} was deleted from the draft.`)}
          onCancel={page.close}
        />
      )}
    </>
  );
}
