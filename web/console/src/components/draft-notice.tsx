/**
 * What a list page's last write did ("… was saved in the draft"), shown while the draft has changes to
 * apply: once they are applied or discarded, the advice to apply them would be stale.
 */
import { useDraft } from '../draft.tsx';

export function DraftNotice({ notice }: { notice: string | undefined }) {
  const draft = useDraft();
  if (!notice || draft.changes.length === 0) return null;
  return (
    <p className="alert alert-info" role="status">
      {notice}
    </p>
  );
}
