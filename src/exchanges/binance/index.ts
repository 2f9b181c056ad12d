/**
 * Binance spot (docs/protocols/binance.md): combined streams on `/stream`, `@bookTicker` + `@ticker` → ticker,
 * `@depth@100ms` + REST `/api/v3/depth` → book, `@trade` → trades.
 */
import type { BookRules, DeltaMessage, ExchangeAdapter, RestRequest } from '../types.js';
import { makeBinanceAdapter, parseDepthSnapshot } from './common.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** REST depth weight by limit (docs/protocols/binance.md#rest-depth-snapshot). */
function spotDepthWeight(limit: number): number {
  return limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
}

/**
 * The corrected 2025-11 rule (docs/protocols/binance.md#spot-book-sync): drop `u <= lastUpdateId`; the first applied diff has
 * `U <= lastUpdateId + 1 <= u`; afterwards `u < local` → drop, `U > local + 1` → gap.
 *
 * `snapshotTooOld`: the docs say "snapshot lastUpdateId strictly less than the first buffered `U` → fetch again",
 * but a snapshot with `lastUpdateId == U - 1` is exactly the book that diff starts from (the first kept diff in every
 * real capture has `U == lastUpdateId + 1`), so only `lastUpdateId + 1 < U` is too old.
 */
export const binanceSpotBookRules: BookRules = {
  integrity: 'chained',
  snapshot: 'rest',
  resync: 'rest',
  snapshotRequest(market: string, depth: number): RestRequest {
    const limit = Math.min(5000, Math.max(1, Math.floor(depth)));
    return { path: `/api/v3/depth?symbol=${encodeURIComponent(market)}&limit=${limit}`, weight: spotDepthWeight(limit) };
  },
  parseSnapshot: parseDepthSnapshot,
  snapshotTooOld(snapshotId: number, firstBuffered: DeltaMessage): boolean {
    return firstBuffered.firstUpdateId !== undefined && snapshotId + 1 < firstBuffered.firstUpdateId;
  },
  first(L: number, d: DeltaMessage) {
    const U = d.firstUpdateId;
    const u = d.updateId;
    if (U === undefined || u === undefined) return 'gap';
    if (u <= L) return 'drop';
    return U <= L + 1 && L + 1 <= u ? 'apply' : 'gap';
  },
  next(local: number, d: DeltaMessage) {
    const U = d.firstUpdateId;
    const u = d.updateId;
    if (U === undefined || u === undefined) return 'gap';
    if (u < local) return 'drop';
    return U > local + 1 ? 'gap' : 'apply';
  },
};

export const binanceAdapter: ExchangeAdapter = makeBinanceAdapter({
  id: 'binance',
  defaultEndpoints: DEFAULT_ENDPOINTS.binance,
  wsPath: '/stream',
  // 5 incoming messages/s per connection, pings and pongs included: keep one slot for pongs
  controlMessagesPerSecond: 4,
  restWeightPerMinute: 6000,
  // The server pings every 20 s. A client ping frame every 10 s gets a pong at once, so 30 s without any frame
  // (or a ping unanswered for 10 s) means a dead connection well before Binance's own 1-minute cut.
  keepalive: { staleAfterMs: 30_000, ping: { kind: 'frame', intervalMs: 10_000 }, pongTimeoutMs: 10_000 },
  instrumentsPath: '/api/v3/exchangeInfo',
  instrumentsWeight: 20,
  unifiedSymbol: (base, quote) => `${base}/${quote}`,
  toMarket: (symbol) => symbol.replace('/', '').toUpperCase(),
  book: binanceSpotBookRules,
});

export { binanceFuturesAdapter, binanceFuturesBookRules } from './futures.js';
export { binanceDeliveryAdapter, binanceDeliveryBookRules } from './delivery.js';
