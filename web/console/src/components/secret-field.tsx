/**
 * A password of the object the form creates or edits (a SIP password, a trunk's password). The stored
 * one is never shown back, so when editing the box starts empty and empty means "keep it".
 */
import type { ReactNode } from 'react';
import { Field } from './field.tsx';
import { SecretInput } from './secret-input.tsx';

export interface SecretFieldProps {
  label: string;
  error?: string;
  /** Editing an existing object: empty keeps its current password. */
  editing: boolean;
  /** The hint for a new object (editing, the hint says empty keeps the password). */
  hint?: ReactNode;
  value: string;
  onChange: (value: string) => void;
}

export function SecretField({ label, error, editing, hint, value, onChange }: SecretFieldProps) {
  return (
    <Field label={label} error={error} hint={editing ? 'Leave empty to keep the current password.' : hint}>
      {(p) => (
        <SecretInput
          {...p}
          value={value}
          onChange={onChange}
          placeholder={editing ? 'Unchanged' : undefined}
        />
      )}
    </Field>
  );
}
