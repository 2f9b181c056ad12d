import { VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { StreamErrors, type StreamErrorsHost } from '../../src/pipeline/stream-errors.js';
import { RequestIds } from '../../src/pipeline/request-ids.js';
import { Refusals } from '../../src/pipeline/refusals.js';
import { MarketHandover } from '../../src/pipeline/handover.js';
import { StreamActivity } from '../../src/pipeline/no-data.js';
import type { ConnSlot } from '../../src/pipeline/connection-pool.js';
import type { MarketState } from '../../src/pipeline/market-state.js';
import type { BookDriver } from '../../src/pipeline/book-driver.js';
import type { StatusFields } from '../../src/pipeline/runtime-types.js';
import type { Channel } from '../../src/schema/events.js';
import type { WireMessage } from '../../src/exchanges/types.js';
import { binanceAdapter } from '../../src/exchanges/binance/index.js';

type ErrorMsg = Extract<WireMessage, { kind: 'error' }>;

function fakeBook(state = 'live') {
  const b = { state, invalidated: [] as string[], invalidate: (code: string) => b.invalidated.push(code) };
  return b;
}

function setup(opts: { listed?: boolean; unproven?: boolean } = {}) {
  const vts = new VirtualTimeScheduler();
  const slot = { conn: { id: 'x#1', isOpen: true }, markets: new Set(['BTCUSDT', 'ETHUSDT']) } as unknown as ConnSlot;
  const replacement = { conn: { id: 'x#2', isOpen: true }, markets: new Set(['BTCUSDT']) } as unknown as ConnSlot;
  const books = { BTCUSDT: fakeBook(), ETHUSDT: fakeBook() };
  const markets = new Map<string, MarketState>();
  for (const m of ['BTCUSDT', 'ETHUSDT'] as const) {
    markets.set(m, { symbol: m, market: m, channels: new Set<Channel>(['book', 'trades']), slot, ticker: undefined, derivative: undefined, book: books[m] as unknown as BookDriver, activity: new StreamActivity() });
  }
  const mh = new MarketHandover('BTCUSDT');
  const shadow = fakeBook();
  mh.shadow = shadow as unknown as BookDriver;
  const statuses: StatusFields[] = [];
  const removed: string[] = [];
  const resubscribed: string[] = [];
  const requests = new RequestIds();
  const host: StreamErrorsHost = {
    markets,
    requests,
    refusals: new Refusals(vts, { initialMs: 100, maxMs: 1000, factor: 2 }, () => 0),
    scheduler: vts,
    backoff: { initialMs: 100, maxMs: 1000, factor: 2 },
    random: () => 0,
    closed: false,
    unprovenAfterLoss: opts.unproven ?? false,
    replacementFor: (s, st) => (s === replacement && st.market === 'BTCUSDT' ? mh : undefined),
    bookOn: (s, m) => (s === slot ? (markets.get(m)?.book as BookDriver | undefined) : s === replacement && m === 'BTCUSDT' ? mh.shadow : undefined),
    listedAsTrading: () => opts.listed ?? true,
    status: (e) => statuses.push(e),
    remove: (symbol, channels) => {
      removed.push(`${symbol} ${channels.join()}`);
      for (const c of channels) markets.get(symbol)?.channels.delete(c);
    },
    resubscribe: (s, m, c) => resubscribed.push(`${s.conn.id} ${m} ${c} @${vts.now()}`),
  };
  return { errors: new StreamErrors(host), vts, slot, replacement, books, shadow, statuses, removed, resubscribed, requests };
}

const err = (e: Partial<ErrorMsg>): ErrorMsg => ({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: 'no', ...e });

describe('StreamErrors', () => {
  it('an error naming only a request id hits the streams that request carried: transient → retried with backoff, book resyncing', () => {
    const { errors, vts, slot, books, statuses, resubscribed, requests } = setup();
    requests.build(binanceAdapter, 'subscribe', [{ market: 'BTCUSDT', channel: 'book' }], { bookDepth: 0, instruments: new Map() });
    errors.onError(slot, err({ id: 1, code: 'TW_ERR_EXCHANGE_ERROR' }), 7);
    expect(statuses).toEqual([
      { scope: 'stream', state: 'error', code: 'TW_ERR_EXCHANGE_ERROR', reason: 'no', symbol: 'BTCUSDT', market: 'BTCUSDT', channel: 'book', details: { permanent: false, attempt: 1, retryInMs: 50 } },
    ]);
    expect(books.BTCUSDT.invalidated).toEqual(['TW_ERR_EXCHANGE_ERROR']);
    vts.flush();
    expect(resubscribed).toEqual(['x#1 BTCUSDT book @50']);
  });

  it('an unknown symbol the exchange does not list is permanent: the stream is removed before its status', () => {
    const { errors, slot, statuses, removed, resubscribed, vts } = setup({ listed: false });
    errors.onError(slot, err({ market: 'ETHUSDT', channel: 'trades', code: 'TW_ERR_UNKNOWN_SYMBOL' }), 1);
    expect(removed).toEqual(['ETHUSDT trades']);
    expect(statuses[0]).toMatchObject({ state: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', channel: 'trades', details: { permanent: true } });
    vts.flush();
    expect(resubscribed).toEqual([]);
  });

  it('an error with neither market nor a known request id is the connection’s', () => {
    const { errors, slot, statuses } = setup();
    errors.onError(slot, err({ id: 99 }), 1);
    expect(statuses).toEqual([{ scope: 'connection', state: 'error', code: 'TW_ERR_EXCHANGE_ERROR', reason: 'no', connectionId: 'x#1' }]);
  });

  it("an unreadable book message of a market resyncs that book; on the replacement it is the replacement's, the old book stays live", () => {
    const { errors, slot, replacement, books, shadow, statuses } = setup();
    errors.onError(replacement, err({ market: 'BTCUSDT', channel: 'book', code: 'TW_ERR_MALFORMED_FRAME' }), 1);
    expect(books.BTCUSDT.invalidated).toEqual([]);
    expect(shadow.invalidated).toEqual(['TW_ERR_MALFORMED_FRAME']);
    expect(statuses).toEqual([]);
    errors.onError(slot, err({ market: 'BTCUSDT', channel: 'book', code: 'TW_ERR_MALFORMED_FRAME' }), 1);
    expect(books.BTCUSDT.invalidated).toEqual(['TW_ERR_MALFORMED_FRAME']);
    expect(statuses[0]).toMatchObject({ scope: 'stream', state: 'error', code: 'TW_ERR_MALFORMED_FRAME', market: 'BTCUSDT' });
  });

  it('an unreadable frame resyncs the books it names; naming none, all of the connection only where the feed cannot prove the loss later', () => {
    const a = setup();
    a.errors.unreadableBookData(a.slot, '{"s":"ETHUSDT","b":[[', undefined, 'x', 1);
    expect([a.books.BTCUSDT.invalidated, a.books.ETHUSDT.invalidated]).toEqual([[], ['TW_ERR_MALFORMED_FRAME']]);
    a.errors.unreadableBookData(a.slot, '\u0000garbage', undefined, 'x', 1);
    expect(a.books.BTCUSDT.invalidated).toEqual([]); // chained: its next message proves the loss
    const b = setup({ unproven: true });
    b.errors.unreadableBookData(b.slot, '\u0000garbage', undefined, 'x', 1);
    expect([b.books.BTCUSDT.invalidated, b.books.ETHUSDT.invalidated]).toEqual([['TW_ERR_MALFORMED_FRAME'], ['TW_ERR_MALFORMED_FRAME']]);
  });
});
