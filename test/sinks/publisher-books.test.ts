/** NATS checkpoints keep the unit fields of the book they rebuild: a Deribit book's `sizeUnit` and `contractValue`. */
import { describe, expect, it } from 'vitest';
import type { BookDeltaEvent, BookSnapshotEvent } from '../../src/schema/events.js';
import { PublisherBooks } from '../../src/sinks/nats/publisher-books.js';

const base = { exchange: 'deribit' as const, symbol: 'BTC/USD:BTC', market: 'BTC-PERPETUAL', localTime: 1, epoch: 'e', integrity: 'chained' as const };

describe('PublisherBooks checkpoints', () => {
  it('carry sizeUnit and contractValue of the book snapshot through later deltas', () => {
    const books = new PublisherBooks({ nowMicros: () => 5 }, 10, 1_000_000);
    const snap: BookSnapshotEvent = { ...base, type: 'book_snapshot', seq: 1, updateId: 10, bids: [['100.5', '20']], asks: [['101', '30']], sizeUnit: 'USD', contractValue: '10' };
    const delta: BookDeltaEvent = { ...base, type: 'book_delta', seq: 2, updateId: 12, prevUpdateId: 10, bids: [['100.5', '0']], asks: [] };
    const key = books.apply(snap)!;
    books.apply(delta);
    expect(books.snapshot(key)).toMatchObject({ type: 'book_snapshot', updateId: 12, bids: [], asks: [['101', '30']], sizeUnit: 'USD', contractValue: '10', seq: 2 });
  });
});
