/** tickwire_events_total per exchange and type: runs, interleavings and new series counted exactly. */
import { describe, expect, it } from 'vitest';
import { EventCounters } from '../../src/pipeline/event-counters.js';
import { Metrics } from '../../src/pipeline/metrics.js';

describe('EventCounters', () => {
  it('counts every event under its own exchange and type, whatever the order (seeded interleaving)', () => {
    const metrics = new Metrics();
    const counters = new EventCounters(metrics);
    const exchanges = ['binance', 'okx', 'kraken'];
    const types = ['book_delta', 'trade', 'ticker', 'status'];
    const expected = new Map<string, number>();
    let seed = 7;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 5000; i++) {
      // runs of one type as in a burst, broken by other types and exchanges
      const exchange = exchanges[next(10) < 8 ? 0 : next(exchanges.length)]!;
      const type = types[next(10) < 7 ? 0 : next(types.length)]!;
      counters.count(exchange, type);
      expected.set(`${exchange} ${type}`, (expected.get(`${exchange} ${type}`) ?? 0) + 1);
    }
    for (const [key, n] of expected) {
      const [exchange, type] = key.split(' ');
      expect(metrics.get('tickwire_events_total', { exchange: exchange!, type: type! }), key).toBe(n);
    }
    expect(metrics.sum('tickwire_events_total')).toBe(5000);
  });
});
