/** Places the API's per-field errors (`errors[].path`) on the form fields they are about. */
import type { FieldError } from './api.ts';

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
