/** Every protocol's burst steps its market `diffs` times, round-robin over the symbols asked for. */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId } from '../../src/schema/events.js';
import { startSim, type Simulator } from '../../src/sim/index.js';

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

describe.each(['kraken', 'bybit', 'coinbase', 'coinbase-exchange', 'binance', 'gateio'] as const)('%s burst', (exchange: ExchangeId) => {
  it('advances each asked symbol by its share of the diffs, and no other', async () => {
    sim = await startSim({ exchanges: [exchange], seed: 9, symbols: ['BTC/USD', 'ETH/USD', 'SOL/USD'], intervalMs: 60_000 });
    const s = sim;
    const before = ['BTC/USD', 'ETH/USD', 'SOL/USD'].map((sym) => s.trueBook(exchange, sym)!.updateId);
    const r = await s.burst(exchange, { symbols: ['BTC/USD', 'ETH/USD'], diffs: 40 });
    expect(r.diffs).toBe(40);
    const after = ['BTC/USD', 'ETH/USD', 'SOL/USD'].map((sym) => s.trueBook(exchange, sym)!.updateId);
    // each diff changes 1–20 levels, one id each: 20 diffs move a symbol by 20..400 ids
    for (const i of [0, 1]) {
      expect(after[i]! - before[i]!).toBeGreaterThanOrEqual(20);
      expect(after[i]! - before[i]!).toBeLessThanOrEqual(20 * 21);
    }
    expect(after[2]).toBe(before[2]);
  });
});
