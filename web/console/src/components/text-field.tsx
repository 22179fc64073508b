/** A labelled text box (`Field` around an `<input>`): the usual field of a form. */
import type { InputHTMLAttributes, ReactNode } from 'react';
import { Field } from './field.tsx';

export interface TextFieldProps
  extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange'> {
  label: string;
  error?: string;
  hint?: ReactNode;
  value: string;
  onChange: (value: string) => void;
}

/** Other props (`type`, `inputMode`, `autoComplete`…) go to the `<input>`. */
export function TextField({ label, error, hint, value, onChange, ...input }: TextFieldProps) {
  return (
    <Field label={label} error={error} hint={hint}>
      {(p) => <input {...p} {...input} value={value} onChange={(e) => onChange(e.target.value)} />}
    </Field>
  );
}
