/**
 * `parley serve`: parse the options, start everything through the composition root, and shut down cleanly
 * on SIGTERM/SIGINT. A start-up failure is one plain line on stderr and a non-zero exit, with whatever had
 * started closed again.
 */
import { createLogger } from '../log.ts';
import { startParley } from '../main.ts';
import { parseServeOptions, SERVE_USAGE } from './options.ts';

export const usage = SERVE_USAGE;

export async function run(argv: string[]): Promise<number> {
  const parsed = parseServeOptions(argv);
  if (!parsed.ok) {
    process.stderr.write(`parley serve: ${parsed.error}\n`);
    return 2;
  }
  const logger = createLogger(parsed.value.logLevel);
  let parley: Awaited<ReturnType<typeof startParley>>;
  try {
    parley = await startParley(parsed.value, logger);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`parley serve: ${message}\n`);
    logger.flush?.();
    return 1;
  }
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: stopping now');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      parley.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error({ err }, 'shutdown failed');
          resolve(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
}
