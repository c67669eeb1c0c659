import { pino, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

/** The logging surface components receive (pino's, injected from the composition root). */
export interface Logger {
  error(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  debug(obj: unknown, msg?: string): void;
}

/** A stream logs go to; `isTTY` decides the `auto` format. */
type Output = NodeJS.WritableStream & { readonly isTTY?: boolean };

/**
 * The node's logger (`[log]`): JSON lines for collectors, or pretty, coloured lines for a person
 * at a terminal. `auto` (the default) picks pretty exactly when the output is a terminal.
 */
export function createLogger(options: { readonly level: string; readonly format: 'auto' | 'pretty' | 'json'; readonly output?: Output }): PinoLogger {
  const output = options.output ?? process.stdout;
  const isPretty = options.format === 'pretty' || (options.format === 'auto' && output.isTTY === true);
  if (!isPretty) return options.output ? pino({ level: options.level }, options.output) : pino({ level: options.level });
  return pino({ level: options.level }, pretty({
    destination: output,
    colorize: output.isTTY === true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
    // Written as they come: a crash loses no line, and tests read them in order.
    sync: true,
  }));
}
