/**
 * Binance COIN-M (`binance-delivery`) end to end against the simulator: channels `derivative` (mark, index,
 * funding from `@markPrice@1s`; open interest polled over REST `/dapi/v1/openInterest`, in contracts) and
 * `liquidations` (`@forceOrder`), compared with what the simulator published; trades and books in contracts with the
 * instrument's contract value; and a quarterly without funding.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type BookSnapshotEvent, type DerivativeTickerEvent, type LiquidationEvent, type TradeEvent } from '../../src/schema/events.js';
import { instruments } from '../../src/api/instruments.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await h?.close();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

const EX = 'binance-delivery';
const derivs = (h: Harness, symbol: string) =>
  h.events.filter((e): e is DerivativeTickerEvent => e.type === 'derivative_ticker' && e.symbol === symbol);
const liqs = (h: Harness) => h.events.filter((e): e is LiquidationEvent => e.type === 'liquidation');
/** The times (µs) of the BTC/USD mark price frames the simulator published. */
const publishedTimes = (h: Harness) => new Set(h.sim.published(EX, 'BTC/USD').derivatives.map((d) => d.time * 1000));

describe('binance-delivery from the simulator', () => {
  it('derivative: mark/index/funding equal a published state, open interest (contracts) a polled one; liquidations exactly as published', async () => {
    h = await startHarness({
      exchanges: [EX],
      markets: [`${EX}:BTC/USD`, `${EX}:ETH/USD-270326`],
      sim: { symbols: ['BTC/USD', 'ETH/USD-270326'], markPriceIntervalMs: 20, fundingPeriodMs: 1000 },
      config: { channels: ['derivative', 'liquidations', 'trades', 'book'], openInterestIntervalMs: 100 },
    });
    const hh = h;
    await hh.waitFor(
      () =>
        liqs(hh).length >= 3 &&
        new Set(derivs(hh, 'BTC/USD').map((d) => d.nextFundingTime)).size >= 3 &&
        new Set(derivs(hh, 'BTC/USD').map((d) => d.openInterest).filter(Boolean)).size >= 2 &&
        hh.events.some((e) => e.type === 'trade' && e.symbol === 'BTC/USD') &&
        hh.events.some((e) => e.type === 'book_snapshot' && e.symbol === 'BTC/USD') &&
        // enough mark price frames seen (a loaded box runs the simulator's 20 ms timer late: fewer frames per period)
        derivs(hh, 'BTC/USD').filter((e) => publishedTimes(hh).has(e.exchangeTime!)).length > 10,
      'three liquidations, three funding periods, two open interest figures, a BTC/USD trade and book snapshot, 11 mark frames',
      30_000,
    );
    for (const e of hh.events) expect(() => MarketEvent.parse(e)).not.toThrow();
    const published = hh.sim.published(EX, 'BTC/USD');
    // every event carries the mark/index/funding of one published mark price frame (a polled open interest merges
    // into the last of them) and, where it came from the stream, that frame's time
    const marks = published.derivatives.map((d) => ({ markPrice: d.markPrice, indexPrice: d.indexPrice, fundingRate: d.fundingRate, nextFundingTime: d.nextFundingTime * 1000 }));
    const times = publishedTimes(hh);
    const ois = new Set(published.derivatives.map((d) => d.openInterest));
    let fromMark = 0;
    for (const e of derivs(hh, 'BTC/USD')) {
      expect(e.predictedFundingRate).toBeUndefined(); // Binance's `P` is a settle price, not a predicted rate
      expect(e.market).toBe('BTCUSD_PERP');
      if (e.openInterest !== undefined) {
        expect(ois.has(e.openInterest), `open interest ${e.openInterest} was served`).toBe(true);
        expect(e.openInterestUnit).toBe('contracts');
      }
      if (e.markPrice !== undefined) {
        expect(marks).toContainEqual({ markPrice: e.markPrice, indexPrice: e.indexPrice, fundingRate: e.fundingRate, nextFundingTime: e.nextFundingTime });
      }
      if (times.has(e.exchangeTime!)) fromMark++;
    }
    expect(fromMark).toBeGreaterThan(10);
    // the quarterly: no funding (`r: ""`, `T: 0` on the wire) → absent, never invented
    const q = derivs(hh, 'ETH/USD-270326');
    expect(q.length).toBeGreaterThan(0);
    for (const e of q) {
      expect(e.market).toBe('ETHUSD_270326');
      expect(e.fundingRate).toBeUndefined();
      expect(e.nextFundingTime).toBeUndefined();
    }
    expect(q.filter((e) => e.markPrice !== undefined).length).toBeGreaterThan(0);
    // liquidations: exactly the published ones of each symbol, in order
    for (const symbol of ['BTC/USD', 'ETH/USD-270326']) {
      const got = liqs(hh)
        .filter((l) => l.symbol === symbol)
        .map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.exchangeTime }));
      const want = hh.sim.published(EX, symbol).liquidations.map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.time * 1000 }));
      expect(got).toEqual(want.slice(0, got.length));
    }
    // trades and books count contracts and say so
    const trade = hh.events.find((e): e is TradeEvent => e.type === 'trade' && e.symbol === 'BTC/USD');
    expect(trade).toMatchObject({ market: 'BTCUSD_PERP', sizeUnit: 'contracts', size: expect.stringMatching(/^\d+$/) });
    const snap = hh.events.find((e): e is BookSnapshotEvent => e.type === 'book_snapshot' && e.symbol === 'BTC/USD');
    expect(snap).toMatchObject({ contractValue: '100', sizeUnit: 'contracts', integrity: 'chained' });
  }, 45_000);

  it('open interest polling off (openInterestIntervalMs 0): no /openInterest request, no open interest field', async () => {
    h = await startHarness({
      exchanges: [EX],
      markets: [`${EX}:BTC/USD`],
      sim: { symbols: ['BTC/USD'], markPriceIntervalMs: 20 },
      config: { channels: ['derivative'], openInterestIntervalMs: 0 },
    });
    const hh = h;
    await hh.waitFor(() => derivs(hh, 'BTC/USD').length >= 20, 'twenty derivative events');
    expect(derivs(hh, 'BTC/USD').filter((e) => e.openInterest !== undefined)).toEqual([]);
    expect(hh.sim.entries(EX).filter((e) => JSON.stringify(e).includes('openInterest'))).toEqual([]);
  });

  it('instruments: the simulator list — perpetual and quarterly, contracts of 100/10 USD, settled in the base coin', async () => {
    sim = await startSim({ exchanges: [EX], symbols: ['BTC/USD', 'ETH/USD', 'BTC/USD-270326'] });
    const list = await instruments(EX, { endpoints: { [EX]: sim.endpoints[EX]! } });
    const view = list.map((i) => [i.market, i.symbol, i.kind, i.base, i.quote, i.settle, i.contractValue, i.contractValueCurrency, i.sizeUnit, i.lotSize, i.expiry]);
    expect(view).toEqual([
      ['BTCUSD_270326', 'BTC/USD-270326', 'future', 'BTC', 'USD', 'BTC', '100', 'USD', 'contracts', '1', Date.UTC(2027, 2, 26, 8) * 1000],
      ['BTCUSD_PERP', 'BTC/USD', 'perpetual', 'BTC', 'USD', 'BTC', '100', 'USD', 'contracts', '1', undefined],
      ['ETHUSD_PERP', 'ETH/USD', 'perpetual', 'ETH', 'USD', 'ETH', '10', 'USD', 'contracts', '1', undefined],
    ]);
  });
});
