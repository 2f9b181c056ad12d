/**
 * `BookRebuilder` on books WITHOUT update ids (Kraken, Coinbase `level2_batch`) across publishers (epochs): a
 * rolling restart must leave the book either exact or explicitly untrusted (TW_ERR_BOOK_UNTRUSTED), never silently
 * wrong. Pure and deterministic; the same situations over a real nats-server are in kraken-overlap.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { BookDeltaEvent, BookSnapshotEvent, Level, MarketEvent, StatusEvent } from '../../src/schema/events.js';
import { BookRebuilder } from '../../src/sources/rebuild-books.js';

const T0 = 1_700_000_000_000_000;
const base = { exchange: 'kraken', symbol: 'BTC/USD', market: 'BTC/USD', localTime: T0 } as const;
const KEY = 'kraken:BTC/USD@book';

/** Exchange-level facts: the snapshot levels, and each delta's level change at exchange time T0 + i ms. */
const SNAP: { bids: Level[]; asks: Level[] } = { bids: [['99', '1'], ['100', '1']], asks: [['101', '1']] };
const change = (i: number): Pick<BookDeltaEvent, 'bids' | 'asks' | 'exchangeTime'> => ({
  bids: [['100', String(i + 1)]],
  asks: i % 2 === 0 ? [['101', String(i + 1)]] : [],
  exchangeTime: T0 + i * 1000,
});
const delta = (epoch: string, seq: number, i: number): BookDeltaEvent => ({ type: 'book_delta', ...base, epoch, seq, integrity: 'checksum', ...change(i) });
const snap = (epoch: string, seq: number, levels: { bids: Level[]; asks: Level[] }): BookSnapshotEvent => ({
  type: 'book_snapshot', ...base, epoch, seq, integrity: 'checksum', bids: levels.bids, asks: levels.asks,
});

/** The true book after the deltas 1..n (from SNAP). */
function truthAfter(n: number): { bids: Level[]; asks: Level[] } {
  const r = new BookRebuilder();
  r.apply(snap('truth', 1, SNAP));
  for (let i = 1; i <= n; i++) r.apply(delta('truth', i + 1, i));
  return r.books.get(KEY)!.book.snapshot();
}

function run(events: MarketEvent[]): { r: BookRebuilder; statuses: StatusEvent[] } {
  const statuses: StatusEvent[] = [];
  const r = new BookRebuilder({ onStatus: (s) => statuses.push(s) });
  for (const e of events) r.apply(e);
  return { r, statuses };
}

/** Publisher A from SNAP: its snapshot then deltas 1..n (seq 1..n+1). */
const publisherA = (n: number): MarketEvent[] => [snap('A', 1, SNAP), ...Array.from({ length: n }, (_, k) => delta('A', k + 2, k + 1))];

describe('BookRebuilder without update ids across publishers', () => {
  it("B's snapshot (as of delta 4) stored after A's deltas 5..6, then A goes on: untrusted with a status, not silently rolled back", () => {
    // stored order: A 1..6, B's snapshot as of 4 (B's copies of 5, 6 dropped as duplicates), A 7, then B 8 (B seq 5)
    const { r, statuses } = run([...publisherA(6), snap('B', 1, truthAfter(4)), delta('A', 8, 7), delta('B', 5, 8)]);
    const b = r.books.get(KEY)!;
    expect(JSON.stringify(b.book.snapshot())).not.toBe(JSON.stringify(truthAfter(8))); // what the old code showed as valid
    expect(b.valid).toBe(false);
    expect(b.untrusted).toMatch(/delta of A/);
    expect(statuses).toHaveLength(1);
    expect(statuses[0]).toMatchObject({ type: 'status', state: 'error', code: 'TW_ERR_BOOK_UNTRUSTED', symbol: 'BTC/USD', channel: 'book', details: { streamKey: KEY } });
  });

  it("B's stale snapshot followed by a hole in B's seq (its copies were duplicates): untrusted", () => {
    // stored: A 1..6, A stops; B's snapshot as of 4 (seq 1), B's 5, 6 dropped (seq 2, 3), B's 7 (seq 4)
    const { r, statuses } = run([...publisherA(6), snap('B', 1, truthAfter(4)), delta('B', 4, 7)]);
    expect(r.books.get(KEY)).toMatchObject({ valid: false, untrusted: expect.stringMatching(/hole in its seq \(1 → 4\)/) });
    expect(statuses.map((s) => s.code)).toEqual(['TW_ERR_BOOK_UNTRUSTED']);
  });

  it('a plain restart (B snapshot newer than all of A, then B seq+1): trusted again, exact, `live` status', () => {
    // A stored 1..4 and stopped; B's snapshot as of 6 (5, 6 were never stored), then B's 7, 8
    const { r, statuses } = run([...publisherA(4), snap('B', 1, truthAfter(6)), delta('B', 2, 7), delta('B', 3, 8)]);
    const b = r.books.get(KEY)!;
    expect(b).toMatchObject({ valid: true, untrusted: undefined, epoch: 'B' });
    expect(b.book.snapshot()).toEqual(truthAfter(8));
    expect(statuses.map((s) => [s.state, s.code])).toEqual([
      ['error', 'TW_ERR_BOOK_UNTRUSTED'],
      ['live', 'TW_OK'],
    ]);
  });

  it("book_top ladders of B between its snapshot and its next delta keep the proof (they share the book's seq)", () => {
    const top = (seq: number): MarketEvent => ({ type: 'book_top', ...base, epoch: 'B', seq, integrity: 'checksum', depth: 1, bids: [['100', '1']], asks: [['101', '1']] });
    const { r } = run([...publisherA(4), snap('B', 1, truthAfter(6)), top(2), top(3), delta('B', 4, 7)]);
    expect(r.books.get(KEY)).toMatchObject({ valid: true, untrusted: undefined });
    expect(r.books.get(KEY)!.book.snapshot()).toEqual(truthAfter(7));
  });

  it("a foreign snapshot with the book's current levels changes nothing and keeps it trusted; alternating deltas with later exchange times apply", () => {
    // overlap at the same speed: B's snapshot as of 4 lands right after A's 4; then 5 (B), 6 (A), 7 (B)
    const { r, statuses } = run([...publisherA(4), snap('B', 1, truthAfter(4)), delta('B', 2, 5), delta('A', 7, 6), delta('B', 4, 7)]);
    expect(r.books.get(KEY)).toMatchObject({ valid: true, untrusted: undefined });
    expect(r.books.get(KEY)!.book.snapshot()).toEqual(truthAfter(7));
    expect(statuses).toEqual([]);
  });

  it("right after a same-levels snapshot of B, A's next delta (later exchange time) still applies", () => {
    const { r, statuses } = run([...publisherA(4), snap('B', 1, truthAfter(4)), delta('A', 6, 5), delta('B', 3, 6)]);
    expect(r.books.get(KEY)).toMatchObject({ valid: true, untrusted: undefined });
    expect(r.books.get(KEY)!.book.snapshot()).toEqual(truthAfter(6));
    expect(statuses).toEqual([]);
  });

  it("a lagging publisher's delta of another epoch that is not later in exchange time: untrusted", () => {
    // B took over at 4 and stored 5, 6; a lagging A's copy of 5 arrives after them (same fact, but its id differed, e.g. out of the dedup window)
    const { r, statuses } = run([...publisherA(4), snap('B', 1, truthAfter(4)), delta('B', 2, 5), delta('B', 3, 6), delta('A', 6, 5)]);
    expect(r.books.get(KEY)).toMatchObject({ valid: false, untrusted: expect.stringMatching(/not provably newer/) });
    expect(statuses.map((s) => s.code)).toEqual(['TW_ERR_BOOK_UNTRUSTED']);
  });

  it('an untrusted book is trusted again by a snapshot that the next delta proves', () => {
    const events = [...publisherA(6), snap('B', 1, truthAfter(4)), delta('A', 8, 7)]; // untrusted
    events.push(snap('B', 9, truthAfter(9)), delta('B', 10, 10)); // B re-snapshots (e.g. a resync), then its next delta
    const { r, statuses } = run(events);
    expect(r.books.get(KEY)).toMatchObject({ valid: true, untrusted: undefined });
    expect(r.books.get(KEY)!.book.snapshot()).toEqual(truthAfter(10));
    expect(statuses.map((s) => s.code)).toEqual(['TW_ERR_BOOK_UNTRUSTED', 'TW_OK']);
  });

  it('books with update ids keep their rule: an older snapshot of another epoch is ignored, no status', () => {
    const ids = { exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: T0, integrity: 'chained' } as const;
    const events: MarketEvent[] = [
      { type: 'book_snapshot', ...ids, epoch: 'A', seq: 1, updateId: 10, bids: [['100', '1']], asks: [] },
      { type: 'book_delta', ...ids, epoch: 'A', seq: 2, firstUpdateId: 11, updateId: 12, bids: [['100', '2']], asks: [] },
      { type: 'book_snapshot', ...ids, epoch: 'B', seq: 1, updateId: 11, bids: [['100', '9']], asks: [] },
    ];
    const { r, statuses } = run(events);
    expect(r.books.get('binance:BTC/USDT@book')).toMatchObject({ valid: true, updateId: 12 });
    expect(r.books.get('binance:BTC/USDT@book')!.book.snapshot().bids).toEqual([['100', '2']]);
    expect(statuses).toEqual([]);
  });
});
