/** Bybit public topic names in the simulator (docs/protocols/bybit.md): parsing a subscribe argument, market ids. */
import type { BybitSimCategory } from './bybit-render.js';
import type { SimSymbolSpec } from './types.js';

const BOOK_DEPTHS = new Set([1, 50, 200, 1000]);

export type ParsedTopic =
  | { kind: 'book'; symbol: string; market: string; depth: number }
  | { kind: 'ticker' | 'trade' | 'liquidation'; symbol: string; market: string }
  | { kind: 'bad-symbol' | 'bad-topic' };

/** What a subscribe argument names, for the category's markets (`byMarket`: `BTCUSDT` → its spec). */
export function parseTopic(topic: string, category: BybitSimCategory, byMarket: ReadonlyMap<string, SimSymbolSpec>): ParsedTopic {
  const dot = topic.lastIndexOf('.');
  if (dot <= 0) return { kind: 'bad-topic' };
  const head = topic.slice(0, dot);
  const market = topic.slice(dot + 1);
  let kind: 'book' | 'ticker' | 'trade' | 'liquidation';
  let depth = 0;
  if (head === 'tickers') kind = 'ticker';
  else if (head === 'publicTrade') kind = 'trade';
  else if (head === 'allLiquidation' && category === 'linear') kind = 'liquidation';
  else if (head.startsWith('orderbook.') && BOOK_DEPTHS.has(Number(head.slice(10)))) {
    kind = 'book';
    depth = Number(head.slice(10));
  } else return { kind: 'bad-topic' };
  const spec = byMarket.get(market);
  if (spec === undefined) return { kind: 'bad-symbol' };
  return kind === 'book' ? { kind, symbol: spec.symbol, market, depth } : { kind, symbol: spec.symbol, market };
}

/** The market id of a unified symbol: `BTC/USDT` → `BTCUSDT`. */
export function toMarket(symbol: string): string {
  return symbol.replace('/', '');
}
