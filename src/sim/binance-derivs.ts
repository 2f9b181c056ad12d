/**
 * Binance futures derivative data for the simulator (docs/protocols/binance.md#derivative-data), rendered from the
 * protocol notes: `<symbol>@markPrice@1s` (`markPriceUpdate`: mark `p`, index `i`, estimated settle `P`, funding rate
 * `r`, next funding time `T`; a delivery contract has `r: ""` and `T: 0`), `<symbol>@forceOrder` (`forceOrder`, at
 * most one per symbol per second: the latest liquidation of that second) and REST `openInterest`
 * (`{"symbol","pair","openInterest","contractType","time"}` on COIN-M, `{"openInterest","symbol","time"}` on USD-M).
 * Values come from `SimDerivatives` (mark drifting with the book, funding on its schedule); every published state is
 * recorded there as the truth tests compare with.
 */
import type { Level } from '../schema/events.js';
import { SimDerivatives } from './derivatives.js';
import type { SimDerivative, SimLiquidation, SimSymbolSpec } from './types.js';

export interface DerivSym {
  spec: SimSymbolSpec;
  native: string;
  lower: string;
  /** The pair (`BTCUSD`), COIN-M. */
  pair: string;
  /** `PERPETUAL`, `CURRENT_QUARTER`. */
  contractType: string;
}

export class BinanceDerivatives {
  private readonly derivs: SimDerivatives;
  private readonly last = new Map<string, SimDerivative>();

  constructor(
    seed: number,
    specs: readonly SimSymbolSpec[],
    private readonly coinM: boolean,
    fundingPeriodMs: number | undefined,
  ) {
    this.derivs = new SimDerivatives(seed, specs, fundingPeriodMs, 0.2);
  }

  /** A `markPriceUpdate` payload for now (recorded as published). */
  markPrice(s: DerivSym, best: { bid: Level | undefined; ask: Level | undefined }, last: string, now: number): string {
    const d = this.derivs.next(s.spec.symbol, best.bid, best.ask, last, now);
    const perpetual = s.contractType === 'PERPETUAL';
    // a delivery contract has no funding: the published truth carries none either
    const pub: SimDerivative = perpetual ? d : { ...d, fundingRate: '', nextFundingTime: 0 };
    this.derivs.record(pub);
    this.last.set(s.spec.symbol, pub);
    const r = perpetual ? d.fundingRate : '';
    const T = perpetual ? d.nextFundingTime : 0;
    return `{"e":"markPriceUpdate","E":${now},"s":"${s.native}","p":"${d.markPrice}","P":"${d.markPrice}","i":"${d.indexPrice}","r":"${r}","T":${T}}`;
  }

  /** Called once per mark-price period: now and then (seeded) a liquidation, as a `forceOrder` payload (recorded). */
  liquidationTick(s: DerivSym, now: number): string | undefined {
    const l = this.derivs.maybeLiquidation(s.spec.symbol, this.last.get(s.spec.symbol), now);
    if (l === undefined) return undefined;
    const side = l.side === 'buy' ? 'BUY' : 'SELL';
    const pair = this.coinM ? `"ps":"${s.pair}",` : '';
    return `{"e":"forceOrder","E":${now + 1},"o":{"s":"${s.native}",${pair}"S":"${side}","o":"LIMIT","f":"IOC","q":"${l.size}","p":"${l.price}","ap":"${l.price}","X":"FILLED","l":"${l.size}","z":"${l.size}","T":${now}}}`;
  }

  /**
   * REST open interest body: the last published state's figure (contracts on COIN-M); before any mark price went
   * out, a state is made now (and recorded as published).
   */
  openInterest(s: DerivSym, best: { bid: Level | undefined; ask: Level | undefined }, last: string, now: number): object {
    if (!this.last.has(s.spec.symbol)) this.markPrice(s, best, last, now);
    const d = this.last.get(s.spec.symbol)!;
    const oi = d.openInterest;
    const time = d.time;
    return this.coinM
      ? { symbol: s.native, pair: s.pair, openInterest: oi, contractType: s.contractType, time }
      : { openInterest: oi, symbol: s.native, time };
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.derivs.published(symbol);
  }
}
