/**
 * The process logger: pino JSON lines, pretty-printed when stdout is a terminal.
 */
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(level = 'info', pretty = process.stdout.isTTY === true): Logger {
  if (pretty) {
    return pino({
      level,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino({ level });
}
