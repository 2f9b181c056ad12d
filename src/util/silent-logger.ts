/**
 * The logger used when the application passes none: discards everything, like `pino({ level: 'silent' })`, without
 * loading pino into an embedded application that never logs (what module loading leaves alive is what makes V8
 * grow its young generation, and with it the process's memory).
 */
import type { Logger } from 'pino';

const noop = (): void => undefined;

export function silentLogger(): Logger {
  const log = {
    level: 'silent',
    fatal: noop,
    error: noop,
    warn: noop,
    info: noop,
    debug: noop,
    trace: noop,
    silent: noop,
    flush: noop,
    isLevelEnabled: () => false,
    child: () => log,
    bindings: () => ({}),
  };
  return log as unknown as Logger;
}
