/** books(): maintained books from book events, distrust after a resync or a seq hole, marble-tested. */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { TestScheduler } from 'rxjs/testing';
import { map, type Observable } from 'rxjs';
import { books, type MaintainedBook } from '../../src/operators/books.js';
import { stream, TickwireStream } from '../../src/api/stream.js';
import type { MarketEvent } from '../../src/schema/events.js';

const base = { exchange: 'binance' as const, symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 1, epoch: 'e1' };
const snap = (seq: number, updateId: number): MarketEvent => ({
  type: 'book_snapshot', ...base, seq, updateId, integrity: 'chained',
  bids: [['100.0', '1'], ['99.5', '2']], asks: [['100.5', '3']],
});
const delta = (seq: number, updateId: number, bids: [string, string][], asks: [string, string][] = []): MarketEvent => ({
  type: 'book_delta', ...base, seq, updateId, integrity: 'chained', bids, asks,
});
const resyncing: MarketEvent = {
  type: 'status', scope: 'stream', exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing',
  code: 'TW_ERR_SEQUENCE_GAP', reason: 'gap', localTime: 2, seq: 1, epoch: 'e1',
};

const view = (m: MaintainedBook) => ({ trusted: m.trusted, updateId: m.updateId, bid: m.book.bestBid(), ask: m.book.bestAsk() });

describe('books()', () => {
  it('applies snapshot then deltas; a resync status or a seq hole makes the book untrusted until the next snapshot', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      const src = cold<MarketEvent>('a-b-c-d-e-f-g', {
        a: snap(1, 10),
        b: delta(2, 11, [['100.0', '0']]), // removes the best bid
        c: resyncing,
        d: delta(3, 12, [['101.0', '5']]), // not applied: untrusted
        e: snap(4, 20),
        f: delta(6, 22, [['100.2', '1']]), // seq 5 missing: loss → untrusted, not applied
        g: snap(7, 30),
      });
      expectObservable(src.pipe(books(), map(view))).toBe('a-b-c---e-f-g', {
        a: { trusted: true, updateId: 10, bid: ['100.0', '1'], ask: ['100.5', '3'] },
        b: { trusted: true, updateId: 11, bid: ['99.5', '2'], ask: ['100.5', '3'] },
        c: { trusted: false, updateId: 11, bid: ['99.5', '2'], ask: ['100.5', '3'] },
        e: { trusted: true, updateId: 20, bid: ['100.0', '1'], ask: ['100.5', '3'] },
        f: { trusted: false, updateId: 20, bid: ['100.0', '1'], ask: ['100.5', '3'] },
        g: { trusted: true, updateId: 30, bid: ['100.0', '1'], ask: ['100.5', '3'] },
      });
    });
  });

  it('public types: stream() is an Observable of MarketEvent (a TickwireStream), books() maps it to MaintainedBook', () => {
    expectTypeOf(stream).returns.toEqualTypeOf<TickwireStream>();
    expectTypeOf(stream).returns.toMatchTypeOf<Observable<MarketEvent>>();
    expectTypeOf(books()).returns.toEqualTypeOf<Observable<MaintainedBook>>();
  });
});
