/**
 * Field-by-field differences between two configurations (the live version and the draft, or any two
 * versions). Secrets are reported as changed without their values.
 */
import { type Configuration, OBJECT_KINDS, type ObjectKind, SECRET_FIELDS } from './model.ts';

export interface FieldChange {
  field: string;
  /** Absent for secrets and for fields that did not exist on that side. */
  from?: unknown;
  to?: unknown;
}

export interface ObjectChange {
  kind: ObjectKind;
  id: string;
  action: 'added' | 'changed' | 'removed';
  /** A human label: the name, or the number for incoming numbers. */
  label: string;
  fields: FieldChange[];
}

const IGNORED = new Set(['id', 'revision']);

function label(obj: Record<string, unknown>): string {
  return String(obj.name ?? obj.number ?? obj.id);
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a) === JSON.stringify(b);
}

function fieldChanges(
  from: Record<string, unknown> | undefined,
  to: Record<string, unknown> | undefined,
): FieldChange[] {
  const keys = new Set([...Object.keys(from ?? {}), ...Object.keys(to ?? {})]);
  const out: FieldChange[] = [];
  for (const field of [...keys].sort()) {
    if (IGNORED.has(field)) continue;
    const a = from?.[field];
    const b = to?.[field];
    if (same(a, b)) continue;
    if (SECRET_FIELDS.has(field)) out.push({ field });
    else {
      const change: FieldChange = { field };
      if (a !== undefined) change.from = a;
      if (b !== undefined) change.to = b;
      out.push(change);
    }
  }
  return out;
}

/** What must happen to `from` to make it `to`, object by object, in kind order then by label. */
export function diffConfigurations(from: Configuration, to: Configuration): ObjectChange[] {
  const out: ObjectChange[] = [];
  for (const kind of OBJECT_KINDS) {
    const before = new Map<string, Record<string, unknown>>();
    for (const o of from[kind]) before.set(o.id, o as unknown as Record<string, unknown>);
    const changes: ObjectChange[] = [];
    for (const o of to[kind] as unknown as Record<string, unknown>[]) {
      const id = o.id as string;
      const old = before.get(id);
      before.delete(id);
      const fields = fieldChanges(old, o);
      if (!old) changes.push({ kind, id, action: 'added', label: label(o), fields });
      else if (fields.length) changes.push({ kind, id, action: 'changed', label: label(o), fields });
    }
    for (const [id, old] of before)
      changes.push({ kind, id, action: 'removed', label: label(old), fields: fieldChanges(old, undefined) });
    changes.sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
    out.push(...changes);
  }
  return out;
}

/** Counts of a diff, as a version's summary. */
export function summarize(changes: ObjectChange[]): { added: number; changed: number; removed: number } {
  const s = { added: 0, changed: 0, removed: 0 };
  for (const c of changes) s[c.action]++;
  return s;
}
