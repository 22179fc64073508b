/**
 * The **New conference** form (and Edit): exactly the seed's fields — Name, Internal extension, Access
 * code, Administrator extension (a drop-down of the users' extensions), and Wait for the administrator to
 * start the conference (Yes/No). Save writes the draft; the API's reasons appear beside their fields.
 */
import { useState } from 'react';
import { api, type Conference, type ConferenceFields, type User } from '../api.ts';
import { FormDialog } from '../components/form-dialog.tsx';
import { SelectField } from '../components/select-field.tsx';
import { TextField } from '../components/text-field.tsx';
import { useSaveForm } from '../use-save-form.ts';

const FIELD_PATHS = {
  name: ['name'],
  extension: ['extension'],
  accessCode: ['accessCode'],
  adminExtension: ['adminExtension'],
  waitForAdmin: ['waitForAdmin'],
};

export interface ConferenceFormProps {
  conference?: Conference;
  users: User[];
  onSaved: (c: Conference) => void;
  onCancel: () => void;
}

export function ConferenceForm({ conference, users, onSaved, onCancel }: ConferenceFormProps) {
  const [name, setName] = useState(conference?.name ?? '');
  const [extension, setExtension] = useState(conference?.extension ?? '');
  const [accessCode, setAccessCode] = useState(conference?.accessCode ?? '');
  const [adminExtension, setAdminExtension] = useState(conference?.adminExtension ?? '');
  const [waitForAdmin, setWaitForAdmin] = useState(conference?.waitForAdmin ?? false);
  const form = useSaveForm(
    FIELD_PATHS,
    () => {
      const fields: ConferenceFields = { name: name.trim(), extension: extension.trim(), waitForAdmin };
      if (accessCode.trim()) fields.accessCode = accessCode.trim();
      if (adminExtension) fields.adminExtension = adminExtension;
      return conference
        ? api.conferences.update(conference, {
            ...fields,
            // null removes an optional field that was set before.
            accessCode: fields.accessCode ?? (conference.accessCode ? null : undefined),
            adminExtension: fields.adminExtension ?? (conference.adminExtension ? null : undefined),
          })
        : api.conferences.create(fields);
    },
    onSaved,
  );
  const { errors } = form;

  // The current administrator stays selectable even if that user was removed from the draft since.
  const extensions = users.map((u) => ({ value: u.extension, label: `${u.extension} — ${u.name}` }));
  if (adminExtension && !extensions.some((x) => x.value === adminExtension)) {
    extensions.push({ value: adminExtension, label: `${adminExtension} (no such user)` });
  }

  return (
    <FormDialog title={conference ? 'Edit conference' : 'New conference'} form={form} onCancel={onCancel}>
      <TextField label="Name" error={errors.name} value={name} onChange={setName} />
      <TextField
        label="Internal extension"
        error={errors.extension}
        hint="The short number everyone in the network dials to join."
        inputMode="numeric"
        value={extension}
        onChange={setExtension}
      />
      <TextField
        label="Access code"
        error={errors.accessCode}
        hint="Optional. Callers type it, then #, to get in. Leave empty for no code."
        inputMode="numeric"
        autoComplete="off"
        value={accessCode}
        onChange={setAccessCode}
      />
      <SelectField
        label="Administrator extension"
        error={errors.adminExtension}
        value={adminExtension}
        onChange={setAdminExtension}
      >
        <option value="">No administrator</option>
        {extensions.map((x) => (
          <option key={x.value} value={x.value}>
            {x.label}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Wait for the administrator to start the conference"
        error={errors.waitForAdmin}
        hint="Yes: nobody can use the room until the administrator has joined."
        value={waitForAdmin ? 'yes' : 'no'}
        onChange={(v) => setWaitForAdmin(v === 'yes')}
      >
        <option value="no">No</option>
        <option value="yes">Yes</option>
      </SelectField>
    </FormDialog>
  );
}
