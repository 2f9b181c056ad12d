/** Bybit v5 reference data: `GET /v5/market/instruments-info?category=spot|linear`. */
import { TwError } from '../../errors.js';
import type { Instrument } from '../types.js';
import type { BybitCategory } from './topics.js';
import { InstrumentsResponse } from './wire.js';
import { decimalFact, decimalsOfStep, msToMicros, withFacts } from '../instrument-facts.js';

/** Decimals of a step such as `"0.001"` (3) or `"1"` (0). */
export const stepDecimals = decimalsOfStep;

export function instrumentsPath(category: BybitCategory): string {
  // linear pages at 500 by default (max 1000); spot returns every symbol in one page
  return category === 'spot'
    ? '/v5/market/instruments-info?category=spot'
    : '/v5/market/instruments-info?category=linear&limit=1000';
}

export function parseInstruments(body: string): Instrument[] {
  const parsed = InstrumentsResponse.safeParse(JSON.parse(body));
  if (!parsed.success) throw new TwError('TW_ERR_MALFORMED_FRAME', 'bybit instruments-info: unexpected shape');
  if (parsed.data.retCode !== 0) {
    throw new TwError('TW_ERR_EXCHANGE_ERROR', `bybit instruments-info: ${parsed.data.retMsg}`, {
      retCode: parsed.data.retCode,
    });
  }
  return parsed.data.result.list.map((i): Instrument => {
    // dated linear futures (`BTC-26DEC25`, contractType LinearFutures) keep their expiry in the unified symbol
    const dash = i.symbol.indexOf('-');
    const expiry = i.contractType === 'LinearFutures' && dash !== -1 ? `-${i.symbol.slice(dash + 1)}` : '';
    const out: Instrument = {
      market: i.symbol,
      symbol: `${i.baseCoin}/${i.quoteCoin}${expiry}`,
      base: i.baseCoin,
      quote: i.quoteCoin,
      trading: i.status === 'Trading',
    };
    const pp = stepDecimals(i.priceFilter?.tickSize);
    const qp = stepDecimals(i.lotSizeFilter?.basePrecision ?? i.lotSizeFilter?.qtyStep);
    if (pp !== undefined) out.pricePrecision = pp;
    if (qp !== undefined) out.qtyPrecision = qp;
    const linear = i.contractType !== undefined;
    const lot = i.lotSizeFilter;
    return withFacts(out, {
      status: i.status,
      kind: !linear ? 'spot' : i.contractType === 'LinearPerpetual' ? 'perpetual' : i.contractType === 'LinearFutures' ? 'future' : undefined,
      settle: linear ? i.settleCoin : undefined,
      tickSize: decimalFact(i.priceFilter?.tickSize),
      lotSize: decimalFact(lot?.basePrecision ?? lot?.qtyStep),
      minSize: decimalFact(lot?.minOrderQty),
      minNotional: decimalFact(lot?.minOrderAmt ?? lot?.minNotionalValue),
      expiry: i.contractType === 'LinearFutures' ? msToMicros(i.deliveryTime) : undefined,
    });
  });
}
