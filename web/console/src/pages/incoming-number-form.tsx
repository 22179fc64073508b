/**
 * An incoming number's form: the number, the trunk it arrives on, and "Destination type for voice call"
 * (Not configured, Extension, Conference, Hang up) with the picker that destination needs.
 */
import { useState } from 'react';
import {
  api,
  type Conference,
  type Destination,
  type IncomingNumber,
  type IncomingNumberFields,
  optional,
  type Trunk,
  type User,
} from '../api.ts';
import { FormDialog } from '../components/form-dialog.tsx';
import { SelectField } from '../components/select-field.tsx';
import { TextField } from '../components/text-field.tsx';
import { useSaveForm } from '../use-save-form.ts';

const FIELD_PATHS = {
  conferenceId: ['conferenceId'],
  destExtension: ['destination.extension'],
  destination: ['destination', 'type'],
  number: ['number'],
  trunkId: ['trunkId'],
};

export interface IncomingNumberFormProps {
  incoming?: IncomingNumber;
  conferences: Conference[];
  users: User[];
  trunks: Trunk[];
  onSaved: (n: IncomingNumber) => void;
  onCancel: () => void;
}

export function IncomingNumberForm({
  incoming,
  conferences,
  users,
  trunks,
  onSaved,
  onCancel,
}: IncomingNumberFormProps) {
  const d = incoming?.destination;
  const [number, setNumber] = useState(incoming?.number ?? '');
  const [trunkId, setTrunkId] = useState(incoming?.trunkId ?? '');
  const [type, setType] = useState<Destination['type']>(d?.type ?? 'none');
  const [extension, setExtension] = useState(d?.type === 'extension' ? d.extension : '');
  const [conferenceId, setConferenceId] = useState(d?.type === 'conference' ? d.conferenceId : '');

  const destination = (): Destination => {
    switch (type) {
      case 'extension':
        return { type, extension };
      case 'conference':
        return { type, conferenceId };
      case 'hangup':
        return { type };
      default:
        return { type: 'none' };
    }
  };

  const form = useSaveForm(
    FIELD_PATHS,
    () => {
      const fields: IncomingNumberFields = { number: number.trim(), destination: destination() };
      if (trunkId) fields.trunkId = trunkId;
      return incoming
        ? api.incomingNumbers.update(incoming, { ...fields, trunkId: optional(trunkId, incoming.trunkId) })
        : api.incomingNumbers.create(fields);
    },
    onSaved,
  );
  const { errors } = form;

  const numberFields = (
    <>
      <TextField
        label="Number"
        error={errors.number}
        hint="In international form, e.g. +3221234567."
        type="tel"
        value={number}
        onChange={setNumber}
      />
      <SelectField label="Trunk" error={errors.trunkId} value={trunkId} onChange={setTrunkId}>
        <option value="">Any trunk</option>
        {trunks.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </SelectField>
    </>
  );
  const destinationFields = (
    <>
      <SelectField
        label="Destination type for voice call"
        error={errors.destination}
        value={type}
        onChange={(v) => setType(v as Destination['type'])}
      >
        <option value="none">Not configured</option>
        <option value="extension">Extension</option>
        <option value="conference">Conference</option>
        <option value="hangup">Hang up</option>
      </SelectField>
      {type === 'extension' && (
        <SelectField label="Extension" error={errors.destExtension} value={extension} onChange={setExtension}>
          <option value="">Choose an extension</option>
          {users.map((u) => (
            <option key={u.id} value={u.extension}>
              {u.extension} — {u.name}
            </option>
          ))}
        </SelectField>
      )}
      {type === 'conference' && (
        <SelectField
          label="Conference"
          error={errors.conferenceId}
          hint="Callers are asked for the access code if the conference has one."
          value={conferenceId}
          onChange={setConferenceId}
        >
          <option value="">Choose a conference</option>
          {conferences.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({c.extension})
            </option>
          ))}
        </SelectField>
      )}
    </>
  );

  return (
    <FormDialog
      title={incoming ? `Edit ${incoming.number}` : 'New incoming number'}
      form={form}
      onCancel={onCancel}
    >
      {/* Editing: where calls go comes first, as in the seed ("the first field, labeled Destination…"). */}
      {incoming ? destinationFields : numberFields}
      {incoming ? numberFields : destinationFields}
    </FormDialog>
  );
}
