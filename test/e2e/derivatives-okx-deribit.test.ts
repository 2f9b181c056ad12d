/**
 * Channels `derivative` and `liquidations` end to end from the simulator on okx-swap and deribit: every
 * derivative_ticker event is made of values the simulator published (OKX: a state whole once its four channels of
 * the same time arrived; Deribit: every ticker whole), funding moves on the simulator's schedule, and the liquidations
 * are exactly the published ones of the subscribed market, in order (OKX sends every swap's: the others are dropped).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type DerivativeTickerEvent, type LiquidationEvent } from '../../src/schema/events.js';
import type { SimDerivative } from '../../src/sim/index.js';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const derivs = (h: Harness, symbol: string) =>
  h.events.filter((e): e is DerivativeTickerEvent => e.type === 'derivative_ticker' && e.symbol === symbol);
const liqs = (h: Harness) => h.events.filter((e): e is LiquidationEvent => e.type === 'liquidation');

const eventView = (e: DerivativeTickerEvent) => ({
  exchangeTime: e.exchangeTime,
  markPrice: e.markPrice,
  indexPrice: e.indexPrice,
  fundingRate: e.fundingRate,
  nextFundingTime: e.nextFundingTime,
  predictedFundingRate: e.predictedFundingRate,
  openInterest: e.openInterest,
  openInterestUnit: e.openInterestUnit,
  openInterestValue: e.openInterestValue,
});

/** What okx-swap carries of a state: no predicted rate (OKX sends ""), open interest in contracts, its USD value. */
const okxView = (d: SimDerivative) => ({
  exchangeTime: d.time * 1000,
  markPrice: d.markPrice,
  indexPrice: d.indexPrice,
  fundingRate: d.fundingRate,
  nextFundingTime: d.nextFundingTime * 1000,
  predictedFundingRate: undefined,
  openInterest: d.openInterest,
  openInterestUnit: 'contracts',
  openInterestValue: d.openInterestValue,
});

/** What deribit carries: no settlement times (funding is continuous), funding on perpetuals only, no OI value. */
const deribitView = (d: SimDerivative, perpetual: boolean, unit: 'usd' | 'base') => ({
  exchangeTime: d.time * 1000,
  markPrice: d.markPrice,
  indexPrice: d.indexPrice,
  fundingRate: perpetual ? d.fundingRate : undefined,
  nextFundingTime: undefined,
  predictedFundingRate: undefined,
  openInterest: d.openInterest,
  openInterestUnit: unit,
  openInterestValue: undefined,
});

const liqView = (l: LiquidationEvent) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.exchangeTime });

describe('derivative and liquidations from the simulator: okx-swap and deribit', () => {
  it('okx-swap: whole states equal the published ones, fields never invented; only the subscribed swap\'s liquidations', async () => {
    h = await startHarness({
      exchanges: ['okx-swap'],
      markets: ['okx-swap:BTC/USDT'],
      sim: { tradeIntervalMs: 10, tickerIntervalMs: 50, fundingPeriodMs: 1000 },
      config: { channels: ['derivative', 'liquidations'] },
    });
    const hh = h;
    await hh.waitFor(
      () => liqs(hh).length >= 5 && new Set(derivs(hh, 'BTC/USDT').map((d) => d.nextFundingTime)).size >= 3,
      'five liquidations and three funding periods',
      20_000,
    );
    const published = hh.sim.published('okx-swap', 'BTC/USDT');
    const events = derivs(hh, 'BTC/USDT');
    for (const e of [...events, ...liqs(hh)]) expect(() => MarketEvent.parse(e)).not.toThrow();
    // the four channels of one state share its time: after the fourth, the merged event is that state, whole
    const byTime = new Map<number, DerivativeTickerEvent[]>();
    for (const e of events) {
      const list = byTime.get(e.exchangeTime!) ?? [];
      list.push(e);
      byTime.set(e.exchangeTime!, list);
    }
    let whole = 0;
    for (const d of published.derivatives) {
      const got = byTime.get(d.time * 1000);
      if (got === undefined || got.length < 4) continue;
      expect(eventView(got[3]!)).toEqual(okxView(d));
      whole++;
    }
    expect(whole).toBeGreaterThanOrEqual(10);
    // every field of every event is a value some published state had (nothing invented, nothing mis-mapped)
    const truth = published.derivatives.map(okxView);
    for (const e of events) {
      const v = eventView(e);
      for (const [k, value] of Object.entries(v)) {
        if (k === 'exchangeTime' || value === undefined) continue;
        expect(truth.some((t) => t[k as keyof typeof t] === value), `${k} = ${String(value)}`).toBe(true);
      }
    }
    // the rate is the period's: one rate per settlement time
    const ratePerPeriod = new Map<number, Set<string>>();
    for (const e of events) {
      if (e.nextFundingTime === undefined) continue;
      const s = ratePerPeriod.get(e.nextFundingTime) ?? new Set<string>();
      s.add(e.fundingRate!);
      ratePerPeriod.set(e.nextFundingTime, s);
    }
    for (const rates of ratePerPeriod.values()) expect(rates.size).toBe(1);
    // liquidations: one subscription carries every swap's; only BTC-USDT-SWAP's come out, all of them, in order
    expect(liqs(hh).every((l) => l.market === 'BTC-USDT-SWAP' && l.symbol === 'BTC/USDT')).toBe(true);
    const want = published.liquidations.map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.time * 1000 }));
    const got = liqs(hh).map(liqView);
    expect(got).toEqual(want.slice(0, got.length));
    expect(hh.sim.published('okx-swap', 'ETH/USDT').liquidations.length, 'ETH-USDT-SWAP liquidations were sent too').toBeGreaterThan(0);
  });

  it('deribit: every ticker is a published state (perpetual with funding, future without; OI in USD, option OI in the coin); liquidated trades', async () => {
    const PERP = 'BTC/USD:BTC';
    const FUTURE = 'BTC/USD:BTC-241227';
    const OPTION = 'ETH/USD:ETH-241227-3000-C';
    h = await startHarness({
      exchanges: ['deribit'],
      markets: [PERP, FUTURE, OPTION].map((s) => `deribit:${s}`),
      sim: {
        symbols: [
          { symbol: PERP, mid: '30000.0', tickDecimals: 1, lotDecimals: 0 },
          { symbol: FUTURE, mid: '30500.0', tickDecimals: 1, lotDecimals: 0 },
          { symbol: OPTION, mid: '0.2500', tickDecimals: 4, lotDecimals: 1 },
        ],
        tradeIntervalMs: 10,
        tickerIntervalMs: 50,
        fundingPeriodMs: 1000,
      },
      config: { channels: ['derivative', 'liquidations'] },
    });
    const hh = h;
    const perpLiqs = () => liqs(hh).filter((l) => l.symbol === PERP);
    await hh.waitFor(
      () => perpLiqs().length >= 5 && new Set(derivs(hh, PERP).map((d) => d.fundingRate)).size >= 2 && derivs(hh, OPTION).length > 0 && derivs(hh, FUTURE).length > 0,
      'five perpetual liquidations, two funding rates, every instrument\'s ticker',
      20_000,
    );
    for (const e of hh.events.filter((x) => x.type === 'derivative_ticker' || x.type === 'liquidation')) expect(() => MarketEvent.parse(e)).not.toThrow();
    const cases: Array<[string, boolean, 'usd' | 'base']> = [
      [PERP, true, 'usd'],
      [FUTURE, false, 'usd'],
      [OPTION, false, 'base'],
    ];
    for (const [symbol, perpetual, unit] of cases) {
      const truth = hh.sim.published('deribit', symbol).derivatives.map((d) => deribitView(d, perpetual, unit));
      const events = derivs(hh, symbol);
      expect(events.length, symbol).toBeGreaterThan(0);
      for (const e of events) expect(truth, symbol).toContainEqual(eventView(e));
    }
    for (const symbol of [PERP, FUTURE, OPTION]) {
      const got = liqs(hh).filter((l) => l.symbol === symbol).map(liqView);
      const want = hh.sim.published('deribit', symbol).liquidations.map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.time * 1000 }));
      expect(got, symbol).toEqual(want.slice(0, got.length));
    }
  });
});
