/** Incoming numbers: the list of numbers with where their calls go, Edit and Delete on each. */
import { api, type IncomingNumber } from '../api.ts';
import { DeleteConfirm } from '../components/delete-confirm.tsx';
import { DraftNotice } from '../components/draft-notice.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { ResourceTable } from '../components/resource-table.tsx';
import { describeDestination } from '../labels.ts';
import { useCan } from '../session.ts';
import { useListPage } from '../use-list-page.ts';
import { useLoad } from '../use-load.ts';
import { IncomingNumberForm } from './incoming-number-form.tsx';

export function IncomingNumbersPage() {
  const page = useListPage(() => api.incomingNumbers.list());
  const { open } = page;
  const refs = useLoad(async () => {
    const [conferences, users, trunks] = await Promise.all([
      api.conferences.list(),
      api.users.list(),
      api.trunks.list(),
    ]);
    return { conferences, users, trunks };
  });
  const canEdit = useCan('admin');

  const conferenceName = (id: string) =>
    refs.data?.conferences.find((c) => c.id === id)?.name ?? 'that no longer exists';
  const trunkName = (id?: string) =>
    id ? (refs.data?.trunks.find((t) => t.id === id)?.name ?? id) : 'Any trunk';
  return (
    <>
      <PageHeader
        title="Incoming numbers"
        intro="Phone numbers from your carriers, and where a voice call to each one goes."
        add={canEdit && { label: 'Add an incoming number', onClick: page.add }}
      />
      <DraftNotice notice={page.notice} />
      <ResourceTable<IncomingNumber>
        load={page.list}
        empty="No incoming number yet."
        columns={[
          { title: 'Number', cell: (n) => n.number },
          { title: 'Trunk', cell: (n) => trunkName(n.trunkId) },
          {
            title: 'Destination for voice calls',
            label: 'Destination',
            cell: (n) => describeDestination(n.destination, conferenceName),
          },
        ]}
        rowName={(n) => n.number}
        onEdit={canEdit ? page.edit : undefined}
        onDelete={canEdit ? page.confirmDelete : undefined}
      />
      {(open.kind === 'new' || open.kind === 'edit') && (
        <IncomingNumberForm
          incoming={open.kind === 'edit' ? open.row : undefined}
          conferences={refs.data?.conferences ?? []}
          users={refs.data?.users ?? []}
          trunks={refs.data?.trunks ?? []}
          onCancel={page.close}
          onSaved={(n) =>
            void page.afterWrite(
              `${n.number} was saved in the draft. Click Apply changes to put it into production.`,
            )
          }
        />
      )}
      {open.kind === 'delete' && (
        <DeleteConfirm
          title="Delete the incoming number?"
          message={`Calls to ${open.row.number} will no longer be answered once you apply changes.`}
          remove={() => api.incomingNumbers.remove(open.row.id)}
          onDeleted={() => void page.afterWrite(`${open.row.number} was deleted from the draft.`)}
          onCancel={page.close}
        />
      )}
    </>
  );
}
