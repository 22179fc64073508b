/** A labelled drop-down (`Field` around a `<select>`); its `<option>`s are the children. */
import type { ReactNode } from 'react';
import { Field } from './field.tsx';

export interface SelectFieldProps {
  label: string;
  error?: string;
  hint?: ReactNode;
  value: string;
  onChange: (value: string) => void;
  children: ReactNode;
}

export function SelectField({ label, error, hint, value, onChange, children }: SelectFieldProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => (
        <select {...p} value={value} onChange={(e) => onChange(e.target.value)}>
          {children}
        </select>
      )}
    </Field>
  );
}
