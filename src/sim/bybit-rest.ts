/** The simulated Bybit REST API (docs/protocols/bybit.md): instruments-info for the category, and REST fault answers. */
import type { BybitSimCategory } from './bybit-render.js';
import { toMarket } from './bybit-topics.js';
import { faultNumber } from './faults.js';
import { formatFixed } from './prng.js';
import type { RestRequest, RestResponse } from './protocol.js';
import type { SimFault, SimSymbolSpec } from './types.js';

/** `GET /v5/market/instruments-info?category=…`; every other path 404s. */
export function bybitRest(req: RestRequest, category: BybitSimCategory, specs: readonly SimSymbolSpec[]): RestResponse {
  if (req.path !== '/v5/market/instruments-info') {
    return { status: 404, body: { retCode: 10001, retMsg: 'sim: unknown path', result: {}, retExtInfo: {}, time: Date.now() } };
  }
  if (req.query.get('category') !== category) {
    return { status: 200, body: { retCode: 10001, retMsg: 'params error: category', result: {}, retExtInfo: {}, time: Date.now() } };
  }
  const list = specs.map((s) => instrument(s, category));
  const result: Record<string, unknown> = { category: category, list };
  if (category === 'linear') result.nextPageCursor = '';
  return { status: 200, body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() } };
}

function instrument(s: SimSymbolSpec, category: BybitSimCategory): Record<string, unknown> {
  const [base = '', quote = ''] = s.symbol.split('/');
  const tick = formatFixed(1, s.tickDecimals);
  const lot = formatFixed(1, s.lotDecimals);
  if (category === 'spot') {
    return {
      symbol: toMarket(s.symbol),
      baseCoin: base,
      quoteCoin: quote,
      innovation: '0',
      status: 'Trading',
      marginTrading: 'none',
      lotSizeFilter: { basePrecision: lot, quotePrecision: '0.00000001', minOrderQty: lot, maxOrderQty: '10000', minOrderAmt: '1', maxOrderAmt: '1000000' },
      priceFilter: { tickSize: tick },
    };
  }
  return {
    symbol: toMarket(s.symbol),
    contractType: 'LinearPerpetual',
    status: 'Trading',
    baseCoin: base,
    quoteCoin: quote,
    settleCoin: quote,
    priceScale: String(s.tickDecimals),
    priceFilter: { minPrice: tick, maxPrice: '1999999.80', tickSize: tick },
    lotSizeFilter: { maxOrderQty: '1190', minOrderQty: lot, qtyStep: lot, postOnlyMaxOrderQty: '1190' },
  };
}

/** The answer to a REST fault: 429 `Too many visits!`, a ban as 403, else 500. */
export function bybitRestFault(fault: SimFault): RestResponse {
  const retryAfter = String(faultNumber(fault, 'retryAfterSec') ?? 1);
  if (fault.kind === 'rest-429') {
    return { status: 429, body: { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: Date.now() }, headers: { 'Retry-After': retryAfter } };
  }
  // Bybit's IP ban answer (docs/protocols/bybit.md#limits: "403 access too frequent")
  if (fault.kind === 'rest-418') return { status: 403, body: 'access too frequent', headers: { 'Retry-After': retryAfter } };
  return { status: 500, body: { retCode: 10016, retMsg: 'Internal server error', result: {}, retExtInfo: {}, time: Date.now() } };
}
