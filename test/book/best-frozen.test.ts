/**
 * `OrderBook#bestFrozen`: the best level formatted once per change and shared between reads. Checked against an
 * independent model of the book (a Map of canonical price → the latest spelling and size, the best found by a scan)
 * after every step of a seeded random walk near the top, in both storages, with reads skipped at random so that
 * several changes (a removal and a re-insert under another spelling, a size respelled) fall between two reads.
 */
import { describe, expect, it } from 'vitest';
import { OrderBook, type Side } from '../../src/book/order-book.js';
import { CODE_BITS, DecimalScratch, encodeDecimal } from '../../src/book/decimal-code.js';
import type { Level } from '../../src/schema/events.js';
import { mulberry32 } from '../../src/util/prng.js';

type Model = Map<number, [string, string]>; // price in cents → [price as spelled last, size]

function modelBest(m: Model, side: Side): readonly [string, string] | undefined {
  let best: number | undefined;
  for (const k of m.keys()) if (best === undefined || (side === 'bid' ? k > best : k < best)) best = k;
  return best === undefined ? undefined : m.get(best);
}

/** A price of `cents` in one of three spellings ("100.5", "100.50", "100.500"; "100", "100.0", "100.00"). */
function spell(cents: number, variant: number): string {
  const s = (cents / 100).toFixed(2);
  if (variant === 1) return s;
  if (variant === 2) return `${s}0`;
  return s.replace(/\.?0+$/, '') || '0';
}

const SIZES = ['1', '1.0', '1.00', '2.5', '2.50', '0.001', '7'];

/** One level applied the way a frame scanner's message is: with its numeric form (level-codes.ts) beside the strings. */
function applyCoded(book: OrderBook, side: Side, price: string, size: string, dec: DecimalScratch): void {
  const pc = encodeDecimal(price, dec);
  const pm = dec.scanned[0]!;
  const sc = encodeDecimal(size, dec);
  const codes = Float64Array.of(pm, dec.scanned[0]!, (pc << CODE_BITS) | sc);
  const level: Level[] = [[price, size]];
  book.applyLevels(side === 'bid' ? level : [], side === 'ask' ? level : [], codes);
}

type Storage = 'strings' | 'numbers' | 'coded';

function walk(storage: Storage, seed: number, steps: number): { reads: number; same: number } {
  const strings = storage === 'strings';
  const dec = new DecimalScratch();
  const set = (book: OrderBook, side: Side, price: string, size: string): void =>
    storage === 'coded' ? applyCoded(book, side, price, size, dec) : book.set(side, price, size);
  const rand = mulberry32(seed);
  const book = new OrderBook({ strings });
  const model: Record<Side, Model> = { bid: new Map(), ask: new Map() };
  let reads = 0;
  let same = 0;
  const last: Record<Side, unknown> = { bid: undefined, ask: undefined };
  for (let step = 0; step < steps; step++) {
    const side: Side = rand() < 0.5 ? 'bid' : 'ask';
    // bids 9900–10000 cents, asks 10001–10101: the top levels are hit often
    const cents = side === 'bid' ? 10_000 - Math.floor(rand() * rand() * 100) : 10_001 + Math.floor(rand() * rand() * 100);
    const price = spell(cents, Math.floor(rand() * 3));
    const r = rand();
    if (r < 0.3) {
      const zero = rand() < 0.5 ? '0' : '0.000';
      set(book, side, price, zero);
      model[side].delete(cents);
    } else {
      const size = SIZES[Math.floor(rand() * SIZES.length)]!;
      set(book, side, price, size);
      model[side].set(cents, [price, size]);
    }
    if (rand() < 0.6) {
      for (const s of ['bid', 'ask'] as const) {
        const got = book.bestFrozen(s);
        const want = modelBest(model[s], s);
        expect(got).toEqual(want);
        if (got !== undefined) expect(Object.isFrozen(got)).toBe(true);
        // the mutable read is a copy of the same level: changing it leaves the book as it was
        const copy = s === 'bid' ? book.bestBid() : book.bestAsk();
        expect(copy).toEqual(want);
        if (copy !== undefined) copy[1] = '999';
        expect(book.bestFrozen(s)).toEqual(want);
        if (got === last[s]) same++;
        last[s] = got;
        reads++;
      }
    }
  }
  return { reads, same };
}

describe('OrderBook#bestFrozen', () => {
  for (const storage of ['numbers', 'coded', 'strings'] as const) {
    it(`equals the best level of an independent model after every change (${storage}, seeded)`, () => {
      for (const seed of [1, 2, 3]) {
        const { reads, same } = walk(storage, seed, 4000);
        expect(reads).toBeGreaterThan(4000);
        // the cache is used: unchanged best levels are the same object between reads
        expect(same).toBeGreaterThan(reads / 10);
      }
    });
  }

  it('gives the same frozen object until the best level changes, and a new one for a respelled size or price', () => {
    const book = new OrderBook();
    book.set('bid', '100.5', '1');
    const a = book.bestFrozen('bid');
    book.set('bid', '99', '3'); // not the best
    expect(book.bestFrozen('bid')).toBe(a);
    book.set('bid', '100.5', '1.0'); // the same size, another spelling
    expect(book.bestFrozen('bid')).toEqual(['100.5', '1.0']);
    book.set('bid', '100.50', '1.0'); // the same price, another spelling: the latest wins
    expect(book.bestFrozen('bid')).toEqual(['100.50', '1.0']);
    book.set('bid', '100.50', '0');
    expect(book.bestFrozen('bid')).toEqual(['99', '3']);
    book.clear();
    expect(book.bestFrozen('bid')).toBeUndefined();
  });
});
