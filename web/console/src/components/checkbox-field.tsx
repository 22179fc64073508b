/**
 * A yes/no setting: a checkbox inside its label (so the words toggle it too), an optional hint read out
 * with it (`aria-describedby`), and the API's message below.
 */
import { type ReactNode, useId } from 'react';

export interface CheckboxFieldProps {
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ReactNode;
  error?: string;
}

export function CheckboxField({ label, checked, onChange, hint, error }: CheckboxFieldProps) {
  const hintId = `${useId()}-hint`;
  return (
    <div className="field">
      <label className="checkbox">
        <input
          type="checkbox"
          checked={checked}
          aria-describedby={hint ? hintId : undefined}
          onChange={(e) => onChange(e.target.checked)}
        />{' '}
        {label}
      </label>
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}
