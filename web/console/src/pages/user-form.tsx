/**
 * A user's form: extension, name, email, SIP password (generate, reveal, copy), whether the user may call
 * external numbers, console access with its permissions, and the settings a phone or Odoo's VoIP widget
 * needs to register as this user.
 */
import { useState } from 'react';
import { api, optional, type Permission, type User, type UserInput, type UserRow } from '../api.ts';
import { CheckboxField } from '../components/checkbox-field.tsx';
import { FormDialog } from '../components/form-dialog.tsx';
import { SecretField } from '../components/secret-field.tsx';
import { generatePassword } from '../components/secret-input.tsx';
import { TextField } from '../components/text-field.tsx';
import { useSession } from '../session.ts';
import { useSaveForm } from '../use-save-form.ts';

const FIELD_PATHS = {
  extension: ['extension'],
  name: ['name'],
  email: ['email'],
  sipPassword: ['sipPassword'],
  canCallOut: ['canCallOut'],
  permissions: ['permissions'],
  username: ['username'],
  password: ['password'],
};

const PERMISSION_LABELS: Record<Permission, string> = {
  conferences: 'Add, edit and delete conferences',
  participants: 'Control live rooms (invite, mute, kick)',
  apply: 'Apply changes to production',
  admin: 'Administrator: everything (users, numbers, trunks, console logins)',
};

export interface UserFormProps {
  user?: UserRow;
  onSaved: (u: User) => void;
  onCancel: () => void;
}

export function UserForm({ user, onSaved, onCancel }: UserFormProps) {
  const me = useSession();
  const [extension, setExtension] = useState(user?.extension ?? '');
  const [name, setName] = useState(user?.name ?? '');
  const [email, setEmail] = useState(user?.email ?? '');
  const [sipPassword, setSipPassword] = useState(user ? '' : generatePassword());
  const [canCallOut, setCanCallOut] = useState(user?.canCallOut ?? true);
  const [permissions, setPermissions] = useState<Permission[]>(
    user?.permissions ?? ['conferences', 'participants'],
  );
  const [consoleAccess, setConsoleAccess] = useState(!!user?.username);
  const [username, setUsername] = useState(user?.username ?? '');
  const [password, setPassword] = useState('');
  const form = useSaveForm(
    FIELD_PATHS,
    () => {
      const fields: UserInput = { extension: extension.trim(), name: name.trim() };
      fields.email = optional(email, user?.email);
      if (sipPassword) fields.sipPassword = sipPassword;
      fields.canCallOut = canCallOut;
      if (consoleAccess) {
        fields.username = username.trim();
        if (password) fields.password = password;
        fields.permissions = permissions;
      } else if (user?.username) {
        fields.username = null; // removes the login, at once (logins are not staged)
      }
      return user ? api.users.update(user, fields) : api.users.create(fields);
    },
    onSaved,
  );
  const { errors } = form;

  const domain = me.domain || window.location.hostname;
  const wsUrl = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ws`;
  return (
    <FormDialog
      title={user ? `Edit user ${user.extension}` : 'New user'}
      form={form}
      onCancel={onCancel}
      twoColumns
    >
      <div>
        <TextField
          label="Extension"
          error={errors.extension}
          hint="Digits only. Also the username phones sign in with."
          inputMode="numeric"
          value={extension}
          onChange={setExtension}
        />
        <TextField label="Name" error={errors.name} autoComplete="off" value={name} onChange={setName} />
        <TextField
          label="Email"
          error={errors.email}
          hint="Optional."
          type="email"
          autoComplete="off"
          value={email}
          onChange={setEmail}
        />
        <SecretField
          label="SIP password"
          error={errors.sipPassword}
          editing={!!user}
          hint="The phone uses it to register."
          value={sipPassword}
          onChange={setSipPassword}
        />
        <CheckboxField
          label="May call external numbers"
          checked={canCallOut}
          onChange={setCanCallOut}
          hint="Through a trunk, at the carrier's rates. Unticked, such calls are refused."
          error={errors.canCallOut}
        />
        <CheckboxField label="Console access" checked={consoleAccess} onChange={setConsoleAccess} />
        {consoleAccess && (
          <>
            <TextField
              label="Console username"
              error={errors.username}
              autoComplete="off"
              value={username}
              onChange={setUsername}
            />
            <TextField
              label="Console password"
              error={errors.password}
              hint={user?.username ? 'Leave empty to keep the current password.' : 'At least 8 characters.'}
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={setPassword}
            />
            <fieldset
              className="field permissions"
              aria-describedby={errors.permissions ? 'perm-error' : undefined}
            >
              <legend>Permissions</legend>
              {(Object.keys(PERMISSION_LABELS) as Permission[]).map((perm) => (
                <label key={perm} className="checkbox">
                  <input
                    type="checkbox"
                    checked={permissions.includes(perm)}
                    onChange={(e) =>
                      setPermissions(
                        e.target.checked ? [...permissions, perm] : permissions.filter((x) => x !== perm),
                      )
                    }
                  />{' '}
                  {PERMISSION_LABELS[perm]}
                </label>
              ))}
              {errors.permissions && (
                <p className="field-error" id="perm-error">
                  {errors.permissions}
                </p>
              )}
            </fieldset>
          </>
        )}
      </div>
      <aside className="phone-settings" aria-labelledby="phone-settings-title">
        <h3 id="phone-settings-title">Phone and Odoo settings</h3>
        <p className="field-hint">Enter these in the phone, or in Odoo's VoIP settings for this user.</p>
        <dl>
          <dt>
            Domain <span className="odoo-name">Odoo: PBX Server IP</span>
          </dt>
          <dd>
            <code>{domain}</code>
          </dd>
          <dt>
            WebSocket URL <span className="odoo-name">Odoo: WebSocket</span>
          </dt>
          <dd>
            <code>{wsUrl}</code>
          </dd>
          <dt>
            Username <span className="odoo-name">Odoo: VoIP username</span>
          </dt>
          <dd>
            <code>{extension || '(the extension)'}</code>
          </dd>
          <dt>
            Password <span className="odoo-name">Odoo: VoIP secret</span>
          </dt>
          <dd>{sipPassword ? 'The SIP password on the left' : 'The SIP password set earlier'}</dd>
        </dl>
      </aside>
    </FormDialog>
  );
}
