/**
 * A labelled form control with its hint and the API's plain-word message beside it. The message is tied
 * to the control (`aria-describedby`, `aria-invalid`) so it is read out with the field.
 */
import { type ReactNode, useId } from 'react';
import type { FieldError } from '../api.ts';

export interface ControlProps {
  id: string;
  'aria-invalid': boolean | undefined;
  'aria-describedby': string | undefined;
}

export interface FieldProps {
  label: string;
  error?: string;
  hint?: ReactNode;
  children: (props: ControlProps) => ReactNode;
}

export function Field({ label, error, hint, children }: FieldProps) {
  const id = useId();
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={error ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {error && (
        <p className="field-error" id={errorId}>
          {error}
        </p>
      )}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The API's field path in dotted form: `/destination/conferenceId` and `body.name` alike. */
function normalizePath(path: string): string {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\//g, '.')
    .replace(/^\.+/, '')
    .replace(/^body\./, '');
}

/**
 * Splits the API's field errors over the form's fields. `names` maps each form field to the API paths
 * that belong to it; whatever matches no field is returned under `''` for a message above the buttons.
 */
export function fieldErrors(errors: FieldError[], names: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of errors) {
    const p = normalizePath(e.path);
    const segments = p.split('.');
    let placed = false;
    for (const [field, paths] of Object.entries(names)) {
      if (
        paths.some((n) => p === n || p.endsWith(`.${n}`) || p.startsWith(`${n}.`) || segments.includes(n))
      ) {
        out[field] = out[field] ? `${out[field]} ${e.message}` : e.message;
        placed = true;
        break;
      }
    }
    if (!placed) out[''] = out[''] ? `${out['']} ${e.message}` : e.message;
  }
  return out;
}
