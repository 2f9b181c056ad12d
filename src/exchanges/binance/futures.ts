/**
 * Binance USD-M futures (docs/protocols/binance.md#usd-m-futures): same frames as spot plus `pu`, on `/public/stream`; REST
 * `/fapi/v1/depth`. Delivery contracts get the symbol `BASE/QUOTE-YYMMDD` so they never collide with the perpetual.
 * Mark price and liquidations come from the `/market/stream` path (a companion adapter, below).
 */
import type { BookRules, DeltaMessage, ExchangeAdapter, PrevDelta, RestRequest } from '../types.js';
import { makeBinanceAdapter, parseDepthSnapshot } from './common.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

const FUTURES_DEPTH_LIMITS = [5, 10, 20, 50, 100, 500, 1000] as const;

/** REST depth weight by limit (Binance futures docs; not confirmed: docs/protocols/binance.md#open-questions). */
function futuresDepthWeight(limit: number): number {
  return limit <= 50 ? 2 : limit <= 100 ? 5 : limit <= 500 ? 10 : 20;
}

/**
 * The rule: drop `u < lastUpdateId`; the first applied event has `U <= lastUpdateId <= u`, or `pu == lastUpdateId`
 * (the snapshot sits exactly on an event boundary); afterwards every event's `pu` must equal the previous `u`
 * (ids are not contiguous between events: never check `U == prev.u + 1`).
 * `snapshotTooOld`: the first buffered event chains from `pu`; a snapshot before that is too old.
 */
export const binanceFuturesBookRules: BookRules = futuresBookRules('/fapi/v1/depth');

/** The `pu`-chained rules with the REST depth path of the market (USD-M `/fapi/v1/depth`, COIN-M `/dapi/v1/depth`). */
export function futuresBookRules(depthPath: string): BookRules {
  return {
    integrity: 'chained',
    snapshot: 'rest',
    resync: 'rest',
    snapshotRequest(market: string, depth: number): RestRequest {
      const limit = FUTURES_DEPTH_LIMITS.find((l) => l >= depth) ?? 1000;
      return { path: `${depthPath}?symbol=${encodeURIComponent(market)}&limit=${limit}`, weight: futuresDepthWeight(limit) };
    },
    parseSnapshot: parseDepthSnapshot,
    snapshotTooOld(snapshotId: number, firstBuffered: DeltaMessage): boolean {
      const from = firstBuffered.prevUpdateId ?? firstBuffered.firstUpdateId;
      return from !== undefined && snapshotId < from;
    },
    first(L: number, d: DeltaMessage) {
      const U = d.firstUpdateId;
      const u = d.updateId;
      if (U === undefined || u === undefined) return 'gap';
      if (u < L) return 'drop';
      return (U <= L && L <= u) || d.prevUpdateId === L ? 'apply' : 'gap';
    },
    next(_local: number, d: DeltaMessage, prev: PrevDelta | undefined) {
      if (prev === undefined || d.prevUpdateId === undefined) return 'gap';
      return d.prevUpdateId === prev.updateId ? 'apply' : 'gap';
    },
  };
}

/** USD-M's connection facts, shared by its `/public` adapter and its `/market` companion. */
const usdm = {
  id: 'binance-futures',
  defaultEndpoints: DEFAULT_ENDPOINTS['binance-futures'],
  // 10 incoming messages/s per connection; stay at half to leave room for pongs and bursts
  controlMessagesPerSecond: 5,
  // futures REQUEST_WEIGHT is 2400/min (exchangeInfo rateLimits; docs/protocols/binance.md#open-questions)
  restWeightPerMinute: 2400,
  // The server pings only every 3 minutes: the client's own ping frames (every 10 s) keep the watchdog honest.
  keepalive: { staleAfterMs: 30_000, ping: { kind: 'frame', intervalMs: 10_000 }, pongTimeoutMs: 10_000 },
  instrumentsPath: '/fapi/v1/exchangeInfo',
  instrumentsWeight: 1,
  // perpetuals are `BTCUSDT`; delivery contracts `BTCUSDT_250926` (contractType CURRENT_QUARTER…)
  unifiedSymbol: (base: string, quote: string, market: string) => {
    const us = market.indexOf('_');
    return us === -1 ? `${base}/${quote}` : `${base}/${quote}-${market.slice(us + 1)}`;
  },
  toMarket: (symbol: string) => symbol.replace('/', '').replace('-', '_').toUpperCase(),
  book: binanceFuturesBookRules,
} as const;

/**
 * USD-M's `/market` path (docs/protocols/binance.md#derivative-data): `@markPrice@1s` and `@forceOrder` are served
 * only there (subscribed on `/public` they are acknowledged and never sent). Channels `derivative` (plus open
 * interest, REST-only, polled from `/fapi/v1/openInterest`, in the base asset) and `liquidations`.
 */
export const binanceFuturesMarketAdapter: ExchangeAdapter = makeBinanceAdapter({
  ...usdm,
  wsPath: '/market/stream',
  channels: ['derivative', 'liquidations'],
  openInterest: { path: '/fapi/v1/openInterest', weight: 1, unit: 'base' },
});

/** Depth, trades and tickers on `/public/stream`; `derivative` and `liquidations` through the `/market` companion. */
export const binanceFuturesAdapter: ExchangeAdapter = {
  ...makeBinanceAdapter({ ...usdm, wsPath: '/public/stream' }),
  companion: { name: 'market', channels: ['derivative', 'liquidations'], adapter: binanceFuturesMarketAdapter },
};
