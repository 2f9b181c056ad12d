/**
 * Bybit v5 public market data: `bybit` (spot) and `bybit-linear` (USDT/USDC perpetuals and futures).
 * Wire facts: docs/protocols/bybit.md. Depth mapping and the spot ticker's bid/ask source: topics.ts.
 */
import { DEFAULT_CHANNELS } from '../../schema/events.js';
import type { ExchangeAdapter, StreamRef } from '../types.js';
import { bybitBookRules } from './book.js';
import { instrumentsPath, parseInstruments } from './instruments.js';
import { parseFrame } from './parse.js';
import { opRequests, topicsFor, type BybitCategory } from './topics.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

/** Spot rejects more than 10 args per request (`"args size >10"`); linear has no per-request limit, keep frames small. */
const MAX_ARGS: Record<BybitCategory, number> = { spot: 10, linear: 50 };

export function createBybitAdapter(category: BybitCategory): ExchangeAdapter {
  const args = (streams: readonly StreamRef[], depth: number): string[] =>
    streams.flatMap((s) => topicsFor(category, s, depth));
  return {
    id: category === 'spot' ? 'bybit' : 'bybit-linear',
    defaultEndpoints: DEFAULT_ENDPOINTS[category === 'spot' ? 'bybit' : 'bybit-linear'],
    wsUrl: (endpoints) => `${endpoints.ws.replace(/\/+$/, '')}/v5/public/${category}`,
    limits: {
      // a spot ticker costs two topics (tickers + orderbook.1); the documented cap is 21,000 chars of args
      maxStreamsPerConnection: category === 'spot' ? 100 : 200,
      controlMessagesPerSecond: 5,
    },
    ...(category === 'linear' ? { channels: [...DEFAULT_CHANNELS, 'derivative', 'liquidations'] as const } : {}),
    keepalive: {
      // Bybit recommends `{"op":"ping"}` every 20 s; the pong is a text reply parsed to `pong`
      ping: { intervalMs: 20_000, kind: 'text', message: () => '{"op":"ping"}' },
      pongTimeoutMs: 10_000,
      staleAfterMs: 30_000,
    },
    instrumentsRequest: () => ({ path: instrumentsPath(category), weight: 1 }),
    parseInstruments,
    toMarket: (symbol) => symbol.replace('/', '').toUpperCase(),
    subscribe: (streams, ctx, nextId) =>
      opRequests('subscribe', args(streams, ctx.bookDepth), MAX_ARGS[category], nextId),
    unsubscribe: (streams, ctx, nextId) =>
      opRequests('unsubscribe', args(streams, ctx.bookDepth), MAX_ARGS[category], nextId),
    parse: (frame, ctx) => parseFrame(frame, { category, bookDepth: ctx.bookDepth }),
    book: bybitBookRules,
  };
}

export const bybitAdapter = createBybitAdapter('spot');
export const bybitLinearAdapter = createBybitAdapter('linear');
