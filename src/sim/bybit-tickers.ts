/**
 * The simulated Bybit `tickers.X` topics (docs/protocols/bybit.md): linear — a snapshot, then deltas of the changed
 * fields with mark/index/funding/open interest from ./derivatives.ts; spot — snapshots without bid/ask; and linear's
 * `allLiquidation.X` now and then. Every published derivative state is recorded as the truth.
 */
import { changedFields, liquidationFrame, tickerFrame, type BybitSimCategory, type TickerData } from './bybit-render.js';
import { SimDerivatives } from './derivatives.js';
import type { SimMarket } from './market.js';
import type { SimServer } from './server.js';
import type { SimConnection } from './sim-connection.js';
import type { SimDerivative, SimLiquidation, SimSymbolSpec } from './types.js';

interface TickerTopic {
  symbol: string;
  market: string;
  last: TickerData;
}

export class BybitTickers {
  private readonly topics = new Map<string, TickerTopic>();
  /** Linear: mark/index/funding/open interest and liquidations (sim/derivatives.ts). */
  private readonly derivs: SimDerivatives;
  /** The last derivative state published per symbol. */
  private readonly lastDeriv = new Map<string, SimDerivative>();

  constructor(
    private readonly market: SimMarket,
    private readonly category: BybitSimCategory,
    seed: number,
    specs: readonly SimSymbolSpec[],
    fundingPeriodMs: number | undefined,
  ) {
    this.derivs = new SimDerivatives(seed, specs, fundingPeriodMs);
  }

  /** A new subscriber's snapshot (the topic's last state; made now for its first subscriber). */
  subscribed(conn: SimConnection, topic: string, symbol: string, market: string, now: number): void {
    let tt = this.topics.get(topic);
    if (tt === undefined) {
      tt = { symbol, market, last: this.tickerData(symbol, now) };
      this.topics.set(topic, tt);
    }
    const cs = this.market.lastId(symbol);
    this.recordDeriv(symbol, now);
    conn.sendData(tickerFrame(market, 'snapshot', tt.last, cs, now), symbol);
  }

  /** Drop the state of topics nobody listens to. */
  forgetIdle(server: SimServer): void {
    for (const t of this.topics.keys()) if (!server.hasSubscribers(t)) this.topics.delete(t);
  }

  /** Linear: a delta of the changed fields; spot: a snapshot (nothing when nothing changed). */
  push(server: SimServer): void {
    const now = Date.now();
    for (const [topic, tt] of this.topics) {
      if (!server.hasSubscribers(topic)) continue;
      const next = this.tickerData(tt.symbol, now);
      const changed = changedFields(tt.last, next);
      if (changed === undefined) continue;
      tt.last = next;
      this.recordDeriv(tt.symbol, now);
      const cs = this.market.lastId(tt.symbol);
      const frame =
        this.category === 'linear' ? tickerFrame(tt.market, 'delta', changed, cs, now) : tickerFrame(tt.market, 'snapshot', next, cs, now);
      server.publish(topic, tt.symbol, () => frame);
    }
  }

  private tickerData(symbol: string, now: number): TickerData {
    const st = this.market.stats(symbol);
    const d: TickerData = {
      lastPrice: st.last,
      highPrice24h: st.high,
      lowPrice24h: st.low,
      prevPrice24h: st.open,
      volume24h: st.volume,
      turnover24h: st.quoteVolume,
    };
    if (this.category === 'spot') {
      d.usdIndexPrice = st.last;
      return d;
    }
    const { bid, ask } = this.market.best(symbol);
    const dv = this.derivs.next(symbol, bid, ask, st.last, now);
    this.lastDeriv.set(symbol, dv);
    d.markPrice = dv.markPrice;
    d.indexPrice = dv.indexPrice;
    d.fundingRate = dv.fundingRate;
    d.nextFundingTime = String(dv.nextFundingTime);
    d.openInterest = dv.openInterest;
    d.openInterestValue = dv.openInterestValue;
    if (bid !== undefined) {
      d.bid1Price = bid[0];
      d.bid1Size = bid[1];
    }
    if (ask !== undefined) {
      d.ask1Price = ask[0];
      d.ask1Size = ask[1];
    }
    return d;
  }

  /** The last derivative state, as published in a tickers frame of time `now` (linear). */
  private recordDeriv(symbol: string, now: number): void {
    const d = this.lastDeriv.get(symbol);
    if (this.category === 'linear' && d !== undefined) this.derivs.record({ ...d, time: now });
  }

  /** Now and then a liquidation on `allLiquidation.X` (linear; `S` is the liquidated position's side). */
  liquidation(server: SimServer | undefined, symbol: string, market: string, now: number): void {
    const topic = `allLiquidation.${market}`;
    if (this.category !== 'linear' || server?.hasSubscribers(topic) !== true) return;
    const l = this.derivs.maybeLiquidation(symbol, this.lastDeriv.get(symbol), now);
    if (l === undefined) return;
    const frame = liquidationFrame(market, l, now);
    server.publish(topic, symbol, () => frame);
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.derivs.published(symbol);
  }
}
