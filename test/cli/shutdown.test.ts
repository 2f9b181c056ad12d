/**
 * onShutdownSignals in-process (process.emit, no real signal): the first signal stops, later ones are absorbed and
 * logged, and the deadline forces the exit only if the process is still there; disposing removes the handlers.
 * The real-signal behaviour through the CLI child: test/cli/shutdown-cli.test.ts.
 */
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { onShutdownSignals } from '../../src/cli/shutdown.js';

describe('onShutdownSignals', () => {
  it('stop once; later signals logged as ignored; exit(1) when the deadline passes', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
    const stops: string[] = [];
    let exited: (code: number) => void = () => undefined;
    const exit = new Promise<number>((resolve) => (exited = resolve));
    const before = process.listenerCount('SIGINT');
    expect([before, process.listenerCount('SIGTERM')]).toEqual([0, 0]); // no other handler in this worker reacts to the emits
    const off = onShutdownSignals(log, (s) => stops.push(s), { deadlineMs: 50, exit: (c) => exited(c) });
    const stderr = process.stderr.write.bind(process.stderr);
    const said: string[] = [];
    process.stderr.write = ((s: string) => said.push(String(s)) > 0) as typeof process.stderr.write;
    try {
      process.emit('SIGINT');
      process.emit('SIGTERM');
      process.emit('SIGINT');
      expect(stops).toEqual(['SIGINT']);
      expect(lines.filter((l) => l['level'] === 40).map((l) => l['signal'])).toEqual(['SIGTERM', 'SIGINT']);
      expect(await exit).toBe(1); // nothing set an exit code: the stop did not finish
      expect(said.join('')).toMatch(/still running 50 ms after SIGINT: exiting now \(code 1\)/);
    } finally {
      process.stderr.write = stderr;
      off();
    }
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
