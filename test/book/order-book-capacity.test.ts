import { describe, expect, it } from 'vitest';
import { canonicalDecimal } from '../../src/book/decimal-string.js';
import { OrderBook } from '../../src/book/order-book.js';
import type { Level } from '../../src/schema/events.js';
import { mulberry32 } from '../../src/util/prng.js';
import { referenceOf } from './reference-book.js';

/** Slots a numeric side sized to a snapshot of `n` levels may hold (numeric-side.ts: n + 2 × (16 + n / 16)). */
const bound = (n: number): number => Math.max(64, n + 2 * (16 + (n >> 4)));

describe('OrderBook numeric storage sized to its snapshots', () => {
  it('holds a deep snapshot in arrays near its depth, whatever the capacity before', () => {
    const book = new OrderBook();
    const levels = (n: number, from: number, step: number): Level[] =>
      Array.from({ length: n }, (_, i) => [(from + i * step).toFixed(2), '1.5'] as Level);
    for (const n of [1000, 100, 1500, 0, 5, 1000]) {
      book.applySnapshot(levels(n, 29999, -1), levels(n, 30001, 1)); // best first, as exchanges send them
      expect(book.bidCount).toBe(n);
      expect(book.capacity.bids).toBeLessThanOrEqual(bound(n));
      expect(book.capacity.asks).toBeLessThanOrEqual(bound(n));
    }
    expect(book.capacity.bids).toBe(1000 + 2 * (16 + 62));
  });

  it.each([
    ['best first', 'best'],
    ['worst first', 'worst'],
    ['shuffled', 'shuffled'],
  ] as const)(
    'matches the reference across snapshots (%s) and a drifting, growing and shrinking book (regrows from a tight capacity)',
    (_name, order) => {
      const rand = mulberry32(order.length * 7919);
      const book = new OrderBook();
      const { ref, check } = referenceOf(book);
      const size = (): string => `${1 + Math.floor(rand() * 900)}.${Math.floor(rand() * 10)}`;
      let mid = 300_000; // in cents
      for (let round = 0; round < 8; round++) {
        const n = [1000, 3, 400, 1200, 0, 64, 900, 1][round]!;
        const side = (sign: number): Level[] => Array.from({ length: n }, (_, i) => [((mid + sign * (i + 1)) / 100).toFixed(2), size()] as Level);
        let bids = side(-1);
        let asks = side(1);
        if (order === 'worst') [bids, asks] = [bids.reverse(), asks.reverse()];
        if (order === 'shuffled') [bids, asks] = [shuffle(bids, rand), shuffle(asks, rand)];
        book.applySnapshot(bids, asks);
        ref.bid = new Map(bids.map(([p, s]) => [canonicalDecimal(p), s]));
        ref.ask = new Map(asks.map(([p, s]) => [canonicalDecimal(p), s]));
        check();
        // the price drifts (one end gains levels, the other loses them), the book grows and shrinks at both ends
        const drift = round % 2 === 0 ? 1 : -1;
        for (let t = 0; t < 400; t++) {
          if (rand() < 0.5) mid += drift;
          const upd = { bid: [] as Level[], ask: [] as Level[] };
          for (let k = 0; k < 6; k++) {
            const s = rand() < 0.5 ? 'bid' : 'ask';
            const sign = s === 'bid' ? -1 : 1;
            // near the top, near the far end of the book, or anywhere
            const r = rand();
            const dist = r < 0.5 ? 1 + Math.floor(rand() * 5) : r < 0.8 ? n + Math.floor(rand() * 40) - 20 : 1 + Math.floor(rand() * (n + 50));
            const price = ((mid + sign * Math.max(1, dist)) / 100).toFixed(2);
            const key = canonicalDecimal(price);
            if (upd[s].some((l) => l[0] === price)) continue;
            if (rand() < (t < 200 ? 0.3 : 0.6)) {
              upd[s].push([price, '0']);
              ref[s].delete(key);
            } else {
              const q = size();
              upd[s].push([price, q]);
              ref[s].set(key, q);
            }
          }
          book.applyLevels(upd.bid, upd.ask);
          if (t % 50 === 49) check();
        }
        check();
      }
    },
  );
});

function shuffle<T>(a: T[], rand: () => number): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
