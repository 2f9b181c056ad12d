/**
 * Bybit v5 topic names and subscribe batching.
 *
 * Book depth: Bybit offers `orderbook.{1,50,200,1000}` on spot and linear. The requested `ctx.bookDepth` maps to
 * the smallest offered depth that is at least as deep (so the book is never shallower than asked), capped at 1000:
 * 1 → 1, 2..50 → 50, 51..200 → 200, above → 1000; unset (0) → 200, Bybit's 100 ms middle ground. Bybit keeps the book at exactly that depth by sending deletes
 * for levels that leave the window, so tickwire never truncates it.
 *
 * Spot tickers carry no best bid/ask, so a spot `ticker` subscription is `tickers.X` plus `orderbook.1.X`, whose
 * frames become the ticker's bid/ask fields. (Caveat: with a spot book depth of 1 the book and the ticker share
 * `orderbook.1.X`; unsubscribing one of them unsubscribes that topic for both. Likewise on linear, `ticker` and
 * `derivative` share `tickers.X`.)
 */
import type { Channel } from '../../schema/events.js';
import type { StreamRef } from '../types.js';

export type BybitCategory = 'spot' | 'linear';

export const BOOK_DEPTHS = [1, 50, 200, 1000] as const;

export const DEFAULT_BOOK_DEPTH = 200;

export function bookDepthFor(requested: number): number {
  if (!(requested > 0)) return DEFAULT_BOOK_DEPTH;
  for (const d of BOOK_DEPTHS) if (requested <= d) return d;
  return 1000;
}

/** Topics for one stream, in subscribe order. */
export function topicsFor(category: BybitCategory, stream: StreamRef, bookDepth: number): string[] {
  const m = stream.market;
  switch (stream.channel) {
    case 'book':
      return [`orderbook.${bookDepthFor(bookDepth)}.${m}`];
    case 'trades':
      return [`publicTrade.${m}`];
    case 'ticker':
      return category === 'spot' ? [`tickers.${m}`, `orderbook.1.${m}`] : [`tickers.${m}`];
    // linear only (the adapter's `channels`): mark/index/funding/open interest ride on the same tickers topic
    case 'derivative':
      return category === 'spot' ? [] : [`tickers.${m}`];
    case 'liquidations':
      return category === 'spot' ? [] : [`allLiquidation.${m}`];
  }
}

/** Which stream a topic belongs to (for error replies): `undefined` when the topic is not one tickwire uses. */
export function streamOfTopic(
  category: BybitCategory,
  topic: string,
  bookDepth: number,
): { market: string; channel: Channel } | undefined {
  const dot = topic.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const market = topic.slice(dot + 1);
  const head = topic.slice(0, dot);
  if (head === 'tickers') return { market, channel: 'ticker' };
  if (head === 'publicTrade') return { market, channel: 'trades' };
  if (head === 'allLiquidation') return { market, channel: 'liquidations' };
  if (head.startsWith('orderbook.')) {
    const depth = Number(head.slice('orderbook.'.length));
    const isSpotBbo = category === 'spot' && depth === 1 && bookDepthFor(bookDepth) !== 1;
    return { market, channel: isSpotBbo ? 'ticker' : 'book' };
  }
  return undefined;
}

/** Group args into `op` requests of at most `maxArgs` (spot: 10, error `"args size >10"` beyond). */
export function opRequests(
  op: 'subscribe' | 'unsubscribe',
  args: readonly string[],
  maxArgs: number,
  nextId: () => number,
): string[] {
  const unique = [...new Set(args)];
  const out: string[] = [];
  for (let i = 0; i < unique.length; i += maxArgs) {
    out.push(JSON.stringify({ req_id: String(nextId()), op, args: unique.slice(i, i + maxArgs) }));
  }
  return out;
}
