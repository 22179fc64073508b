/**
 * A form's errors from the API: each field's message beside it, the rest above the buttons. A conflict
 * (someone saved the object since the form opened) also refreshes the draft, so the list behind the
 * form shows the newer version when it closes.
 */
import { useState } from 'react';
import { ApiError } from './api.ts';
import { useDraft } from './draft.tsx';
import { fieldErrors } from './field-errors.ts';

export interface FormErrors {
  /** Message per form field; `''` holds what belongs to no field. */
  errors: Record<string, string>;
  clear: () => void;
  /** Shows a failed save's reasons. */
  fail: (err: unknown) => void;
}

export function useFormErrors(paths: Record<string, string[]>): FormErrors {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const { refresh } = useDraft();
  return {
    errors,
    clear: () => setErrors({}),
    fail: (err) => {
      if (!(err instanceof ApiError)) {
        setErrors({ '': String(err) });
        return;
      }
      const byField = fieldErrors(err.fieldErrors, paths);
      if (err.fieldErrors.length === 0) byField[''] = err.message;
      setErrors(byField);
      if (err.status === 409) void refresh();
    },
  };
}
