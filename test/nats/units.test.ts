/**
 * The pure parts of the NATS sink and source: subject tokens, message ids (what a restarted or second publisher
 * must repeat exactly), the shedding policy of the publish buffer, and loss/duplicate detection.
 */
import { describe, expect, it } from 'vitest';
import type { BookDeltaEvent, BookSnapshotEvent, MarketEvent, StatusEvent, TradeEvent } from '../../src/schema/events.js';
import { MarketEvent as MarketEventSchema } from '../../src/schema/events.js';
import { msgIdFor } from '../../src/nats/msg-id.js';
import { makeGapMarker, newMarkerIssuer } from '../../src/sinks/nats/gap-marker.js';
import { PublishQueue, type QueueEntry } from '../../src/sinks/nats/publish-queue.js';
import { checkpointFilter, gapDetailsOf, subjectFor, symbolToken, tokenToSymbol } from '../../src/nats/subjects.js';
import { SeqTracker } from '../../src/sources/seq-tracker.js';

const base = { exchange: 'binance', symbol: 'BTC/USDT', market: 'BTCUSDT', localTime: 1_700_000_000_000_000, epoch: 'e1' } as const;
const delta = (seq: number, first: number, u: number, extra: Partial<BookDeltaEvent> = {}): BookDeltaEvent => ({
  type: 'book_delta', ...base, seq, integrity: 'chained', firstUpdateId: first, updateId: u, bids: [['100.1', '1']], asks: [], exchangeTime: 1_700_000_000_000_000 + u, ...extra,
});
const trade = (seq: number, id: string): TradeEvent => ({ type: 'trade', ...base, seq, tradeId: id, price: '100', size: '0.1', side: 'buy' });
const snap = (seq: number, u: number, extra: Partial<BookSnapshotEvent> = {}): BookSnapshotEvent => ({
  type: 'book_snapshot', ...base, seq, integrity: 'chained', updateId: u, bids: [['100', '2']], asks: [['101', '3']], ...extra,
});

describe('subjects', () => {
  it('makes symbols subject-safe and reversible', () => {
    for (const s of ['BTC/USDT', 'BTC/USDT:USDT', 'A_B/C', 'ÄX/€', 'X.Y/Z*>', '1000PEPE/USDT']) {
      const t = symbolToken(s);
      expect(t).toMatch(/^[A-Za-z0-9_~-]+$/);
      expect(tokenToSymbol(t)).toBe(s);
    }
    expect(symbolToken('BTC/USDT')).toBe('BTC_USDT');
    expect(symbolToken('A_B/C')).toBe('A~5FB_C');
  });

  it('routes events to <prefix>.<exchange>.<channel>.<symbol>', () => {
    expect(subjectFor('tickwire', delta(1, 1, 1))).toBe('tickwire.binance.book.BTC_USDT');
    expect(subjectFor('tickwire', trade(1, '7'))).toBe('tickwire.binance.trades.BTC_USDT');
    const conn: StatusEvent = { type: 'status', scope: 'connection', exchange: 'okx', state: 'open', code: 'TW_OK', reason: 'x', localTime: 1, seq: 1, epoch: 'e' };
    expect(subjectFor('tw', conn)).toBe('tw.okx.status._conn');
    expect(subjectFor('tw', { ...conn, scope: 'stream', symbol: 'ETH/USDT', channel: 'book' })).toBe('tw.okx.book.ETH_USDT');
    const d = { ...base, exchange: 'bybit-linear', seq: 1 } as const;
    expect(subjectFor('tw', { type: 'derivative_ticker', ...d, markPrice: '1' })).toBe('tw.bybit-linear.derivative.BTC_USDT');
    expect(subjectFor('tw', { type: 'liquidation', ...d, side: 'sell', price: '1', size: '2' })).toBe('tw.bybit-linear.liquidations.BTC_USDT');
    const bar = { type: 'trade_bar', ...base, seq: 1, interval: '1m', start: 0, end: 60_000_000, open: '1', high: '1', low: '1', close: '1', volume: '1', buyVolume: '1', sellVolume: '0', trades: 1, vwap: '1', firstTradeId: '1', lastTradeId: '1', complete: true } as const;
    expect(subjectFor('tw', bar)).toBe('tw.binance.bars.BTC_USDT');
    // a bar flushed incomplete and the complete bar of the same interval from another publisher are different messages
    expect(msgIdFor(bar)).not.toBe(msgIdFor({ ...bar, complete: false }));
    expect(msgIdFor({ ...bar, seq: 9, epoch: 'e9', localTime: 3 })).toBe(msgIdFor(bar));
    expect(checkpointFilter('tickwire', 'tickwire.*.book.>')).toBe('tickwire_snap.*.book.>');
    expect(() => checkpointFilter('tickwire', '>')).toThrow();
  });
});

describe('Nats-Msg-Id', () => {
  it('is the same for the same market fact from another publisher (seq, epoch, localTime differ)', () => {
    const other = { seq: 99, epoch: 'e2', localTime: 5 };
    expect(msgIdFor({ ...delta(1, 10, 12), ...other })).toBe(msgIdFor(delta(1, 10, 12)));
    expect(msgIdFor({ ...trade(3, '55'), ...other })).toBe(msgIdFor(trade(1, '55')));
    expect(msgIdFor({ ...snap(4, 12), ...other })).toBe(msgIdFor(snap(1, 12)));
  });

  it('differs for different facts', () => {
    expect(msgIdFor(delta(1, 10, 12))).not.toBe(msgIdFor(delta(1, 13, 14)));
    expect(msgIdFor(snap(1, 12))).not.toBe(msgIdFor(snap(1, 12, { bids: [['100', '2.5']] })));
    // feeds without update ids: time and content decide
    const k1 = delta(1, 0, 0, { updateId: undefined, firstUpdateId: undefined, exchangeTime: 5 });
    const k2 = { ...k1, bids: [['100.1', '2']] } as BookDeltaEvent;
    expect(msgIdFor(k1)).not.toBe(msgIdFor(k2));
    expect(msgIdFor({ ...k1, seq: 7, localTime: 9 })).toBe(msgIdFor(k1));
    // a feed that restarts its update ids (Bybit after a resubscribe): the exchange time keeps them apart
    expect(msgIdFor(delta(1, 5, 5, { exchangeTime: 1 }))).not.toBe(msgIdFor(delta(1, 5, 5, { exchangeTime: 2 })));
    // tickwire's own status events are facts of one instance
    const st: StatusEvent = { type: 'status', scope: 'stream', exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'live', code: 'TW_OK', reason: 'x', localTime: 1, seq: 1, epoch: 'e1' };
    expect(msgIdFor(st)).not.toBe(msgIdFor({ ...st, epoch: 'e2' }));
  });
});

describe('PublishQueue shedding', () => {
  let ordinal = 0;
  const entry = (event: MarketEvent): QueueEntry => ({
    event, subject: subjectFor('t', event), msgId: msgIdFor(event), data: new TextEncoder().encode(JSON.stringify(event)),
    isMarker: event.type === 'status' && event.epoch === issuer.epoch, applied: false, generated: false, ordinal: ordinal++,
  });
  const issuer = newMarkerIssuer();
  const marker = (removed: QueueEntry[]): QueueEntry | undefined => {
    const m = makeGapMarker(removed.map((r) => r.event), issuer, 1);
    // as the publisher does: on the subject of what it replaces
    return m === undefined ? undefined : { ...entry(m), subject: removed[0]!.subject };
  };

  it('drops oldest trades first, declares them with one merged marker per stream, and keeps book events', () => {
    const q = new PublishQueue(10, 1_000_000, { marker, conflate: () => undefined });
    const reports = [];
    for (let i = 1; i <= 5; i++) q.push(entry(delta(i, i, i)));
    for (let i = 1; i <= 30; i++) {
      const r = q.push(entry(trade(i, String(i))));
      if (r) reports.push(r);
    }
    expect(reports.length).toBeGreaterThan(0);
    const left: MarketEvent[] = [];
    for (let e = q.shift(); e; e = q.shift()) left.push(e.event);
    expect(left.filter((e) => e.type === 'book_delta').map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    const markers = left.filter((e) => e.type === 'status');
    expect(markers).toHaveLength(1);
    const trades = left.filter((e) => e.type === 'trade').map((e) => e.seq);
    const g = gapDetailsOf(markers[0]!)!;
    // every trade seq is either still queued or declared by the marker, and the marker precedes what is left
    expect(g.fromSeq).toBe(1);
    expect(g).toMatchObject({ streamKey: 'binance:BTC/USDT@trades', epoch: 'e1', dropped: g.toSeq });
    expect(markers[0]).toMatchObject({ code: 'TW_ERR_NATS', channel: 'trades', epoch: issuer.epoch });
    expect(g.toSeq + 1).toBe(trades[0]);
    expect(trades.at(-1)).toBe(30);
    expect(left.indexOf(markers[0]!)).toBeLessThan(left.findIndex((e) => e.type === 'trade'));
  });

  it('conflates a book into one snapshot at the tail when dropping other events is not enough', () => {
    const conflated: QueueEntry[][] = [];
    const q = new PublishQueue(10, 1_000_000, {
      marker,
      conflate: (removed) => {
        conflated.push(removed);
        return entry(snap(removed.at(-1)!.event.seq, 99));
      },
    });
    for (let i = 1; i <= 12; i++) q.push(entry(delta(i, i, i)));
    expect(conflated).toHaveLength(1);
    const left: MarketEvent[] = [];
    for (let e = q.shift(); e; e = q.shift()) left.push(e.event);
    const lastRemoved = conflated[0]!.at(-1)!.event.seq;
    expect(conflated[0]!.map((r) => r.event.seq)).toEqual(Array.from({ length: lastRemoved }, (_, i) => i + 1));
    // the book continues from the snapshot (carrying the last removed seq) with what came after it
    expect(left.map((e) => `${e.type}:${e.seq}`)).toEqual([
      `book_snapshot:${lastRemoved}`,
      ...Array.from({ length: 12 - lastRemoved }, (_, i) => `book_delta:${lastRemoved + 1 + i}`),
    ]);
  });
});

describe('SeqTracker', () => {
  it('accepts in-order events, drops duplicates, reports holes', () => {
    const t = new SeqTracker();
    expect(t.check(trade(5, 'a')).kind).toBe('ok'); // join anywhere
    expect(t.check(trade(6, 'b')).kind).toBe('ok');
    expect(t.check(trade(6, 'b')).kind).toBe('duplicate');
    expect(t.check(trade(9, 'c'))).toMatchObject({ kind: 'gap', fromSeq: 7, toSeq: 8, missing: 2, afterRestart: false });
    expect(t.check({ ...trade(1, 'd'), epoch: 'e2' }).kind).toBe('ok'); // a restart, not a loss
    expect(t.check({ ...trade(3, 'e'), epoch: 'e2' })).toMatchObject({ kind: 'gap', afterRestart: true });
  });

  it('a publisher gap marker declares the loss; a re-snapshot with the same seq is applied; chained deltas prove continuity', () => {
    const t = new SeqTracker();
    t.check(trade(1, 'a'));
    const m: StatusEvent = {
      type: 'status', scope: 'stream', exchange: 'binance', symbol: 'BTC/USDT', channel: 'trades', state: 'gap', code: 'TW_ERR_NATS', reason: 'x',
      details: { streamKey: 'binance:BTC/USDT@trades', epoch: 'e1', fromSeq: 2, toSeq: 4, dropped: 3 }, localTime: 1, seq: 1, epoch: 'pub',
    };
    expect(MarketEventSchema.safeParse(m).success).toBe(true);
    expect(t.check(m).kind).toBe('ok');
    expect(t.check(trade(5, 'f')).kind).toBe('ok');

    t.check(delta(10, 100, 101));
    expect(t.check(snap(10, 101)).kind).toBe('ok');
    expect(t.check(delta(13, 102, 103)).kind).toBe('ok'); // update ids chain: the hole was deduplicated events
    expect(t.check(delta(15, 110, 111)).kind).toBe('gap');
  });
});
