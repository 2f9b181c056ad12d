/**
 * Rebuilds order books from a MarketEvent stream (e.g. `fromNats`): a book is valid from a `book_snapshot` until a
 * status of its stream invalidates it (gap, resyncing, error, closed); deltas apply only to a valid book. A
 * snapshot of another epoch with a lower update id than the book already has is ignored (a restarted publisher's
 * older snapshot arriving after the previous publisher's newer deltas).
 * Pure: no I/O, no exchange knowledge.
 */
import { defer, filter, map, type OperatorFunction } from 'rxjs';
import { OrderBook } from '../book/order-book.js';
import type { MarketEvent } from '../schema/events.js';
import { bookKeyOf } from '../sinks/nats/subjects.js';

export interface RebuiltBook {
  key: string;
  exchange: string;
  symbol: string;
  book: OrderBook;
  valid: boolean;
  updateId: number | undefined;
  seq: number;
  epoch: string;
}

const INVALIDATING = new Set(['gap', 'resyncing', 'error', 'closed']);

export class BookRebuilder {
  readonly books = new Map<string, RebuiltBook>();

  /** Applies one event; returns the book it touched, if any. */
  apply(e: MarketEvent): RebuiltBook | undefined {
    if (e.type !== 'book_snapshot' && e.type !== 'book_delta' && !(e.type === 'status' && e.channel === 'book')) {
      return undefined;
    }
    const key = bookKeyOf(e);
    if (key === undefined || e.symbol === undefined) return undefined;
    let b = this.books.get(key);
    if (b === undefined) {
      b = { key, exchange: e.exchange, symbol: e.symbol, book: new OrderBook(), valid: false, updateId: undefined, seq: e.seq, epoch: e.epoch };
      this.books.set(key, b);
    }
    if (e.type === 'book_snapshot') {
      // a snapshot from another publisher (epoch) that is older than what this book already includes is stale:
      // applying it would roll the book back while the deltas after it were dropped as duplicates
      if (b.valid && e.epoch !== b.epoch && e.updateId !== undefined && b.updateId !== undefined && e.updateId < b.updateId) {
        return b;
      }
      b.seq = e.seq;
      b.epoch = e.epoch;
      b.book.applySnapshot(e.bids, e.asks);
      b.valid = true;
      b.updateId = e.updateId;
    } else if (e.type === 'book_delta') {
      b.seq = e.seq;
      b.epoch = e.epoch;
      if (b.valid) b.book.applyLevels(e.bids, e.asks);
      b.updateId = e.updateId ?? b.updateId;
    } else if (INVALIDATING.has(e.state)) {
      b.valid = false;
    }
    return b;
  }
}

/** Operator: each book event → the rebuilt book it touched (the same mutable object; copy what you keep). */
export function rebuildBooks(): OperatorFunction<MarketEvent, RebuiltBook> {
  return (source) =>
    defer(() => {
      const r = new BookRebuilder();
      return source.pipe(
        map((e) => r.apply(e)),
        filter((b): b is RebuiltBook => b !== undefined),
      );
    });
}
