/**
 * Binance REST pieces of the simulator (docs/protocols/binance.md): request weights, the per-minute weight window
 * (`X-MBX-USED-WEIGHT-1M`), error bodies and `exchangeInfo`. Pure except for the clock.
 */
import { faultNumber } from './faults.js';
import { formatFixed } from './prng.js';
import type { RestResponse } from './server.js';
import { splitUnified } from './symbols.js';
import type { SimFault, SimSymbolSpec } from './types.js';

export const FUTURES_DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

/** Used request weight per wall-clock minute. */
export class WeightWindow {
  private minute = 0;
  used = 0;
  constructor(readonly limit: number) {}

  /** Charge `w`; false (nothing charged) when it would exceed the budget. */
  charge(w: number, now = Date.now()): boolean {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.used = 0;
    }
    if (this.used + w > this.limit) return false;
    this.used += w;
    return true;
  }

  headers(): Record<string, string> {
    return { 'X-MBX-USED-WEIGHT-1M': String(this.used) };
  }

  /** 429 for an exhausted budget, Retry-After = seconds to the next minute. */
  exceeded(now = Date.now()): RestResponse {
    return {
      status: 429,
      headers: { ...this.headers(), 'Retry-After': String(60 - Math.floor((now % 60_000) / 1000)) },
      body: { code: -1003, msg: `Too much request weight used; current limit is ${this.limit} request weight per 1 MINUTE.` },
    };
  }
}

/** Parsed `/depth` parameters, or the error body Binance answers with (HTTP 400). */
export function depthParams(
  q: URLSearchParams,
  futures: boolean,
  known: (native: string) => boolean,
): { native: string; limit: number; weight: number } | { error: object } {
  const native = q.get('symbol');
  if (!native) return { error: { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." } };
  if (!known(native)) return { error: { code: -1121, msg: 'Invalid symbol.' } };
  const raw = q.get('limit');
  let limit = raw === null ? (futures ? 500 : 100) : Number(raw);
  if (!Number.isInteger(limit) || limit < 1) {
    return { error: { code: -1100, msg: "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'." } };
  }
  if (futures) {
    if (!FUTURES_DEPTH_LIMITS.includes(limit)) return { error: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } };
    // futures weights: not confirmed, docs/protocols/binance.md#open-questions; these follow the futures docs' table as commonly quoted
    return { native, limit, weight: limit <= 50 ? 2 : limit === 100 ? 5 : limit === 500 ? 10 : 20 };
  }
  limit = Math.min(limit, 5000);
  return { native, limit, weight: limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250 };
}

/** Bodies of the switchable REST faults (429/418 with Retry-After, 500). */
export function restFault(fault: SimFault, headers: Record<string, string>): RestResponse {
  const retry = String(faultNumber(fault, 'retryAfterSec') ?? 1);
  if (fault.kind === 'rest-429') {
    return { status: 429, headers: { ...headers, 'Retry-After': retry }, body: { code: -1003, msg: 'Too many requests; current limit of IP is exceeded.' } };
  }
  if (fault.kind === 'rest-418') {
    const until = Date.now() + Number(retry) * 1000;
    return { status: 418, headers: { ...headers, 'Retry-After': retry }, body: { code: -1003, msg: `Way too many requests; IP banned until ${until}.` } };
  }
  return { status: 500, headers, body: { code: -1000, msg: 'An unknown error occurred while processing the request.' } };
}

export interface InfoSymbol {
  spec: SimSymbolSpec;
  native: string;
  /** COIN-M contract facts. */
  coinM?: { pair: string; contractType: string; delivery: number | undefined };
}

/** Far-future delivery date Binance gives perpetuals (2100-12-25 08:00 UTC). */
const PERPETUAL_DELIVERY = 4133404800000;

/** `exchangeInfo` body; `pad` renders decimals the way the exchange does (spot: 8). */
export function exchangeInfo(symbols: readonly InfoSymbol[], futures: boolean, weightLimit: number, pad: (v: string) => string): object {
  const rateLimits = [
    { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit: weightLimit },
    { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
    { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
  ];
  return { timezone: 'UTC', serverTime: Date.now(), rateLimits, exchangeFilters: [], symbols: symbols.map((s) => symbolInfo(s, futures, pad)) };
}

function symbolInfo(s: InfoSymbol, futures: boolean, pad: (v: string) => string): object {
  // a COIN-M quarterly's sim symbol carries its expiry (`BTC/USD-270326`)
  const { base, quote } = splitUnified(s.coinM ? (s.spec.symbol.split('-')[0] ?? s.spec.symbol) : s.spec.symbol);
  const td = s.spec.tickDecimals;
  const ld = s.spec.lotDecimals;
  const tick = pad(formatFixed(1, td));
  const step = pad(formatFixed(1, ld));
  const filters = [
    { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: pad(formatFixed(10_000_000 * 10 ** td, td)), tickSize: tick },
    { filterType: 'LOT_SIZE', minQty: step, maxQty: pad(formatFixed(9000 * 10 ** ld, ld)), stepSize: step },
  ];
  if (s.coinM) {
    // COIN-M: `contractStatus` instead of `status`, contracts of `contractSize` USD (100 for BTC, 10 for the others)
    return {
      symbol: s.native,
      pair: s.coinM.pair,
      contractType: s.coinM.contractType,
      deliveryDate: s.coinM.delivery ?? PERPETUAL_DELIVERY,
      onboardDate: 1597042800000,
      contractStatus: 'TRADING',
      contractSize: base === 'BTC' ? 100 : 10,
      marginAsset: base,
      maintMarginPercent: '2.5000',
      requiredMarginPercent: '5.0000',
      baseAsset: base,
      quoteAsset: quote,
      pricePrecision: td,
      quantityPrecision: 0,
      baseAssetPrecision: 8,
      quotePrecision: 8,
      equalQtyPrecision: 4,
      filters,
    };
  }
  if (futures) {
    return {
      symbol: s.native,
      pair: s.native,
      contractType: 'PERPETUAL',
      status: 'TRADING',
      baseAsset: base,
      quoteAsset: quote,
      marginAsset: quote,
      pricePrecision: td,
      quantityPrecision: ld,
      filters,
    };
  }
  return {
    symbol: s.native,
    status: 'TRADING',
    baseAsset: base,
    baseAssetPrecision: 8,
    quoteAsset: quote,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    filters,
    permissions: [],
    permissionSets: [['SPOT']],
  };
}
