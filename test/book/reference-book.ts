/**
 * An independent model of a book for the seeded book tests: per side a map of canonical price → size, and a check
 * that an OrderBook holds exactly it, best first (the order computed from the model with compareDecimal).
 */
import { expect } from 'vitest';
import { canonicalDecimal, compareDecimal } from '../../src/book/decimal-string.js';
import type { OrderBook } from '../../src/book/order-book.js';
import type { Level } from '../../src/schema/events.js';

export interface ReferenceBook {
  ref: { bid: Map<string, string>; ask: Map<string, string> };
  /** The model's side, best first. */
  want(side: 'bid' | 'ask'): Level[];
  /** `book` equals the model: every level, in order, and the counts. */
  check(): void;
}

export function referenceOf(book: OrderBook): ReferenceBook {
  const ref = { bid: new Map<string, string>(), ask: new Map<string, string>() };
  const want = (side: 'bid' | 'ask'): Level[] =>
    [...ref[side].entries()].sort((a, b) => (side === 'bid' ? compareDecimal(b[0], a[0]) : compareDecimal(a[0], b[0])));
  const check = (): void => {
    const got = book.snapshot();
    expect(got.bids.map(([p, s]) => [canonicalDecimal(p), s])).toEqual(want('bid'));
    expect(got.asks.map(([p, s]) => [canonicalDecimal(p), s])).toEqual(want('ask'));
    expect(book.bidCount).toBe(ref.bid.size);
    expect(book.askCount).toBe(ref.ask.size);
  };
  return { ref, want, check };
}
