/**
 * Private zod schemas of Kraken's v2 wire frames, read with every JSON number kept as its exact source text
 * (see raw-json.ts) — so numbers appear here as strings of digits.
 */
import { z } from 'zod';

/** A JSON number kept as its source text. */
export const RawNumber = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'number token');

export const BookLevel = z.object({ price: RawNumber, qty: RawNumber });

export const BookData = z.object({
  symbol: z.string(),
  bids: z.array(BookLevel).default([]),
  asks: z.array(BookLevel).default([]),
  /** CRC32 of the top 10 levels after applying this message (unsigned). Always sent by v2; tolerated absent. */
  checksum: RawNumber.optional(),
  /** RFC 3339; absent on snapshots. */
  timestamp: z.string().optional(),
});

export const BookFrame = z.object({
  channel: z.literal('book'),
  type: z.enum(['snapshot', 'update']),
  data: z.array(BookData),
});

export const TickerData = z.object({
  symbol: z.string(),
  bid: RawNumber.optional(),
  bid_qty: RawNumber.optional(),
  ask: RawNumber.optional(),
  ask_qty: RawNumber.optional(),
  last: RawNumber.optional(),
  /** 24 h volume, base units. */
  volume: RawNumber.optional(),
  /** 24 h volume-weighted average price. */
  vwap: RawNumber.optional(),
  low: RawNumber.optional(),
  high: RawNumber.optional(),
  /** 24 h price change (absolute) and in percent. */
  change: RawNumber.optional(),
  change_pct: RawNumber.optional(),
  timestamp: z.string().optional(),
});

export const TickerFrame = z.object({
  channel: z.literal('ticker'),
  type: z.enum(['snapshot', 'update']),
  data: z.array(TickerData),
});

export const TradeData = z.object({
  symbol: z.string(),
  /** Taker side. */
  side: z.enum(['buy', 'sell']),
  price: RawNumber,
  qty: RawNumber,
  /** `limit` | `market` of the taker order. */
  ord_type: z.string().optional(),
  trade_id: RawNumber,
  timestamp: z.string(),
});

export const TradeFrame = z.object({
  channel: z.literal('trade'),
  type: z.enum(['snapshot', 'update']),
  data: z.array(TradeData),
});

/** `{"channel":"heartbeat"}` (~1/s when nothing else is sent) and `{"channel":"status",…}` (system state). */
export const LivenessFrame = z.object({ channel: z.enum(['heartbeat', 'status']) });

/** `{"channel":"status","type":"update","data":[{"system":"online"|"maintenance"|…,"api_version":"v2",…}]}`. */
export const StatusFrame = z.object({
  channel: z.literal('status'),
  data: z.array(z.object({ system: z.string() }).loose()),
});

/** Replies to `subscribe`/`unsubscribe`/`ping`: `success:false` carries `error` and usually `symbol`. */
export const MethodReply = z.object({
  method: z.string(),
  success: z.boolean().optional(),
  error: z.string().optional(),
  symbol: z.string().optional(),
  req_id: RawNumber.optional(),
  result: z
    .object({
      channel: z.string().optional(),
      symbol: z.string().optional(),
    })
    .loose()
    .optional(),
});

/** The rate-limit notice `{"Error":"Exceeded msg rate"}`. */
export const CapitalError = z.object({ Error: z.string() });

export type BookFrame = z.infer<typeof BookFrame>;
