/**
 * A form's Save: sends what `save` builds, hands the saved object to `onSaved`, and on a refusal shows
 * the API's reasons (each beside its field, see `useFormErrors`) and lets the person try again.
 */
import { type FormEvent, useState } from 'react';
import { useFormErrors } from './use-form-errors.ts';

export interface SaveForm {
  /** Message per form field; `''` holds what belongs to no field. */
  errors: Record<string, string>;
  /** While the save is under way (Save is disabled and says "Saving…"). */
  busy: boolean;
  /** The form's `onSubmit`. */
  submit: (e: FormEvent) => Promise<void>;
}

/** `paths` maps each form field to the API field paths whose errors it shows. */
export function useSaveForm<T>(
  paths: Record<string, string[]>,
  save: () => Promise<T>,
  onSaved: (saved: T) => void,
): SaveForm {
  const { errors, clear, fail } = useFormErrors(paths);
  const [busy, setBusy] = useState(false);
  return {
    errors,
    busy,
    submit: async (e) => {
      e.preventDefault();
      setBusy(true);
      clear();
      try {
        onSaved(await save());
      } catch (err) {
        fail(err);
        setBusy(false);
      }
    },
  };
}
