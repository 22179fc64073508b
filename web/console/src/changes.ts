/**
 * Pending changes (`GET /api/changes`) and a version's changes (`GET /api/versions/{a}/diff/{b}`) in one
 * shape for the lists, whatever the exact field names the server uses for before and after.
 */

/** One field of a pending change: before and after (secrets come without values). */
export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
  secret?: boolean;
}

/** One object in the draft that differs from what is applied. */
export interface Change {
  kind: string;
  id: string;
  action: 'added' | 'changed' | 'removed';
  label: string;
  fields: FieldChange[];
}

/** Pending changes in one shape, whatever way the server groups them. */
export function normalizeChanges(data: unknown): Change[] {
  const d = data as Record<string, unknown> | unknown[] | undefined;
  const raw: unknown[] = Array.isArray(d)
    ? d
    : Array.isArray(d?.changes)
      ? (d.changes as unknown[])
      : Array.isArray(d?.items)
        ? (d.items as unknown[])
        : [];
  return raw
    .filter((c): c is Record<string, unknown> => !!c && typeof c === 'object')
    .map((c) => {
      const obj = (c.after ?? c.object ?? c.before ?? {}) as Record<string, unknown>;
      const action = String(c.action ?? c.op ?? c.type ?? 'changed');
      return {
        kind: String(c.kind ?? c.resource ?? c.collection ?? ''),
        id: String(c.id ?? obj.id ?? ''),
        action:
          action.startsWith('add') || action === 'create'
            ? 'added'
            : action.startsWith('remov') || action === 'delete'
              ? 'removed'
              : 'changed',
        label: String(c.label ?? c.name ?? obj.name ?? obj.number ?? obj.extension ?? c.id ?? ''),
        fields: normalizeFields(c.fields ?? c.diff ?? c.changes),
      } satisfies Change;
    });
}

function normalizeFields(v: unknown): FieldChange[] {
  if (Array.isArray(v)) {
    return v
      .filter((f): f is Record<string, unknown> => !!f && typeof f === 'object')
      .map((f) => ({
        field: String(f.field ?? f.path ?? f.name ?? ''),
        before: f.before ?? f.from ?? f.old,
        after: f.after ?? f.to ?? f.new,
        secret: f.secret === true || f.changed === true,
      }));
  }
  if (v && typeof v === 'object') {
    return Object.entries(v as Record<string, unknown>).map(([field, f]) => {
      const o = (f && typeof f === 'object' ? f : { after: f }) as Record<string, unknown>;
      return { field, before: o.before ?? o.from, after: o.after ?? o.to, secret: o.secret === true };
    });
  }
  return [];
}

/** How many changes wait in the draft, from `GET /api/changes`. */
export function countChanges(data: unknown): number {
  const d = data as Record<string, unknown> | undefined;
  if (d && typeof d.count === 'number') return d.count;
  return normalizeChanges(data).length;
}
