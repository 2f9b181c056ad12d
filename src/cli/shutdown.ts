/**
 * SIGINT/SIGTERM for every long-running command (`stream`, `record`, `consume`, `serve`, `replay`, `sim`): the first
 * signal starts the orderly stop (`stop`); every later signal during it is absorbed and logged, never a kill
 * mid-flush. The stop is bounded: if the process is still alive `SHUTDOWN_DEADLINE_MS` after the first signal
 * (a sink that never finishes, a socket that keeps the event loop busy), it exits anyway with the command's exit
 * code if it already returned one, else 1, saying so on stderr. The timer is unref'd: it never delays an exit.
 */
import type { Logger } from 'pino';

/** How long after the first signal the process exits at the latest (documented in README and docs/). */
export const SHUTDOWN_DEADLINE_MS = 15_000;

export interface ShutdownOptions {
  deadlineMs?: number;
  /** Where the forced exit goes (tests); default `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Route SIGINT/SIGTERM to `stop` (once). Returns a function that removes the handlers (an in-process caller that
 * ended by other means); a deadline already armed stays armed.
 */
export function onShutdownSignals(logger: Logger, stop: (signal: NodeJS.Signals) => void, opts: ShutdownOptions = {}): () => void {
  const deadlineMs = opts.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let first: NodeJS.Signals | undefined;
  let absorbed = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first !== undefined) {
      absorbed++;
      logger.warn(
        { signal, absorbed, deadlineMs },
        `already stopping after ${first}: ${signal} ignored so that nothing is cut mid-flush (exit within ${deadlineMs} ms of the first signal)`,
      );
      return;
    }
    first = signal;
    const timer = setTimeout(() => {
      const returned = process.exitCode;
      const code = typeof returned === 'number' ? returned : 1;
      // straight to stderr: the logger writes asynchronously and the exit would lose the line
      process.stderr.write(`tickwire: still running ${deadlineMs} ms after ${signal}: exiting now (code ${code})\n`);
      exit(code);
    }, deadlineMs);
    timer.unref();
    stop(signal);
  };
  const onInt = (): void => onSignal('SIGINT');
  const onTerm = (): void => onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  };
}
