/**
 * The REST paths of a Binance simulator variant (docs/protocols/binance.md): `depth` (the snapshot itself comes from
 * the protocol, which may take it inside the next event), `exchangeInfo`, `openInterest` (futures), `ping`, `time`;
 * each charged its request weight.
 */
import type { BinanceDerivatives } from './binance-derivs.js';
import { depthParams, exchangeInfo, type WeightWindow } from './binance-rest.js';
import type { BinanceSym } from './binance-symbols.js';
import type { Variant } from './binance-variants.js';
import type { SimMarket } from './market.js';
import type { RestRequest, RestResponse } from './protocol.js';

/** What the routes read from the protocol server. */
export interface BinanceRestContext {
  readonly v: Variant;
  readonly weight: WeightWindow;
  readonly derivs: BinanceDerivatives | undefined;
  readonly market: SimMarket;
  readonly syms: ReadonlyMap<string, BinanceSym>;
  readonly byNative: ReadonlyMap<string, BinanceSym>;
  /** The `depth` answer for a symbol (the protocol's snapshot, consistent with its stream). */
  depth(s: BinanceSym, limit: number): RestResponse;
  /** A price or size at the variant's wire decimals. */
  px(v: string): string;
}

/** A request to the variant's REST paths, charged to the weight window (`X-MBX-USED-WEIGHT-1M` on every answer). */
export function binanceRest(ctx: BinanceRestContext, req: RestRequest): RestResponse {
  const path = req.path;
  const base = ctx.v.rest;
  let weight: number;
  let answer: () => RestResponse;
  if (path === `${base}/depth`) {
    const parsed = depthParams(req.query, ctx.v.futures, (n) => ctx.byNative.has(n));
    if ('error' in parsed) return { status: 400, headers: ctx.weight.headers(), body: parsed.error };
    const sym = ctx.byNative.get(parsed.native) as BinanceSym;
    weight = parsed.weight;
    answer = () => ctx.depth(sym, parsed.limit);
  } else if (path === `${base}/exchangeInfo`) {
    weight = ctx.v.futures ? 1 : 20;
    answer = () => exchangeInfoResponse(ctx, req.query);
  } else if (path === `${base}/openInterest` && ctx.derivs) {
    const native = req.query.get('symbol');
    const sym = native === null ? undefined : ctx.byNative.get(native);
    if (sym === undefined) return { status: 400, headers: ctx.weight.headers(), body: { code: -1121, msg: 'Invalid symbol.' } };
    const derivs = ctx.derivs;
    weight = 1;
    const symbol = sym.spec.symbol;
    answer = () => ({ status: 200, body: derivs.openInterest(sym, ctx.market.best(symbol), ctx.market.stats(symbol).last, Date.now()) });
  } else if (path === `${base}/ping`) {
    weight = 1;
    answer = () => ({ status: 200, body: {} });
  } else if (path === `${base}/time`) {
    weight = 1;
    answer = () => ({ status: 200, body: { serverTime: Date.now() } });
  } else {
    return { status: 404, body: '<html><body><h2>404 Not found</h2></body></html>' };
  }
  if (!ctx.weight.charge(weight)) return ctx.weight.exceeded();
  const r = answer();
  return { ...r, headers: { ...r.headers, ...ctx.weight.headers() } };
}

function exchangeInfoResponse(ctx: BinanceRestContext, q: URLSearchParams): RestResponse {
  let wanted: BinanceSym[] = [...ctx.syms.values()];
  const one = q.get('symbol');
  const many = q.get('symbols');
  if (!ctx.v.futures && (one !== null || many !== null)) {
    let names: unknown = one !== null ? [one] : undefined;
    if (many !== null) {
      try {
        names = JSON.parse(many);
      } catch {
        names = undefined;
      }
    }
    if (!Array.isArray(names)) return { status: 400, body: { code: -1100, msg: "Illegal characters found in parameter 'symbols'." } };
    const found = names.map((n) => (typeof n === 'string' ? ctx.byNative.get(n) : undefined));
    if (found.some((f) => f === undefined)) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
    wanted = found as BinanceSym[];
  }
  const info = wanted.map((s) => ({ spec: s.spec, native: s.native, ...(ctx.v.coinM ? { coinM: { pair: s.pair, contractType: s.contractType, delivery: s.delivery } } : {}) }));
  return { status: 200, body: exchangeInfo(info, ctx.v.futures, ctx.weight.limit, (v) => ctx.px(v)) };
}
