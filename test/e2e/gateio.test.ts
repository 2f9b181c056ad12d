/**
 * Gate.io spot against the simulator over loopback sockets, what is Gate's own: three pairs (book + ticker + trades)
 * on two connections, the 100-level REST snapshot (`with_id=true`), `spot.tickers` merged with `spot.book_ticker`,
 * trade times exact; a full-depth push replaces the book without a resync; `--book-depth 20` takes the 20 ms channel.
 * (Books equal to the truth, a broken `U`/`u` chain, an unknown pair: test/conformance/ and the fault matrix.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookSnapshotEvent, ExchangeId, TickerEvent, TradeEvent } from '../../src/schema/events.js';
import { expectBookEqualsTruth, isStatus, startHarness, troubleElsewhere, type Harness } from '../helpers/harness.js';

const EX: ExchangeId = 'gateio';
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT'];
/** The channel's depth: the book is the top 100 of the true book. */
const DEPTH = 100;

let h: Harness;

const live = (symbol: string) => isStatus({ exchange: EX, symbol, channel: 'book', state: 'live' });

beforeEach(async () => {
  h = await startHarness({
    exchanges: [EX],
    markets: SYMBOLS.map((s) => `${EX}:${s}`),
    sim: { tickerIntervalMs: 100, tradeIntervalMs: 50 },
    config: { channels: ['book', 'ticker', 'trades'], symbolsPerConnection: 2, pingIntervalMs: 300 },
  });
  await Promise.all(SYMBOLS.map((s) => h.waitFor(live(s), `${s} live`)));
});

afterEach(async () => {
  await h.close();
});

describe('gateio end to end against the simulator', () => {
  it('the 100-level REST snapshot; the ticker merges tickers with book_ticker; trade times exact', async () => {
    const snap = h.events.find((e): e is BookSnapshotEvent => e.type === 'book_snapshot' && e.symbol === 'BTC/USDT');
    expect(snap).toMatchObject({ market: 'BTC_USDT', integrity: 'chained' });
    const rest = h.sim.entries(EX).filter((e) => e.kind === 'rest' && e.data?.startsWith('/api/v4/spot/order_book'));
    expect(rest.map((e) => e.data)).toContain('/api/v4/spot/order_book?currency_pair=BTC_USDT&limit=100&with_id=true');
    await h.waitFor((e) => e.type === 'ticker' && e.exchange === EX && e.last !== undefined && e.bidSize !== undefined, 'merged ticker');
    const ticker = h.events.filter((e): e is TickerEvent => e.type === 'ticker' && e.symbol === 'ETH/USDT').at(-1);
    expect(ticker?.bidPrice).toMatch(/^\d+\.\d{2}$/);
    const trade = await h.waitFor((e): e is TradeEvent => e.type === 'trade' && e.exchange === EX, 'a trade');
    expect(trade.size).toMatch(/^\d+\.\d+$/);
    expect(trade.exchangeTime! % 1000).toBe(0); // `create_time_ms` "….0000" read exactly, no float noise
    expect(h.statuses({ code: 'TW_ERR_SEQUENCE_GAP' })).toEqual([]);
  });

  it('a full-depth push replaces the book in place: a book_snapshot, no resync, still equal to the truth', async () => {
    const from = h.events.length;
    h.sim.fault(EX, { kind: 'gateio-full-push', symbol: 'BTC/USDT' });
    await h.waitFor((e) => e.type === 'book_snapshot' && e.symbol === 'BTC/USDT' && h.events.indexOf(e) >= from, 'in-band snapshot');
    await expectBookEqualsTruth(h, EX, 'BTC/USDT', 50, DEPTH);
    expect(troubleElsewhere(h, from, [])).toEqual([]);
  });
});

describe('gateio with --book-depth 20', () => {
  it('subscribes the 20 ms channel and keeps a 20-level book equal to the truth', async () => {
    const g = await startHarness({ exchanges: [EX], markets: [`${EX}:ETH/USDT`], config: { channels: ['book'], bookDepth: 20 } });
    try {
      await g.waitFor(isStatus({ exchange: EX, symbol: 'ETH/USDT', channel: 'book', state: 'live' }), 'live');
      expect(g.sim.entries(EX).some((e) => e.kind === 'ws-recv' && e.data?.includes('["ETH_USDT","20ms"]'))).toBe(true);
      const { bids, asks } = await expectBookEqualsTruth(g, EX, 'ETH/USDT', 50, 20);
      expect([bids.length, asks.length]).toEqual([20, 20]);
    } finally {
      await g.close();
    }
  });
});
