/**
 * Rebuilds order books from a MarketEvent stream (e.g. `fromNats`): a book is valid from a `book_snapshot` until a
 * status of its stream invalidates it (gap, resyncing, error, closed); deltas apply only to a valid book.
 * Pure: no I/O, no exchange knowledge.
 */
import { defer, filter, map, type OperatorFunction } from 'rxjs';
import { OrderBook } from '../book/order-book.js';
import type { MarketEvent } from '../schema/events.js';
import { streamKeyOf } from '../sinks/nats/subjects.js';

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
    const key = streamKeyOf(e);
    if (key === undefined || e.symbol === undefined) return undefined;
    let b = this.books.get(key);
    if (b === undefined) {
      b = { key, exchange: e.exchange, symbol: e.symbol, book: new OrderBook(), valid: false, updateId: undefined, seq: e.seq, epoch: e.epoch };
      this.books.set(key, b);
    }
    b.seq = e.seq;
    b.epoch = e.epoch;
    if (e.type === 'book_snapshot') {
      b.book.applySnapshot(e.bids, e.asks);
      b.valid = true;
      b.updateId = e.updateId;
    } else if (e.type === 'book_delta') {
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
