/** A trunk's carrier settings: where the carrier is, how to sign in to it, and which addresses it calls from. */
import { useState } from 'react';
import { api, optional, type Trunk, type TrunkFields, type TrunkInput } from '../api.ts';
import { CheckboxField } from '../components/checkbox-field.tsx';
import { Field } from '../components/field.tsx';
import { FormDialog } from '../components/form-dialog.tsx';
import { SecretField } from '../components/secret-field.tsx';
import { SelectField } from '../components/select-field.tsx';
import { TextField } from '../components/text-field.tsx';
import { useSaveForm } from '../use-save-form.ts';

const FIELD_PATHS = {
  name: ['name'],
  host: ['host'],
  port: ['port'],
  transport: ['transport'],
  username: ['username'],
  password: ['password'],
  register: ['register'],
  callerId: ['callerId'],
  inboundAddresses: ['inboundAddresses'],
};

export interface TrunkFormProps {
  trunk?: Trunk;
  onSaved: (t: Trunk) => void;
  onCancel: () => void;
}

export function TrunkForm({ trunk, onSaved, onCancel }: TrunkFormProps) {
  const [name, setName] = useState(trunk?.name ?? '');
  const [host, setHost] = useState(trunk?.host ?? '');
  const [port, setPort] = useState(String(trunk?.port ?? 5060));
  const [transport, setTransport] = useState<TrunkFields['transport']>(trunk?.transport ?? 'udp');
  const [username, setUsername] = useState(trunk?.username ?? '');
  const [password, setPassword] = useState('');
  const [register, setRegister] = useState(trunk?.register ?? false);
  const [callerId, setCallerId] = useState(trunk?.callerId ?? '');
  const [inbound, setInbound] = useState((trunk?.inboundAddresses ?? []).join('\n'));
  const form = useSaveForm(
    FIELD_PATHS,
    () => {
      const fields: TrunkInput = {
        name: name.trim(),
        host: host.trim(),
        port: Number(port),
        transport,
        register,
        inboundAddresses: inbound
          .split(/[\s,]+/)
          .map((s) => s.trim())
          .filter(Boolean),
      };
      fields.username = optional(username, trunk?.username);
      if (password) fields.password = password;
      fields.callerId = optional(callerId, trunk?.callerId);
      return trunk ? api.trunks.update(trunk, fields) : api.trunks.create(fields);
    },
    onSaved,
  );
  const { errors } = form;

  return (
    <FormDialog
      title={trunk ? `Edit trunk ${trunk.name}` : 'New trunk'}
      form={form}
      onCancel={onCancel}
      twoColumns
    >
      <div>
        <TextField label="Name" error={errors.name} value={name} onChange={setName} />
        <TextField
          label="Host"
          error={errors.host}
          hint="The carrier's SIP server name or address."
          value={host}
          onChange={setHost}
        />
        <TextField label="Port" error={errors.port} inputMode="numeric" value={port} onChange={setPort} />
        <SelectField
          label="Transport"
          error={errors.transport}
          value={transport}
          onChange={(v) => setTransport(v as TrunkFields['transport'])}
        >
          <option value="udp">UDP</option>
          <option value="tcp">TCP</option>
          <option value="tls">TLS</option>
        </SelectField>
        <TextField
          label="Caller ID"
          error={errors.callerId}
          hint="Optional. The number shown on outgoing calls, e.g. +3221234567."
          type="tel"
          value={callerId}
          onChange={setCallerId}
        />
      </div>
      <div>
        <TextField
          label="Username"
          error={errors.username}
          hint="Optional. Given by the carrier."
          autoComplete="off"
          value={username}
          onChange={setUsername}
        />
        <SecretField
          label="Password"
          error={errors.password}
          editing={!!trunk}
          value={password}
          onChange={setPassword}
        />
        <CheckboxField
          label="Register with the carrier"
          checked={register}
          onChange={setRegister}
          error={errors.register}
        />
        <Field
          label="Addresses calls come from"
          error={errors.inboundAddresses}
          hint="One IP address or range (CIDR) per line. Calls from anywhere else are not taken as this carrier's."
        >
          {(p) => <textarea {...p} rows={3} value={inbound} onChange={(e) => setInbound(e.target.value)} />}
        </Field>
      </div>
    </FormDialog>
  );
}
