/**
 * Channels `derivative` and `liquidations` end to end from the simulator (bybit-linear): every derivative_ticker
 * event equals the state the simulator published in that frame, funding moves on the simulator's schedule, and the
 * liquidations are exactly the ones it published, in order. A spot exchange refuses the channels.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type DerivativeTickerEvent, type LiquidationEvent } from '../../src/schema/events.js';
import type { SimDerivative } from '../../src/sim/index.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const derivs = (h: Harness) => h.events.filter((e): e is DerivativeTickerEvent => e.type === 'derivative_ticker');
const liqs = (h: Harness) => h.events.filter((e): e is LiquidationEvent => e.type === 'liquidation');

/** What bybit-linear carries of a simulated state (it has no predicted funding rate). */
const bybitView = (d: SimDerivative) => ({
  exchangeTime: d.time * 1000,
  markPrice: d.markPrice,
  indexPrice: d.indexPrice,
  fundingRate: d.fundingRate,
  nextFundingTime: d.nextFundingTime * 1000,
  openInterest: d.openInterest,
  openInterestUnit: 'base',
  openInterestValue: d.openInterestValue,
});
const eventView = (e: DerivativeTickerEvent) => ({
  exchangeTime: e.exchangeTime,
  markPrice: e.markPrice,
  indexPrice: e.indexPrice,
  fundingRate: e.fundingRate,
  nextFundingTime: e.nextFundingTime,
  openInterest: e.openInterest,
  openInterestUnit: e.openInterestUnit,
  openInterestValue: e.openInterestValue,
});

describe('derivative and liquidations from the simulator', () => {
  it('bybit-linear: events equal what the simulator published; funding changes on its schedule', async () => {
    h = await startHarness({
      exchanges: ['bybit-linear'],
      markets: ['bybit-linear:BTC/USDT'],
      sim: { tradeIntervalMs: 10, tickerIntervalMs: 50, fundingPeriodMs: 1000 },
      config: { channels: ['derivative', 'liquidations'] },
    });
    const hh = h;
    await hh.waitFor(
      () => liqs(hh).length >= 5 && new Set(derivs(hh).map((d) => d.nextFundingTime)).size >= 3,
      'five liquidations and three funding periods',
      20_000,
    );
    const published = hh.sim.published('bybit-linear', 'BTC/USDT');
    const events = derivs(hh);
    for (const e of [...events, ...liqs(hh)]) expect(() => MarketEvent.parse(e)).not.toThrow();
    const truth = published.derivatives.map(bybitView);
    for (const e of events) {
      expect(e.predictedFundingRate).toBeUndefined(); // Bybit gives none: absent, not invented
      expect(truth).toContainEqual(eventView(e));
    }
    // the rate is the period's: one rate per next funding time
    const ratePerPeriod = new Map<number, Set<string>>();
    for (const e of events) {
      let s = ratePerPeriod.get(e.nextFundingTime!);
      if (s === undefined) ratePerPeriod.set(e.nextFundingTime!, (s = new Set()));
      s.add(e.fundingRate!);
    }
    for (const rates of ratePerPeriod.values()) expect(rates.size).toBe(1);
    // liquidations: exactly the published ones, in order (those published after the last one received aside)
    const got = liqs(hh).map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.exchangeTime }));
    const want = published.liquidations.map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.time * 1000 }));
    expect(got).toEqual(want.slice(0, got.length));
  });

  it('a spot exchange refuses the channels with a permanent error status; its other channels stream', async () => {
    h = await startHarness({
      exchanges: ['bybit'],
      markets: ['bybit:BTC/USDT'],
      config: { channels: ['trades', 'derivative'] },
    });
    const hh = h;
    await hh.waitFor((e) => e.type === 'trade', 'a trade');
    // refused at once, when the hub was asked (before any trade)
    const refused = hh.events.filter(isStatus({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'derivative', state: 'error' }));
    expect(refused.map((s) => [s.code, s.details])).toEqual([['TW_ERR_CONFIG', { permanent: true }]]);
    expect(hh.events.filter((e) => e.type === 'derivative_ticker' || e.type === 'liquidation')).toEqual([]);
  });
});
