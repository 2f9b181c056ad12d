/** `--max-connection-age` and `--book-check-interval` reach the config; durations parse exactly, bad ones are refused. */
import { describe, expect, it } from 'vitest';
import { durationFlag } from '../../src/cli/args.js';
import { configFromArgs } from '../../src/cli/stream-command.js';

describe('stream flags', () => {
  it('durations: plain ms, ms/s/m/h and combinations', () => {
    expect(durationFlag('x', '1500')).toBe(1500);
    expect(durationFlag('x', '500ms')).toBe(500);
    expect(durationFlag('x', '30s')).toBe(30_000);
    expect(durationFlag('x', '90m')).toBe(5_400_000);
    expect(durationFlag('x', '23h')).toBe(82_800_000);
    expect(durationFlag('x', '23h30m')).toBe(84_600_000);
    expect(durationFlag('x', '0')).toBe(0);
    expect(durationFlag('x', undefined)).toBeUndefined();
    for (const bad of ['', '-1h', '1.5h', 'h', '2d', '23h 30m']) {
      expect(() => durationFlag('max-connection-age', bad), bad).toThrow(/--max-connection-age expects a duration/);
    }
  });

  it('--max-connection-age 23h and --book-check-interval set the config; defaults otherwise', () => {
    const c = configFromArgs({ 'max-connection-age': '23h', 'book-check-interval': '5000' }, ['coinbase-exchange:BTC/USD']);
    expect(c.maxConnectionAgeMs).toBe(82_800_000);
    expect(c.bookCheckIntervalMs).toBe(5000);
    const d = configFromArgs({}, ['coinbase-exchange:BTC/USD']);
    expect(d.maxConnectionAgeMs).toBe(85_800_000);
    expect(d.bookCheckIntervalMs).toBe(15_000);
  });
});
