/**
 * What a configuration list page keeps: its list (loaded again whenever the draft changes), which pop-up
 * is open, and the notice of the last write. `afterWrite` is what every save and delete ends with.
 */
import { useState } from 'react';
import { useDraft } from './draft.tsx';
import { type Loaded, useLoad } from './use-load.ts';

/** The pop-up open over a list: none, the new-object form, or one about a row (`edit`, `delete`, or `K`). */
export type Popup<T, K extends string = never> =
  | { kind: 'none' }
  | { kind: 'new' }
  | { kind: 'edit' | 'delete' | K; row: T };

export interface ListPage<T, K extends string> {
  list: Loaded<T[]>;
  open: Popup<T, K>;
  setOpen: (open: Popup<T, K>) => void;
  /** Opens the new-object form. */
  add: () => void;
  /** Opens a row's form. */
  edit: (row: T) => void;
  /** Asks whether to delete a row. */
  confirmDelete: (row: T) => void;
  /** Closes the pop-up. */
  close: () => void;
  notice: string | undefined;
  /** After a save or delete: closes the pop-up, says `message`, and loads the list and the draft again. */
  afterWrite: (message: string) => Promise<void>;
}

/** `key` names what else the list depends on (e.g. the draft or production view). */
export function useListPage<T, K extends string = never>(load: () => Promise<T[]>, key = ''): ListPage<T, K> {
  const draft = useDraft();
  const list = useLoad(load, `${key}:${draft.generation}`);
  const [open, setOpen] = useState<Popup<T, K>>({ kind: 'none' });
  const [notice, setNotice] = useState<string>();
  return {
    list,
    open,
    setOpen,
    add: () => setOpen({ kind: 'new' }),
    edit: (row) => setOpen({ kind: 'edit', row }),
    confirmDelete: (row) => setOpen({ kind: 'delete', row }),
    close: () => setOpen({ kind: 'none' }),
    notice,
    afterWrite: async (message) => {
      setOpen({ kind: 'none' });
      setNotice(message);
      await Promise.all([list.reload(), draft.refresh()]);
    },
  };
}
