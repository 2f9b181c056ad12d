/**
 * The simulator's derivative market per symbol: mark price = the book's mid, index price = the last trade, funding
 * settled on a fixed schedule (8 h by default; `fundingPeriodMs` accelerates it), open interest as a seeded random walk
 * in lots, and now and then a liquidation near the mark. Every value published is also kept (`published`), the truth
 * the end-to-end tests compare tickwire's events with. Exchange renderers turn these into their own wire formats.
 */
import type { Level } from '../schema/events.js';
import { formatFixed, mulberry32, parseFixed, subSeed } from './prng.js';
import type { SimDerivative, SimLiquidation, SimSymbolSpec } from './types.js';

export const DEFAULT_FUNDING_PERIOD_MS = 8 * 3600_000;
const KEEP = 20_000;

interface SymDeriv {
  rng: () => number;
  /** Open interest in lots. */
  oiLots: number;
  derivatives: SimDerivative[];
  liquidations: SimLiquidation[];
}

export class SimDerivatives {
  private readonly states = new Map<string, SymDeriv>();

  constructor(
    seed: number,
    private readonly specs: readonly SimSymbolSpec[],
    private readonly fundingPeriodMs = DEFAULT_FUNDING_PERIOD_MS,
    /** Chance per `maybeLiquidation` call. */
    private readonly liquidationChance = 0.05,
  ) {
    for (const s of specs) {
      const rng = mulberry32(subSeed(seed, `deriv:${s.symbol}`));
      this.states.set(s.symbol, { rng, oiLots: 100_000 + Math.floor(rng() * 100_000), derivatives: [], liquidations: [] });
    }
  }

  private spec(symbol: string): SimSymbolSpec {
    const s = this.specs.find((x) => x.symbol === symbol);
    if (s === undefined) throw new Error(`sim: unknown symbol ${symbol}`);
    return s;
  }

  /** The derivative state at `now` (epoch ms) from the book's best levels and the last trade price (see `record`). */
  next(symbol: string, bid: Level | undefined, ask: Level | undefined, last: string, now: number): SimDerivative {
    const st = this.states.get(symbol)!;
    const spec = this.spec(symbol);
    const td = spec.tickDecimals;
    const lastUnits = parseFixed(last, td);
    // the mid, exact with one more decimal: (bid + ask) / 2 = (bid + ask) × 5 / 10
    const b = bid ? parseFixed(bid[0], td) : lastUnits;
    const a = ask ? parseFixed(ask[0], td) : lastUnits;
    const markUnits = (b + a) * 5;
    const markPrice = formatFixed(markUnits, td + 1);
    const period = Math.floor(now / this.fundingPeriodMs);
    // the rate of the running period: a function of the period (it changes only at a funding time)
    const rateMicro = 100 + (((period * 7919) % 11) - 5) * 3; // 0.000085 … 0.000115
    const nextRateMicro = 100 + ((((period + 1) * 7919) % 11) - 5) * 3;
    st.oiLots = Math.max(1, st.oiLots + Math.floor((st.rng() - 0.5) * 200));
    const oiValueUnits = BigInt(st.oiLots) * BigInt(markUnits); // decimals: lot + td + 1
    const d: SimDerivative = {
      symbol,
      time: now,
      markPrice,
      indexPrice: last,
      fundingRate: formatFixed(rateMicro, 6),
      predictedFundingRate: formatFixed(nextRateMicro, 6),
      nextFundingTime: (period + 1) * this.fundingPeriodMs,
      openInterest: formatFixed(st.oiLots, spec.lotDecimals),
      openInterestValue: formatFixed(oiValueUnits, spec.lotDecimals + td + 1),
    };
    return d;
  }

  /** Keep a state as published (in a frame of time `d.time`). */
  record(d: SimDerivative): void {
    const st = this.states.get(d.symbol)!;
    st.derivatives.push(d);
    if (st.derivatives.length > KEEP) st.derivatives.splice(0, st.derivatives.length - KEEP);
  }

  /** Now and then (seeded) a liquidation order 0–0.5% through the mark; recorded. */
  maybeLiquidation(symbol: string, mark: SimDerivative | undefined, now: number): SimLiquidation | undefined {
    const st = this.states.get(symbol)!;
    if (mark === undefined || st.rng() >= this.liquidationChance) return undefined;
    const spec = this.spec(symbol);
    const side: 'buy' | 'sell' = st.rng() < 0.5 ? 'buy' : 'sell';
    const markTicks = Math.round(parseFixed(mark.markPrice, spec.tickDecimals + 1) / 10);
    const through = Math.floor(markTicks * 0.005 * st.rng());
    const priceTicks = Math.max(1, side === 'sell' ? markTicks - through : markTicks + through);
    const l: SimLiquidation = {
      symbol,
      time: now,
      side,
      price: formatFixed(priceTicks, spec.tickDecimals),
      size: formatFixed(1 + Math.floor(st.rng() * 500), spec.lotDecimals),
    };
    st.liquidations.push(l);
    if (st.liquidations.length > KEEP) st.liquidations.splice(0, st.liquidations.length - KEEP);
    return l;
  }

  /**
   * Deribit-style liquidations, which are trades: now and then (seeded) mark `trade` as caused by a liquidation —
   * `T` the taker's order, `M` the maker's (the other side), `MT` both — and record each liquidated order.
   */
  liquidatedTrade(symbol: string, trade: { price: string; size: string; side: 'buy' | 'sell'; time: number }): 'M' | 'T' | 'MT' | undefined {
    const st = this.states.get(symbol)!;
    if (st.rng() >= this.liquidationChance) return undefined;
    const r = st.rng();
    const who = r < 0.45 ? 'T' : r < 0.9 ? 'M' : 'MT';
    const maker: 'buy' | 'sell' = trade.side === 'buy' ? 'sell' : 'buy';
    const sides = who === 'T' ? [trade.side] : who === 'M' ? [maker] : [trade.side, maker];
    for (const side of sides) st.liquidations.push({ symbol, time: trade.time, side, price: trade.price, size: trade.size });
    if (st.liquidations.length > KEEP) st.liquidations.splice(0, st.liquidations.length - KEEP);
    return who;
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    const st = this.states.get(symbol);
    return { derivatives: [...(st?.derivatives ?? [])], liquidations: [...(st?.liquidations ?? [])] };
  }
}
