/**
 * The dashboard's local book (web/book.ts, pure): seeded random snapshots and deltas — removals written as "0",
 * "0.00000000" and "0.0" — against an independent model (a Map sorted by value), and the exact decimal helpers the
 * ladder relies on (ordering, spread, display alignment that keeps every value).
 */
import { describe, expect, it } from 'vitest';
import { LocalBook, compareDecimal, depthSeries, subtractDecimal, trimDecimal } from '../../web/book.js';
import { alignDecimals } from '../../web/format.js';
import { seededRandom } from '../helpers/random.js';

type Level = [string, string];

describe('dashboard LocalBook', () => {
  it('keeps both sides sorted best-first and equal to a model through random deltas', () => {
    const rnd = seededRandom(21);
    const pad = (n: number, d: number): string => (n / 10 ** d).toFixed(d);
    const price = (): string => pad(2_999_000 + Math.floor(rnd() * 2000), 2) + (rnd() < 0.5 ? '000000' : ''); // mixed padding
    const model = { bids: new Map<string, string>(), asks: new Map<string, string>() };
    const book = new LocalBook();
    const key = (p: string): string => trimDecimal(p);
    const snapshot = (): { bids: Level[]; asks: Level[] } => {
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (let i = 0; i < 50; i++) {
        const p = price();
        (Number(p) < 30_000 ? bids : asks).push([p, pad(1 + Math.floor(rnd() * 9999), 3)]);
      }
      return { bids, asks };
    };
    const s = snapshot();
    for (const side of ['bids', 'asks'] as const) for (const [p, q] of s[side]) model[side].set(key(p), q);
    book.apply({ type: 'book_snapshot', ...s, updateId: 1, integrity: 'chained' });
    for (let u = 2; u < 2000; u++) {
      const d = { bids: [] as Level[], asks: [] as Level[] };
      for (let i = 0; i < 5; i++) {
        const side = rnd() < 0.5 ? 'bids' : 'asks';
        const existing = [...model[side].keys()];
        const removal = rnd() < 0.4 && existing.length > 0;
        const p = removal ? (existing[Math.floor(rnd() * existing.length)] as string) : price();
        if ((side === 'bids') !== Number(p) < 30_000) continue;
        const q = removal ? (['0', '0.00000000', '0.0'][u % 3] as string) : pad(1 + Math.floor(rnd() * 9999), 3);
        d[side].push([p, q]);
        if (removal) model[side].delete(key(p));
        else model[side].set(key(p), q);
      }
      book.apply({ type: 'book_delta', ...d, updateId: u });
      if (u % 97 === 0 || u === 1999) {
        const want = (side: 'bids' | 'asks'): Level[] =>
          [...model[side]].sort((a, b) => (side === 'bids' ? Number(b[0]) - Number(a[0]) : Number(a[0]) - Number(b[0])));
        expect(book.bids.levels.map(([p, q]) => [key(p), q])).toEqual(want('bids'));
        expect(book.asks.levels.map(([p, q]) => [key(p), q])).toEqual(want('asks'));
        expect(book.updateId).toBe(u);
      }
    }
  });

  it('ignores deltas before the first snapshot; a snapshot replaces everything', () => {
    const book = new LocalBook();
    book.apply({ type: 'book_delta', bids: [['1.0', '2']], asks: [], updateId: 5 });
    expect(book.bids.levels).toEqual([]);
    book.apply({ type: 'book_snapshot', bids: [['1.0', '2'], ['1.5', '1']], asks: [['2', '1']], updateId: 6 });
    book.apply({ type: 'book_snapshot', bids: [['0.9', '3']], asks: [], updateId: 7 });
    expect(book.top(5)).toEqual({ bids: [['0.9', '3']], asks: [] });
    expect(book.spread()).toBeUndefined();
  });

  it('orders, subtracts and aligns decimals exactly (no float rounding)', () => {
    expect(compareDecimal('10.5', '9.99999999')).toBeGreaterThan(0);
    expect(compareDecimal('0.10000000', '0.1')).toBe(0);
    expect(compareDecimal('123456789012345678.01', '123456789012345678.02')).toBeLessThan(0); // beyond float precision
    expect(subtractDecimal('30000.12000000', '30000.11')).toBe('0.01');
    expect(subtractDecimal('123456789012345678.02', '123456789012345678.01')).toBe('0.01');
    expect(subtractDecimal('1', '1.5')).toBe('-0.5');
    expect(alignDecimals(['30000.12000000', '29999.5', '30001'])).toEqual(['30000.12', '29999.50', '30001.00']);
    const book = new LocalBook();
    book.apply({ type: 'book_snapshot', bids: [['99', '1'], ['98', '2']], asks: [['101', '4']] });
    expect(depthSeries(book, 10)).toEqual([[98, 99, 101], [3, 1, null], [null, null, 4]]);
  });
});
