/**
 * Private wire schemas of both Coinbase feeds (docs/protocols/coinbase.md). The hot frames (`l2_data`, `l2update`) are
 * narrowed by hand in the parsers; these schemas are the reference they are cross-checked against in tests, and
 * the parser for everything that is not hot.
 */
import { z } from 'zod';

const Dec = z.string();
/** Advanced Trade `heartbeat_counter` is a string in the docs and a number in some captures. */
const Counter = z.union([z.string(), z.number()]);

// ---------------------------------------------------------------- Advanced Trade (coinbase)

/** Every Advanced Trade frame. `sequence_num` counts per connection across all channels. */
export const AtEnvelope = z.object({
  channel: z.string(),
  client_id: z.string().optional(),
  timestamp: z.string().optional(),
  sequence_num: z.number().int().nonnegative(),
  events: z.array(z.unknown()),
});

/** One level change; `side` is `bid` or `offer` (`ask` also accepted); `new_quantity` absolute, "0" removes. */
export const AtL2Update = z.object({
  side: z.enum(['bid', 'offer', 'ask']),
  event_time: z.string().optional(),
  price_level: Dec,
  new_quantity: Dec,
});
export const AtL2Event = z.object({
  type: z.enum(['snapshot', 'update']),
  product_id: z.string(),
  updates: z.array(AtL2Update),
});

export const AtTicker = z.object({
  type: z.string().optional(),
  product_id: z.string(),
  price: Dec.optional(),
  volume_24_h: Dec.optional(),
  low_24_h: Dec.optional(),
  high_24_h: Dec.optional(),
  best_bid: Dec.optional(),
  /** Size at the best bid. */
  best_bid_quantity: Dec.optional(),
  best_ask: Dec.optional(),
  best_ask_quantity: Dec.optional(),
});
export const AtTickerEvent = z.object({ type: z.string(), tickers: z.array(AtTicker) });

export const AtTrade = z.object({
  trade_id: z.string(),
  product_id: z.string(),
  price: Dec,
  size: Dec,
  /** The MAKER's side (the taker is the opposite). */
  side: z.enum(['BUY', 'SELL']),
  time: z.string().optional(),
});
export const AtTradesEvent = z.object({ type: z.enum(['snapshot', 'update']), trades: z.array(AtTrade) });

export const AtHeartbeatEvent = z.object({ current_time: z.string().optional(), heartbeat_counter: Counter });

export const AtSubscriptionsEvent = z.object({ subscriptions: z.record(z.string(), z.array(z.string())) });

/** Errors have no envelope: `{"type":"error","message":"…"}`. */
export const AtError = z.object({ type: z.literal('error'), message: z.string(), reason: z.string().optional() });

/** REST `GET /api/v3/brokerage/market/product_book` (public). */
export const AtProductBook = z.object({
  pricebook: z.object({
    product_id: z.string(),
    bids: z.array(z.object({ price: Dec, size: Dec })),
    asks: z.array(z.object({ price: Dec, size: Dec })),
    time: z.string().optional(),
  }),
});

/** REST `GET /api/v3/brokerage/market/products` (public). */
export const AtProducts = z.object({
  products: z.array(
    z.object({
      product_id: z.string(),
      base_currency_id: z.string().optional(),
      quote_currency_id: z.string().optional(),
      base_display_symbol: z.string().optional(),
      quote_display_symbol: z.string().optional(),
      status: z.string().optional(),
      trading_disabled: z.boolean().optional(),
      is_disabled: z.boolean().optional(),
      quote_increment: z.string().optional(),
      base_increment: z.string().optional(),
      base_min_size: z.string().optional(),
      quote_min_size: z.string().optional(),
      product_type: z.string().optional(),
    }),
  ),
});

// ---------------------------------------------------------------- Exchange (coinbase-exchange)

/** `[price, size]` (REST level=2 adds num-orders as a third element). */
const ExLevel = z.tuple([Dec, Dec]).rest(z.unknown());

export const ExSnapshot = z.object({
  type: z.literal('snapshot'),
  product_id: z.string(),
  bids: z.array(ExLevel),
  asks: z.array(ExLevel),
});

/** `changes` = `[side buy|sell, price, new absolute size]`; no sequence, no checksum. */
export const ExL2Update = z.object({
  type: z.literal('l2update'),
  product_id: z.string(),
  changes: z.array(z.tuple([z.enum(['buy', 'sell']), Dec, Dec])),
  time: z.string().optional(),
});

export const ExTicker = z.object({
  type: z.literal('ticker'),
  /** Per-product sequence of the full channel. */
  sequence: z.number().int().optional(),
  product_id: z.string(),
  price: Dec.optional(),
  open_24h: Dec.optional(),
  volume_24h: Dec.optional(),
  low_24h: Dec.optional(),
  high_24h: Dec.optional(),
  best_bid: Dec.optional(),
  best_bid_size: Dec.optional(),
  best_ask: Dec.optional(),
  best_ask_size: Dec.optional(),
  /** Taker side of the last trade. */
  side: z.string().optional(),
  time: z.string().optional(),
  trade_id: z.number().int().optional(),
  last_size: Dec.optional(),
});

/** `match` (live) or `last_match` (the one replayed on subscribe); `side` is the MAKER's side. */
export const ExMatch = z.object({
  type: z.enum(['match', 'last_match']),
  trade_id: z.number().int(),
  sequence: z.number().int().optional(),
  product_id: z.string(),
  price: Dec,
  size: Dec,
  side: z.enum(['buy', 'sell']),
  time: z.string().optional(),
});

export const ExHeartbeat = z.object({
  type: z.literal('heartbeat'),
  sequence: z.number().int().optional(),
  last_trade_id: z.number().int().optional(),
  product_id: z.string(),
  time: z.string().optional(),
});

export const ExSubscriptions = z.object({ type: z.literal('subscriptions'), channels: z.array(z.unknown()) });

export const ExError = z.object({ type: z.literal('error'), message: z.string(), reason: z.string().optional() });

/** REST `GET /products` (the same shape the old Pro API had; COINBASE.0 in realdata). */
export const ExProducts = z.array(
  z.object({
    id: z.string(),
    base_currency: z.string(),
    quote_currency: z.string(),
    quote_increment: z.string().optional(),
    base_increment: z.string().optional(),
    base_min_size: z.string().optional(),
    min_market_funds: z.string().optional(),
    status: z.string().optional(),
    trading_disabled: z.boolean().optional(),
    cancel_only: z.boolean().optional(),
  }),
);

/** REST `GET /products/{id}/book?level=2`: top 50 aggregated levels `[price, size, num_orders]`. */
export const ExRestBook = z.object({
  bids: z.array(ExLevel),
  asks: z.array(ExLevel),
  sequence: z.number().int().optional(),
  time: z.string().optional(),
});
