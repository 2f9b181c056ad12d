/**
 * The dashboard's per-market model (web/market.ts, pure): when a book may be shown as trustworthy. A book is
 * trusted from the server's first snapshot of a live book (or the `live` status ending a sync) until a
 * `resyncing`/`gap`/error status or the page's own socket closing; after `resyncing` only `live` restores it.
 */
import { describe, expect, it } from 'vitest';
import { MarketView } from '../../web/market.js';

const S = 'binance:BTC/USDT@book';
const status = (state: string, seq: number, extra: Record<string, unknown> = {}) => ({
  stream: S, epoch: 'e1', seq, type: 'status', scope: 'stream', state, code: 'TW_OK', reason: `${state} reason`, ...extra,
});
const snap = (seq: number, updateId: number) => ({
  stream: S, epoch: 'e1', seq, type: 'book_snapshot', integrity: 'chained', updateId, bids: [['99.0', '1']], asks: [['101.0', '2']],
});
const delta = (seq: number, updateId: number) => ({
  stream: S, epoch: 'e1', seq, type: 'book_delta', integrity: 'chained', updateId, bids: [['99.0', '0.00000000']], asks: [],
});

describe('dashboard MarketView', () => {
  it('trusts the book only while live: resyncing and a closed socket untrust it, a snapshot alone does not restore it', () => {
    const m = new MarketView('binance:BTC/USDT');
    expect(m.trusted()).toBe(false);
    m.apply(snap(1, 10)); // the current book of a live book, first message of the subscription
    expect([m.state, m.trusted()]).toEqual(['live', true]);
    m.apply(delta(2, 11));
    expect(m.top(5).bids).toEqual([]);
    m.apply(status('reconciled', 3));
    expect(m.trusted()).toBe(true);
    m.apply(status('resyncing', 4));
    expect([m.state, m.trusted(), m.lastReason]).toEqual(['resyncing', false, 'resyncing reason']);
    m.apply(snap(5, 20));
    expect(m.trusted()).toBe(false);
    m.apply(status('live', 6));
    expect([m.trusted(), m.book.updateId]).toEqual([true, 20]);
    m.apply(status('gap', 7, { code: 'TW_ERR_BACKPRESSURE' }));
    expect(m.trusted()).toBe(false);
    m.apply(snap(8, 30)); // the fresh snapshot after a gap of ours
    expect(m.trusted()).toBe(true);
    m.socket('disconnected', 'connection lost');
    expect(m.trusted()).toBe(false);
    m.socket('waiting', 'resubscribed');
    expect(m.trusted()).toBe(false);
    m.apply({ ...snap(1, 40), epoch: 'e2' });
    expect(m.trusted()).toBe(true);
  });

  it('counts holes in a subscription seq as dropped, not a new epoch; keeps at most 40 trades, newest first', () => {
    const m = new MarketView('binance:BTC/USDT');
    m.apply(snap(1, 10));
    m.apply(delta(4, 11));
    expect(m.lost).toBe(2);
    m.apply({ ...snap(1, 12), epoch: 'e2' });
    expect(m.lost).toBe(2);
    for (let i = 1; i <= 50; i++) {
      m.apply({ stream: 'binance:BTC/USDT@trades', epoch: 't', seq: i, type: 'trade', price: String(i), size: '1', side: 'buy', localTime: i });
    }
    expect(m.trades).toHaveLength(40);
    expect(m.trades[0]?.price).toBe('50');
    expect(m.events).toBe(53);
  });
});
