/**
 * Record → replay of the derivative channels and trade bars (bybit-linear, okx-swap, deribit from the simulator): the replay emits
 * exactly the live derivative_ticker, liquidation and trade_bar events (bars are rebuilt from the replayed trades
 * under the recorded config; the bars flushed at the end included).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordHarness, replayFile } from '../helpers/record-session.js';
import type { ExchangeId, MarketEvent } from '../../src/schema/events.js';
import type { SimSymbolSpec } from '../../src/sim/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tw-deriv-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const derived = (events: MarketEvent[]) =>
  events.filter((e) => e.type === 'derivative_ticker' || e.type === 'liquidation' || (e.type === 'trade_bar' && e.complete));

const CASES: Array<{ exchange: ExchangeId; symbol: string; symbols?: SimSymbolSpec[] }> = [
  { exchange: 'bybit-linear', symbol: 'BTC/USDT' },
  { exchange: 'okx-swap', symbol: 'BTC/USDT' },
  { exchange: 'deribit', symbol: 'BTC/USD:BTC', symbols: [{ symbol: 'BTC/USD:BTC', mid: '30000.0', tickDecimals: 1, lotDecimals: 0 }] },
];

describe.each(CASES)('record → replay: derivative, liquidations, bars ($exchange)', ({ exchange, symbol, symbols }) => {
  it('replays exactly the live events', async () => {
    const file = join(dir, `${exchange}.ndjson.gz`);
    const live = await recordHarness(
      { file },
      {
        exchanges: [exchange],
        markets: [`${exchange}:${symbol}`],
        sim: { tradeIntervalMs: 10, tickerIntervalMs: 50, fundingPeriodMs: 1000, ...(symbols ? { symbols } : {}) },
        config: { channels: ['trades', 'derivative', 'liquidations'], bars: { interval: '1s', closeAfterMs: 100 }, pingIntervalMs: 300 },
      },
      (h) => {
        const count = (t: string) => h.events.filter((e) => e.type === t && (t !== 'trade_bar' || (e.type === 'trade_bar' && e.complete))).length;
        return h.waitFor(() => count('liquidation') >= 3 && count('trade_bar') >= 2 && count('derivative_ticker') >= 10, 'liquidations, bars, derivative', 15_000);
      },
    );
    const { events: replayed, result } = await replayFile(file);
    expect(result).toMatchObject({ divergences: 0 });
    expect(derived(replayed).length).toBeGreaterThanOrEqual(15);
    expect(replayed).toEqual(live.events);
  }, 30_000);
});

describe('record → replay: binance-delivery', () => {
  it('the open interest polled over REST replays too (its timer and responses are recorded)', async () => {
    const file = join(dir, 'binance-delivery.ndjson.gz');
    const live = await recordHarness(
      { file },
      {
        exchanges: ['binance-delivery'],
        markets: ['binance-delivery:BTC/USD'],
        sim: { symbols: ['BTC/USD'], markPriceIntervalMs: 20, fundingPeriodMs: 1000 },
        config: { channels: ['derivative', 'liquidations'], openInterestIntervalMs: 100, pingIntervalMs: 300 },
      },
      (h) => {
        const oi = () => new Set(h.events.map((e) => (e.type === 'derivative_ticker' ? e.openInterest : undefined)).filter(Boolean)).size;
        return h.waitFor(() => oi() >= 3 && h.events.filter((e) => e.type === 'liquidation').length >= 2, 'three open interest figures, two liquidations', 15_000);
      },
    );
    const { events: replayed, result } = await replayFile(file);
    expect(result).toMatchObject({ divergences: 0 });
    expect(derived(replayed).filter((e) => e.type === 'derivative_ticker' && e.openInterest !== undefined).length).toBeGreaterThanOrEqual(3);
    expect(replayed).toEqual(live.events);
  }, 30_000);
});

describe('record → replay: binance-futures on two paths', () => {
  it('binance-futures: the book on /public and derivative + liquidations on /market (two connections, one REST scheduler) replay exactly', async () => {
    const file = join(dir, 'binance-futures.ndjson.gz');
    const live = await recordHarness(
      { file },
      {
        exchanges: ['binance-futures'],
        markets: ['binance-futures:BTC/USDT'],
        sim: { symbols: ['BTC/USDT'], markPriceIntervalMs: 20, fundingPeriodMs: 1000 },
        config: { channels: ['book', 'derivative', 'liquidations'], openInterestIntervalMs: 100, pingIntervalMs: 300 },
      },
      (h) => {
        const oi = () => new Set(h.events.map((e) => (e.type === 'derivative_ticker' ? e.openInterest : undefined)).filter(Boolean)).size;
        return h.waitFor(
          () => oi() >= 3 && h.events.filter((e) => e.type === 'liquidation').length >= 2 && h.events.some((e) => e.type === 'book_delta'),
          'three open interest figures, two liquidations, book deltas',
          15_000,
        );
      },
    );
    const { events: replayed, result } = await replayFile(file);
    expect(result).toMatchObject({ divergences: 0 });
    expect(replayed.filter((e) => e.type === 'book_delta').length).toBeGreaterThan(0);
    expect(replayed).toEqual(live.events);
  }, 30_000);
});
