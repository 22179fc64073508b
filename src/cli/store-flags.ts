/**
 * The flags every store-using command shares: `--data DIR` / `--database URL`, or PARLEY_DATA /
 * PARLEY_DATABASE, with the same defaults as `parley serve`, so each command reaches the same store.
 */
import { resolve } from 'node:path';
import { openStore } from '../store/index.ts';
import type { Store } from '../store/store.ts';
import { type ParseResult, readFlags } from './options.ts';

export const STORE_FLAGS_USAGE = `  --data DIR          PARLEY_DATA       the data directory of the embedded store (default: ./data)
  --database URL      PARLEY_DATABASE   postgres://… to use PostgreSQL instead`;

export interface StoreCommand {
  data: string;
  database?: string;
  flags: Map<string, string>;
}

/** Reads `--data`, `--database` and the command's own flags. */
export function parseStoreCommand(
  argv: string[],
  own: string[],
  env: Record<string, string | undefined> = process.env,
): ParseResult<StoreCommand> {
  const parsed = readFlags(argv, ['--data', '--database', ...own]);
  if (!parsed.ok) return parsed;
  const flags = parsed.value;
  const data = resolve(flags.get('--data') || env.PARLEY_DATA || './data');
  const database = flags.get('--database') || env.PARLEY_DATABASE || undefined;
  return { ok: true, value: { data, database, flags } };
}

/** Opens (and migrates) the store, or writes one plain line and returns undefined. */
export async function openCommandStore(command: string, opts: StoreCommand): Promise<Store | undefined> {
  try {
    return await openStore({ data: opts.data, database: opts.database });
  } catch (err) {
    process.stderr.write(`parley ${command}: ${(err as Error).message}\n`);
    return undefined;
  }
}
