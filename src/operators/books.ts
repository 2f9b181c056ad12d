/**
 * `books()` turns book events into maintained books: after each book event it emits the book it applies to,
 * with its trust state. Deltas before a snapshot, or after a `resyncing` status, are not applied — the book is
 * reported `trusted: false` until the next snapshot.
 */
import { Observable, type OperatorFunction } from 'rxjs';
import type { MarketEvent } from '../schema/events.js';
import { OrderBook } from '../book/order-book.js';

export interface MaintainedBook {
  exchange: string;
  symbol: string;
  book: OrderBook;
  updateId: number | undefined;
  /** True between a snapshot and the next resyncing/closed/error status (or seq hole) for this book. */
  trusted: boolean;
  /** The event that produced this state. */
  event: MarketEvent;
}

export function books(): OperatorFunction<MarketEvent, MaintainedBook> {
  return (source) =>
    new Observable<MaintainedBook>((subscriber) => {
      const state = new Map<string, MaintainedBook>();
      const lastSeq = new Map<string, number>();
      return source.subscribe({
        next(e) {
          if (e.type === 'status') {
            if (e.symbol === undefined || (e.channel !== undefined && e.channel !== 'book')) return;
            const m = state.get(`${e.exchange}:${e.symbol}`);
            if (m && (e.state === 'resyncing' || e.state === 'error' || e.state === 'gap' || e.state === 'syncing')) {
              m.trusted = false;
              m.event = e;
              subscriber.next(m);
            }
            return;
          }
          if (e.type !== 'book_snapshot' && e.type !== 'book_delta') return;
          const key = `${e.exchange}:${e.symbol}`;
          const seqKey = `${key}@${e.epoch}`;
          const prevSeq = lastSeq.get(seqKey);
          lastSeq.set(seqKey, e.seq);
          let m = state.get(key);
          if (m === undefined) {
            m = { exchange: e.exchange, symbol: e.symbol, book: new OrderBook(), updateId: undefined, trusted: false, event: e };
            state.set(key, m);
          }
          m.event = e;
          if (e.type === 'book_snapshot') {
            m.book.applySnapshot(e.bids, e.asks);
            m.trusted = true;
          } else {
            if (!m.trusted) return;
            if (prevSeq !== undefined && e.seq !== prevSeq + 1) {
              // lost events: the book is wrong from here until the next snapshot
              m.trusted = false;
              subscriber.next(m);
              return;
            }
            m.book.applyLevels(e.bids, e.asks);
          }
          m.updateId = e.updateId;
          subscriber.next(m);
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
