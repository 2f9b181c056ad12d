/**
 * The Binance simulator's variants — spot, USD-M futures, COIN-M delivery (docs/protocols/binance.md): WebSocket and
 * REST paths, ping period, incoming-message limit, REST weight budget, wire decimals and depth topics.
 */

export type BinanceId = 'binance' | 'binance-futures' | 'binance-delivery';

export interface Variant {
  exchange: BinanceId;
  futures: boolean;
  /** COIN-M: `BASE/QUOTE` → `BASEQUOTE_PERP` (`-YYMMDD` → `_YYMMDD`), `ps` on frames, contracts, `@aggTrade`. */
  coinM: boolean;
  combinedPath: string;
  rawPath: string;
  rest: string;
  pingMs: number;
  maxIncoming: number;
  weightLimit: number;
  /** Right-pad prices/sizes to this many decimals (spot 8); undefined = instrument decimals. */
  wireDecimals: number | undefined;
  depthTopics: readonly string[];
  /** USD-M's `/market` family paths (2026 split): `@markPrice`/`@forceOrder` are served only there. */
  market?: { combinedPath: string; rawPath: string };
}

export const SPOT: Variant = {
  exchange: 'binance',
  futures: false,
  coinM: false,
  combinedPath: '/stream',
  rawPath: '/ws',
  rest: '/api/v3',
  pingMs: 20_000,
  maxIncoming: 5,
  weightLimit: 6000,
  wireDecimals: 8,
  depthTopics: ['@depth@100ms', '@depth', '@depth@1000ms'],
};

export const FUTURES: Variant = {
  exchange: 'binance-futures',
  futures: true,
  coinM: false,
  combinedPath: '/public/stream',
  rawPath: '/public/ws',
  rest: '/fapi/v1',
  pingMs: 180_000,
  maxIncoming: 10,
  weightLimit: 2400,
  wireDecimals: undefined,
  depthTopics: ['@depth@100ms', '@depth', '@depth@250ms', '@depth@500ms'],
  market: { combinedPath: '/market/stream', rawPath: '/market/ws' },
};

/** Streams of USD-M's `/market` family the simulator keeps off `/public` (acknowledged there, then silent). */
export const MARKET_ONLY = /@(markPrice(@1s)?|forceOrder)$/;

export const DELIVERY: Variant = {
  exchange: 'binance-delivery',
  futures: true,
  coinM: true,
  combinedPath: '/stream',
  rawPath: '/ws',
  rest: '/dapi/v1',
  pingMs: 180_000,
  maxIncoming: 10,
  weightLimit: 2400,
  wireDecimals: undefined,
  depthTopics: ['@depth@100ms', '@depth', '@depth@250ms', '@depth@500ms'],
};
