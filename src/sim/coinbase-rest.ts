/**
 * The REST replies of the two Coinbase feeds (docs/protocols/coinbase.md), rendered from the simulator's products and
 * market: Advanced Trade `/api/v3/brokerage/market/products` and `…/product_book?product_id=&limit=`; Exchange
 * `/products` and `/products/{id}/book?level=2` (the whole aggregated book, `[price, size, num_orders]`, with the
 * product's `sequence`; level 1: the best bid and ask). Never imports src/exchanges/.
 */
import type { Level } from '../schema/events.js';
import { iso, type SimProduct } from './coinbase-common.js';
import type { SimMarket } from './market.js';
import type { RestRequest, RestResponse } from './server.js';
import type { SimFault } from './types.js';

/** A step of `decimals` decimal places as Coinbase writes increments: `0.01`, `1`. */
function increment(decimals: number): string {
  return decimals === 0 ? '1' : `0.${'0'.repeat(decimals - 1)}1`;
}

/** Advanced Trade (`coinbase`). */
export function advancedTradeRest(req: RestRequest, products: ReadonlyMap<string, SimProduct>, market: SimMarket): RestResponse {
  if (req.path === '/api/v3/brokerage/market/products') {
    const list = [...products.values()].map((p) => {
      const [base = '', quote = ''] = p.native.split('-');
      return {
        product_id: p.native,
        base_currency_id: base,
        quote_currency_id: quote,
        base_display_symbol: base,
        quote_display_symbol: quote,
        status: 'online',
        trading_disabled: false,
        is_disabled: false,
        quote_increment: increment(p.spec.tickDecimals),
        base_increment: increment(p.spec.lotDecimals),
        product_type: 'SPOT',
      };
    });
    return { status: 200, body: { products: list, num_products: list.length } };
  }
  if (req.path === '/api/v3/brokerage/market/product_book') {
    const id = req.query.get('product_id') ?? '';
    const p = products.get(id);
    if (p === undefined) {
      return { status: 404, body: { error: 'NOT_FOUND', error_details: 'ProductID is invalid', message: 'ProductID is invalid' } };
    }
    const limit = Number(req.query.get('limit') ?? '50');
    const book = market.book(p.spec.symbol, Number.isInteger(limit) && limit > 0 ? limit : 50);
    const lv = (l: Level): { price: string; size: string } => ({ price: l[0], size: l[1] });
    return {
      status: 200,
      body: { pricebook: { product_id: id, bids: book.bids.map(lv), asks: book.asks.map(lv), time: iso(Date.now()) } },
    };
  }
  return { status: 404, body: { error: 'NOT_FOUND', message: 'not found' } };
}

export function advancedTradeRestFault(fault: SimFault): RestResponse {
  if (fault.kind === 'rest-500') return { status: 500, body: { error: 'INTERNAL', message: 'sim: internal error' } };
  return { status: 429, body: { error: 'RATE_LIMIT_EXCEEDED', message: 'Too many requests' } };
}

/** Exchange (`coinbase-exchange`). */
export function exchangeRest(req: RestRequest, products: ReadonlyMap<string, SimProduct>, market: SimMarket): RestResponse {
  if (req.path === '/products') {
    return {
      status: 200,
      body: [...products.values()].map((p) => {
        const [base = '', quote = ''] = p.native.split('-');
        return {
          id: p.native,
          base_currency: base,
          quote_currency: quote,
          quote_increment: increment(p.spec.tickDecimals),
          base_increment: increment(p.spec.lotDecimals),
          display_name: `${base}-${quote}`,
          status: 'online',
          trading_disabled: false,
          cancel_only: false,
        };
      }),
    };
  }
  const m = /^\/products\/([^/]+)\/book$/.exec(req.path);
  if (m !== null) {
    const p = products.get(decodeURIComponent(m[1]!));
    if (p === undefined) return { status: 404, body: { message: 'NotFound' } };
    const book = req.query.get('level') === '2' ? market.book(p.spec.symbol) : market.book(p.spec.symbol, 1);
    const lv = (l: Level): [string, string, number] => [l[0], l[1], 1];
    return { status: 200, body: { bids: book.bids.map(lv), asks: book.asks.map(lv), sequence: p.sequence, auction_mode: false, auction: null, time: iso(Date.now()) } };
  }
  return { status: 404, body: { message: 'NotFound' } };
}

export function exchangeRestFault(fault: SimFault): RestResponse {
  if (fault.kind === 'rest-500') return { status: 500, body: { message: 'Internal server error' } };
  return { status: 429, body: { message: 'Public rate limit exceeded' } };
}
