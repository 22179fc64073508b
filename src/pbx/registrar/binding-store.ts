/**
 * Where bindings live across restarts. The registrar keeps them in memory and writes the whole set
 * through a BindingStore after changes; a database engine may implement the same interface later.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Binding } from './binding.ts';

/** Persistence for the registrar's bindings. */
export interface BindingStore {
  /** Every binding saved last time (possibly expired: the registrar filters). */
  load(): Promise<Binding[]>;
  /** Replace what is saved with `bindings`. */
  save(bindings: Binding[]): Promise<void>;
}

/** A store that keeps nothing (tests, benchmarks). */
export function memoryBindingStore(): BindingStore & { saved: Binding[] } {
  const store = {
    saved: [] as Binding[],
    load: async () => structuredClone(store.saved),
    save: async (b: Binding[]) => {
      store.saved = structuredClone(b);
    },
  };
  return store;
}

const FORMAT_VERSION = 1;

/**
 * Bindings as one JSON file, `bindings.json` in the data directory. Writes go to a temporary file then
 * rename over the old one, so a crash mid-write leaves the previous complete file, never a torn one.
 */
export class FileBindingStore implements BindingStore {
  readonly path: string;
  #writing: Promise<void> = Promise.resolve();
  #seq = 0;

  constructor(dataDir: string, fileName = 'bindings.json') {
    this.path = join(dataDir, fileName);
  }

  async load(): Promise<Binding[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      // A damaged file costs registrations, which phones redo on their own: never a failed start.
      return [];
    }
    if (!doc || typeof doc !== 'object' || (doc as { version?: unknown }).version !== FORMAT_VERSION)
      return [];
    const list = (doc as { bindings?: unknown }).bindings;
    return Array.isArray(list) ? list.filter(isBinding) : [];
  }

  save(bindings: Binding[]): Promise<void> {
    // Writes are serialised: two renames racing could put an older set last.
    const body = JSON.stringify({ version: FORMAT_VERSION, bindings });
    const next = this.#writing.then(() => this.#write(body));
    this.#writing = next.catch(() => {});
    return next;
  }

  async #write(body: string): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${++this.#seq}.tmp`;
    await writeFile(tmp, body, { mode: 0o600 });
    await rename(tmp, this.path);
  }
}

function isBinding(v: unknown): v is Binding {
  if (!v || typeof v !== 'object') return false;
  const b = v as Record<string, unknown>;
  const flow = b.flow as Record<string, unknown> | undefined;
  return (
    typeof b.extension === 'string' &&
    typeof b.aor === 'string' &&
    typeof b.contact === 'string' &&
    typeof b.key === 'string' &&
    typeof b.expiresAt === 'number' &&
    typeof b.callId === 'string' &&
    typeof b.cseq === 'number' &&
    typeof b.updatedAt === 'number' &&
    !!flow &&
    typeof flow.transport === 'string' &&
    typeof flow.remoteAddress === 'string' &&
    typeof flow.remotePort === 'number'
  );
}
