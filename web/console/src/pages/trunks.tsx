/** Trunks: carriers with their settings and whether Parley is registered with each. */
import { useState } from 'react';
import { api, type Trunk } from '../api.ts';
import { DeleteConfirm } from '../components/delete-confirm.tsx';
import { DraftNotice } from '../components/draft-notice.tsx';
import { PageHeader } from '../components/page-header.tsx';
import { type Column, ResourceTable } from '../components/resource-table.tsx';
import { describeRegistration, type Registration } from '../labels.ts';
import { useLiveEvents } from '../live-events.tsx';
import { useCan } from '../session.ts';
import { useListPage } from '../use-list-page.ts';
import { TrunkForm } from './trunk-form.tsx';

type TrunkRow = Trunk & { registration?: Registration };

export function TrunksPage() {
  const page = useListPage<TrunkRow>(() => api.trunks.list());
  const { open } = page;
  // Registration changes pushed by the server since the list was loaded.
  const [states, setStates] = useState<Record<string, Registration>>({});
  const canEdit = useCan('admin');
  const connected = useLiveEvents((e) => {
    if (e.type !== 'trunk.registration') return;
    const id = String(e.data.trunkId ?? '');
    const reg: Registration = { state: String(e.data.state ?? '') };
    if (typeof e.data.detail === 'string') reg.detail = e.data.detail;
    if (id) setStates((s) => ({ ...s, [id]: reg }));
  });
  const afterWrite = async (message: string) => {
    // The list loaded again carries each trunk's registration: what was pushed before it is older.
    setStates({});
    await page.afterWrite(message);
  };
  const columns: Column<TrunkRow>[] = [
    { title: 'Name', cell: (t) => t.name },
    {
      title: 'Host',
      cell: (t) => (
        <>
          {t.host}:{t.port}
        </>
      ),
    },
    { title: 'Transport', cell: (t) => t.transport.toUpperCase() },
    { title: 'Caller ID', cell: (t) => t.callerId || <span className="muted">None</span> },
    {
      title: `Registration${connected ? '' : ' (not live)'}`,
      label: 'Registration',
      cell: (t) => {
        const reg = describeRegistration(t.register, states[t.id] ?? t.registration);
        return <span className={`status status-${reg.tone}`}>{reg.text}</span>;
      },
    },
  ];
  return (
    <>
      <PageHeader
        title="Trunks"
        intro="Your carriers' SIP connections, for calls to and from the outside world."
        add={canEdit && { label: 'Add a trunk', onClick: page.add }}
      />
      <DraftNotice notice={page.notice} />
      <ResourceTable
        load={page.list}
        empty="No trunk yet. Add one with the settings your carrier gave you."
        columns={columns}
        rowName={(t) => t.name}
        onEdit={canEdit ? page.edit : undefined}
        onDelete={canEdit ? page.confirmDelete : undefined}
      />
      {(open.kind === 'new' || open.kind === 'edit') && (
        <TrunkForm
          trunk={open.kind === 'edit' ? open.row : undefined}
          onCancel={page.close}
          onSaved={(t) =>
            void afterWrite(`The trunk “${t.name}” was saved in the draft. Click Apply changes to use it.`)
          }
        />
      )}
      {open.kind === 'delete' && (
        <DeleteConfirm
          title="Delete the trunk?"
          message={`Calls through “${open.row.name}” will stop once you apply changes.`}
          remove={() => api.trunks.remove(open.row.id)}
          onDeleted={() => void afterWrite(`The trunk “${open.row.name}” was deleted from the draft.`)}
          onCancel={page.close}
        />
      )}
    </>
  );
}
