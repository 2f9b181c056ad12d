/**
 * The simulator's OKX swap derivative channels (docs/protocols/okx.md#derivative-and-liquidations): every ticker tick,
 * one state from ./derivatives.ts goes out as `mark-price`, `index-tickers` (by the swap's index id), `funding-rate`
 * and `open-interest` frames, in that order, each to its subscribers (OKX pushes them at their own cadences; the
 * simulator sends them together so that each state is whole on the wire). Liquidations go out now and then on
 * `liquidation-orders` (instType SWAP: one topic for every swap). What was sent is recorded as published, with
 * `openInterestValue` as the wire's `oiUsd` (contracts × ctVal × mark).
 */
import { SimDerivatives } from './derivatives.js';
import { fundingRateFrame, indexTickersFrame, liquidationOrdersFrame, markPriceFrame, mulDecimal, openInterestFrame } from './okx-render.js';
import type { SimMarket } from './market.js';
import type { SimDerivative, SimLiquidation, SimSymbolSpec } from './types.js';

/** OKX channels subscribed by instrument id (`index-tickers` by the index id). */
export const OKX_DERIVATIVE_CHANNELS = new Set(['mark-price', 'index-tickers', 'funding-rate', 'open-interest']);
/** The one topic of `liquidation-orders` with instType SWAP. */
export const LIQUIDATION_TOPIC = 'liquidation-orders:SWAP';

export interface OkxSwapIds {
  symbol: string;
  instId: string;
  /** The index (underlying) id: `BTC-USDT`. */
  index: string;
}

export class OkxSwapDerivatives {
  private readonly derivs: SimDerivatives;
  private readonly last = new Map<string, SimDerivative>();

  constructor(
    seed: number,
    specs: readonly SimSymbolSpec[],
    private readonly fundingPeriodMs: number,
    private readonly ctVal: string,
    private readonly market: SimMarket,
    private readonly io: { hasSubscribers(topic: string): boolean; publish(topic: string, symbol: string, frame: string): void },
  ) {
    this.derivs = new SimDerivatives(seed, specs, fundingPeriodMs);
  }

  private topics(ids: OkxSwapIds): string[] {
    return [`mark-price:${ids.instId}`, `index-tickers:${ids.index}`, `funding-rate:${ids.instId}`, `open-interest:${ids.instId}`];
  }

  /** One derivative state of `ids`, sent on the channels that have subscribers. */
  tick(ids: OkxSwapIds): void {
    const [markT, indexT, fundingT, oiT] = this.topics(ids) as [string, string, string, string];
    const any = [markT, indexT, fundingT, oiT].some((t) => this.io.hasSubscribers(t));
    if (!any && !this.io.hasSubscribers(LIQUIDATION_TOPIC)) return;
    const now = Date.now();
    const best = this.market.best(ids.symbol);
    const stats = this.market.stats(ids.symbol);
    const d = this.derivs.next(ids.symbol, best.bid, best.ask, stats.last, now);
    const oiUsd = mulDecimal(d.openInterestValue, this.ctVal);
    const sent: SimDerivative = { ...d, openInterestValue: oiUsd };
    this.last.set(ids.symbol, sent);
    if (!any) return;
    this.io.publish(markT, ids.symbol, markPriceFrame(ids.instId, d.markPrice, now));
    this.io.publish(indexT, ids.symbol, indexTickersFrame(ids.index, d.indexPrice, stats, now));
    this.io.publish(
      fundingT,
      ids.symbol,
      fundingRateFrame({ instId: ids.instId, fundingRate: d.fundingRate, fundingTime: d.nextFundingTime, nextFundingTime: d.nextFundingTime + this.fundingPeriodMs, ts: now }),
    );
    this.io.publish(oiT, ids.symbol, openInterestFrame(ids.instId, d.openInterest, mulDecimal(d.openInterest, this.ctVal), oiUsd, now));
    this.derivs.record(sent);
  }

  /** Now and then (seeded) a liquidation of `ids` near its mark, on `liquidation-orders`. */
  onTrade(ids: OkxSwapIds): void {
    if (!this.io.hasSubscribers(LIQUIDATION_TOPIC)) return;
    const now = Date.now();
    const l = this.derivs.maybeLiquidation(ids.symbol, this.last.get(ids.symbol), now);
    if (l !== undefined) this.io.publish(LIQUIDATION_TOPIC, ids.symbol, liquidationOrdersFrame(ids.instId, ids.index, l));
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.derivs.published(symbol);
  }
}
