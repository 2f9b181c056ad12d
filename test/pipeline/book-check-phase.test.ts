/** The full-book check's per-market phase: fixed per market, inside the interval, spread over it. */
import { describe, expect, it } from 'vitest';
import { phaseOf } from '../../src/pipeline/book-driver.js';

describe('phaseOf', () => {
  it('is deterministic, in [0, every), and spreads 100 markets over the interval', () => {
    const every = 15_000;
    const markets = Array.from({ length: 100 }, (_, i) => `C${i}-USD`);
    const phases = markets.map((m) => phaseOf(m, every));
    expect(markets.map((m) => phaseOf(m, every))).toEqual(phases);
    expect(phases.every((p) => Number.isInteger(p) && p >= 0 && p < every)).toBe(true);
    // every tenth of the interval holds some of them, none more than a quarter: no burst of all books at once
    const tenths = Array.from({ length: 10 }, (_, i) => phases.filter((p) => Math.floor(p / (every / 10)) === i).length);
    expect(Math.min(...tenths)).toBeGreaterThan(0);
    expect(Math.max(...tenths)).toBeLessThan(25);
  });
});
