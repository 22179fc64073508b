/**
 * A form in a pop-up, as every configuration object's form is: the fields, then what the API refused
 * that belongs to no field (an alert), then Save and Cancel. Field errors stay beside their fields.
 */
import type { ReactNode } from 'react';
import type { SaveForm } from '../use-save-form.ts';
import { Dialog } from './dialog.tsx';

export interface FormDialogProps {
  title: string;
  form: SaveForm;
  onCancel: () => void;
  /** A wider pop-up with the fields in two columns (the children are the columns). */
  twoColumns?: boolean;
  children: ReactNode;
}

export function FormDialog({ title, form, onCancel, twoColumns, children }: FormDialogProps) {
  // In two columns, the alert and the buttons span both.
  const span = twoColumns ? ' span-all' : '';
  return (
    <Dialog title={title} onClose={onCancel} wide={twoColumns}>
      <form onSubmit={form.submit} noValidate className={twoColumns ? 'two-columns' : undefined}>
        {children}
        {form.errors[''] && (
          <p className={`alert alert-error${span}`} role="alert">
            {form.errors['']}
          </p>
        )}
        <div className={`form-actions${span}`}>
          <button type="submit" className="button button-primary" disabled={form.busy}>
            {form.busy ? 'Saving…' : 'Save'}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
