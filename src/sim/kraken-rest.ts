/**
 * The REST replies of the Kraken simulator (docs/protocols/kraken.md): `/0/public/AssetPairs` (legacy asset codes in
 * the pair names, `wsname` as the WebSocket v2 writes the symbol), and the replies of the REST faults.
 */
import type { SimMarket } from './market.js';
import type { RestRequest, RestResponse } from './server.js';
import type { SimFault } from './types.js';

/** Kraken legacy asset codes used by REST AssetPairs `wsname`. */
const LEGACY: Readonly<Record<string, string>> = { BTC: 'XBT', DOGE: 'XDG' };

export function krakenRest(req: RestRequest, market: SimMarket): RestResponse {
  if (req.path !== '/0/public/AssetPairs') return { status: 404, body: { error: ['EGeneral:Unknown method'] } };
  const result: Record<string, unknown> = {};
  for (const spec of market.symbols()) {
    const [base = '', quote = ''] = spec.symbol.split('/');
    const wb = LEGACY[base] ?? base;
    const wq = LEGACY[quote] ?? quote;
    result[`${wb}${wq}`] = {
      altname: `${wb}${wq}`,
      wsname: `${wb}/${wq}`,
      base: wb,
      quote: wq,
      pair_decimals: spec.tickDecimals,
      lot_decimals: spec.lotDecimals,
      tick_size: spec.tickDecimals === 0 ? '1' : `0.${'0'.repeat(spec.tickDecimals - 1)}1`,
      status: 'online',
    };
  }
  return { status: 200, body: { error: [], result } };
}

export function krakenRestFault(fault: SimFault): RestResponse {
  if (fault.kind === 'rest-429' || fault.kind === 'rest-418') {
    const retry = typeof fault['retryAfterSec'] === 'number' ? fault['retryAfterSec'] : 1;
    return { status: 429, body: { error: ['EAPI:Rate limit exceeded'] }, headers: { 'Retry-After': String(retry) } };
  }
  return { status: 500, body: { error: ['EService:Unavailable'] } };
}
