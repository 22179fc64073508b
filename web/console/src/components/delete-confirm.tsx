/**
 * "Delete the …?" for one object of a list: Delete runs `remove`, and a refusal stays in the pop-up (in
 * an alert) so the person can try again or cancel.
 */
import { type ReactNode, useState } from 'react';
import { Confirm } from './dialog.tsx';

export interface DeleteConfirmProps {
  title: string;
  message: ReactNode;
  /** Deletes the object (from the draft); a rejection is shown as the reason. */
  remove: () => Promise<unknown>;
  /** After `remove` succeeded: close the pop-up and refresh the list. */
  onDeleted: () => void;
  onCancel: () => void;
  /** While deleting, the button is disabled and says "Please wait…", and the last refusal goes away. */
  showProgress?: boolean;
}

export function DeleteConfirm({
  title,
  message,
  remove,
  onDeleted,
  onCancel,
  showProgress,
}: DeleteConfirmProps) {
  const [state, setState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const confirm = async () => {
    if (showProgress) setState({ busy: true });
    try {
      await remove();
    } catch (err) {
      setState({ busy: false, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    setState({ busy: false });
    onDeleted();
  };
  return (
    <Confirm
      title={title}
      message={message}
      confirmLabel="Delete"
      danger
      busy={state.busy}
      error={state.error}
      onConfirm={() => void confirm()}
      onCancel={onCancel}
    />
  );
}
