/** Bybit book rules driven through the real BookSync with frames parsed by the Bybit adapter. */
import { describe, expect, it } from 'vitest';
import { BookSync } from '../../src/book/book-sync.js';
import { bybitAdapter, bybitLinearAdapter } from '../../src/exchanges/bybit/index.js';
import type { AdapterContext, ExchangeAdapter } from '../../src/exchanges/types.js';
import type { Level, UnstampedEvent } from '../../src/schema/events.js';

function frame(type: 'snapshot' | 'delta', u: number, b: Level[], a: Level[], depth = 50): string {
  return JSON.stringify({ topic: `orderbook.${depth}.BTCUSDT`, type, ts: 1700000000000 + u, data: { s: 'BTCUSDT', b, a, u, seq: u * 10 }, cts: 1700000000000 + u });
}

function harness(adapter: ExchangeAdapter = bybitLinearAdapter, bookDepth = 50) {
  const ctx: AdapterContext = { bookDepth, instruments: new Map() };
  const events: UnstampedEvent[] = [];
  let resubscribes = 0;
  const sync = new BookSync({
    exchange: adapter.id,
    symbol: 'BTC/USDT',
    market: 'BTCUSDT',
    rules: adapter.book,
    subscribedDepth: bookDepth,
    requestSnapshot: () => {
      throw new Error('bybit never asks for a REST snapshot');
    },
    requestResubscribe: () => resubscribes++,
    emit: (e) => events.push(e),
  });
  sync.start(1);
  let t = 1;
  const feed = (f: string): void => {
    for (const m of adapter.parse(f, ctx)) if (m.kind === 'book') sync.onMessage(m, ++t);
  };
  const statuses = () => events.flatMap((e) => (e.type === 'status' ? [`${e.state}:${e.code}`] : []));
  return { sync, feed, events, statuses, resubscribes: () => resubscribes };
}

const B: Level[] = [['100.0', '1'], ['99.5', '2']];
const A: Level[] = [['100.5', '1'], ['101.0', '2']];

describe('bybit book sync', () => {
  it('snapshot then u + 1 per delta: live, deltas applied; a delete of an absent level is ignored', () => {
    const h = harness();
    h.feed(frame('snapshot', 10, B, A));
    h.feed(frame('delta', 11, [['100.0', '3']], [['100.5', '0']]));
    h.feed(frame('delta', 12, [['98.0', '0']], [['105.0', '0']])); // absent levels
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK']);
    expect(h.sync.updateId).toBe(12);
    expect(h.events.find((e) => e.type === 'book_snapshot')).toMatchObject({ integrity: 'chained' });
    expect(h.sync.book.snapshot()).toEqual({ bids: [['100.0', '3'], ['99.5', '2']], asks: [['101.0', '2']] });
    expect(h.events.filter((e) => e.type === 'book_delta')).toHaveLength(2);
  });

  it('a seq (cross sequence) that goes down while u goes up is a gap too; seq repeated or missing is not', () => {
    const withSeq = (u: number, seq: number | undefined): string =>
      JSON.stringify({ topic: 'orderbook.50.BTCUSDT', type: 'delta', ts: 1, data: { s: 'BTCUSDT', b: [['100.0', String(u)]], a: [], u, ...(seq === undefined ? {} : { seq }) } });
    const h = harness();
    h.feed(frame('snapshot', 10, B, A)); // seq 100
    h.feed(withSeq(11, 100)); // same seq: not out of order
    h.feed(withSeq(12, undefined)); // no seq: only u is checked
    h.feed(withSeq(13, 140));
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK']);
    h.feed(withSeq(14, 139));
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK', 'resyncing:TW_ERR_SEQUENCE_GAP']);
    expect(h.resubscribes()).toBe(1);
  });

  it('a skipped u (a dropped delta) is a gap, right after the snapshot and later: resyncing + one resubscribe', () => {
    const first = harness();
    first.feed(frame('snapshot', 10, B, A));
    first.feed(frame('delta', 12, [['100.0', '3']], []));
    expect(first.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK', 'resyncing:TW_ERR_SEQUENCE_GAP']);
    expect(first.resubscribes()).toBe(1);
    const later = harness(bybitAdapter);
    later.feed(frame('snapshot', 10, B, A));
    later.feed(frame('delta', 11, [['100.0', '3']], []));
    later.feed(frame('delta', 13, [['100.0', '4']], []));
    expect(later.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK', 'resyncing:TW_ERR_SEQUENCE_GAP']);
    expect(later.resubscribes()).toBe(1);
    expect(later.events.filter((e) => e.type === 'book_delta')).toHaveLength(1);
  });

  it('a u that goes down is a gap: resyncing + one resubscribe, book cleared until the next snapshot', () => {
    const h = harness();
    h.feed(frame('snapshot', 10, B, A));
    h.feed(frame('delta', 11, [['100.0', '3']], []));
    h.feed(frame('delta', 10, [['100.0', '4']], []));
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK', 'resyncing:TW_ERR_SEQUENCE_GAP']);
    expect(h.resubscribes()).toBe(1);
    expect(h.sync.book.bidCount).toBe(0);
    h.feed(frame('snapshot', 20, B, A));
    expect(h.sync.state).toBe('live');
    expect(h.statuses().at(-1)).toBe('live:TW_OK');
  });

  it('a repeated u is dropped, not a gap', () => {
    const h = harness();
    h.feed(frame('snapshot', 10, B, A));
    h.feed(frame('delta', 11, [['100.0', '3']], []));
    h.feed(frame('delta', 11, [['100.0', '3']], []));
    expect(h.resubscribes()).toBe(0);
    expect(h.events.filter((e) => e.type === 'book_delta')).toHaveLength(1);
  });

  it('u == 1 snapshot (service restart) replaces the book without a resync, and the chain restarts from 1', () => {
    const h = harness();
    h.feed(frame('snapshot', 500, B, A));
    h.feed(frame('delta', 501, [['99.0', '7']], []));
    h.feed(frame('snapshot', 1, [['90.0', '1']], [['91.0', '1']]));
    h.feed(frame('delta', 2, [['90.0', '2']], []));
    expect(h.resubscribes()).toBe(0);
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK']);
    expect(h.sync.book.snapshot()).toEqual({ bids: [['90.0', '2']], asks: [['91.0', '1']] });
    const snaps = h.events.filter((e) => e.type === 'book_snapshot');
    expect(snaps.map((e) => e.type === 'book_snapshot' && e.updateId)).toEqual([500, 1]);
  });

  it('spot level-1 snapshots re-pushed with the same u are neither duplicates nor gaps', () => {
    const h = harness(bybitAdapter, 1);
    const top = frame('snapshot', 77, [['100.0', '1']], [['100.5', '1']], 1);
    h.feed(top);
    h.feed(top);
    h.feed(top);
    h.feed(frame('snapshot', 78, [['100.0', '2']], [['100.5', '1']], 1));
    expect(h.resubscribes()).toBe(0);
    expect(h.statuses()).toEqual(['syncing:TW_OK', 'live:TW_OK']);
    expect(h.events.filter((e) => e.type === 'book_snapshot')).toHaveLength(4);
    expect(h.sync.book.bestBid()).toEqual(['100.0', '2']);
  });

  it('deltas without a snapshot: a few stale ones are dropped, a stream of them is a resync', () => {
    const h = harness();
    const max = bybitLinearAdapter.book.maxDeltasBeforeSnapshot!;
    for (let i = 1; i <= max; i++) h.feed(frame('delta', 100 + i, [['100.0', String(i)]], []));
    expect(h.resubscribes()).toBe(0);
    expect(h.sync.state).toBe('syncing');
    h.feed(frame('delta', 200, [['100.0', '9']], []));
    expect(h.resubscribes()).toBe(1);
    expect(h.statuses().at(-1)).toBe('resyncing:TW_ERR_SEQUENCE_GAP');
    // the count restarts with the resubscribe; the snapshot then makes the book live
    for (let i = 1; i <= max; i++) h.feed(frame('delta', 300 + i, [], []));
    expect(h.resubscribes()).toBe(1);
    h.feed(frame('snapshot', 400, B, A));
    expect(h.sync.state).toBe('live');
  });
});
