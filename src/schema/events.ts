/**
 * The normalized event schema: the single source of tickwire's public event types.
 *
 * Meaning, written once:
 * - Prices and sizes are decimal strings exactly as the exchange sent them (Kraken v2 numbers are taken from the
 *   raw frame text and right-padded to the instrument's precision). Never floats.
 * - Times are integer epoch **microseconds**: `exchangeTime` when the exchange gives one, `localTime` always.
 * - `seq` counts events per stream key `exchange:symbol@channel` (+1 per event, no holes within an `epoch`);
 *   `epoch` changes when the stream restarts (a new process / new `stream()` call), so a consumer can tell loss
 *   (a hole in `seq`) from a restart (a new `epoch`).
 * - A `book_snapshot` replaces the book. A `book_delta` carries one exchange message's changes as
 *   `[[price, size], …]` per side; size `"0"` removes the level.
 * - Trade `side` is the taker side.
 * - A value the exchange does not give is absent, never `NaN` or `""`.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** One id per market type, so a unified symbol never collides across spot and derivatives. */
export const EXCHANGE_IDS = [
  'binance',
  'binance-futures',
  'coinbase',
  'coinbase-exchange',
  'kraken',
  'okx',
  'okx-swap',
  'bybit',
  'bybit-linear',
] as const;
export const ExchangeId = z.enum(EXCHANGE_IDS);
export type ExchangeId = z.infer<typeof ExchangeId>;

export const CHANNELS = ['ticker', 'book', 'trades'] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

/** A decimal number as a string, e.g. `"4.00000200"`. */
export const Decimal = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'decimal string');
/** `[price, size]`; size `"0"` removes the level in a delta. */
export const Level = z.tuple([Decimal, Decimal]);
export type Level = z.infer<typeof Level>;

/** Integer epoch microseconds. */
const Micros = z.number().int().nonnegative();

/**
 * How far a book can be trusted: `chained` — every update id was checked against the previous one;
 * `checksum` — the exchange's checksum was verified after every message (over `integrityDepth` levels);
 * `monotonic` — message order was checked (update ids only increase; Coinbase Advanced Trade: the connection's
 * `sequence_num`, +1) but not that every update of this book arrived; `none` — the feed gives nothing to check.
 */
export const Integrity = z.enum(['chained', 'checksum', 'monotonic', 'none']);
export type Integrity = z.infer<typeof Integrity>;

const Base = {
  exchange: ExchangeId,
  /** Unified symbol, `BASE/QUOTE`. */
  symbol: z.string(),
  /** The exchange's own instrument id (`BTCUSDT`, `BTC-USDT-SWAP`, `BTC/USD`). */
  market: z.string(),
  exchangeTime: Micros.optional(),
  localTime: Micros,
  seq: z.number().int().positive(),
  epoch: z.string(),
};

export const TickerEvent = z.object({
  type: z.literal('ticker'),
  ...Base,
  bidPrice: Decimal.optional(),
  bidSize: Decimal.optional(),
  askPrice: Decimal.optional(),
  askSize: Decimal.optional(),
  /** Last traded price. */
  last: Decimal.optional(),
  lastSize: Decimal.optional(),
  open24h: Decimal.optional(),
  high24h: Decimal.optional(),
  low24h: Decimal.optional(),
  /** 24 h volume in base units. */
  volume24h: Decimal.optional(),
  /** 24 h volume in quote units. */
  quoteVolume24h: Decimal.optional(),
  /** Exchange update id of the best bid/ask, where given (Binance `u`). */
  updateId: z.number().int().optional(),
});
export type TickerEvent = z.infer<typeof TickerEvent>;

const BookBase = {
  ...Base,
  integrity: Integrity,
  /** Depth over which `integrity: "checksum"` was verified. */
  integrityDepth: z.number().int().positive().optional(),
  /** The exchange's id of the last update this book includes. */
  updateId: z.number().int().optional(),
};

export const BookSnapshotEvent = z.object({
  type: z.literal('book_snapshot'),
  ...BookBase,
  bids: z.array(Level),
  asks: z.array(Level),
  /** Contract value for derivatives whose sizes are contracts (OKX swap). */
  contractValue: Decimal.optional(),
});
export type BookSnapshotEvent = z.infer<typeof BookSnapshotEvent>;

export const BookDeltaEvent = z.object({
  type: z.literal('book_delta'),
  ...BookBase,
  /** First update id covered by this message (Binance `U`). */
  firstUpdateId: z.number().int().optional(),
  /** Update id this message chains from (Binance futures `pu`, OKX `prevSeqId`). */
  prevUpdateId: z.number().int().optional(),
  bids: z.array(Level),
  asks: z.array(Level),
});
export type BookDeltaEvent = z.infer<typeof BookDeltaEvent>;

/** A top-N ladder of a maintained book, emitted on an interval (server / API `top`+`every`). */
export const BookTopEvent = z.object({
  type: z.literal('book_top'),
  ...BookBase,
  depth: z.number().int().positive(),
  bids: z.array(Level),
  asks: z.array(Level),
});
export type BookTopEvent = z.infer<typeof BookTopEvent>;

export const TradeEvent = z.object({
  type: z.literal('trade'),
  ...Base,
  tradeId: z.string(),
  price: Decimal,
  size: Decimal,
  /** Taker side. */
  side: z.enum(['buy', 'sell']),
});
export type TradeEvent = z.infer<typeof TradeEvent>;

export const STATUS_STATES = [
  'connecting',
  'open',
  'closed',
  'reconnecting',
  'subscribed',
  'syncing',
  'live',
  'resyncing',
  'reconciled',
  'no_data',
  'error',
  'gap',
] as const;

/**
 * A change of state of a connection (`scope: "connection"`, no symbol) or of one stream (`scope: "stream"`).
 * `code` is stable (`TW_OK` or `TW_ERR_*`, see the README's table); `reason` is for humans.
 * A book is trustworthy only between a `live` status and the next `resyncing`/`closed`/`error` for it.
 */
export const StatusEvent = z.object({
  type: z.literal('status'),
  scope: z.enum(['connection', 'stream']),
  exchange: ExchangeId,
  symbol: z.string().optional(),
  market: z.string().optional(),
  channel: Channel.optional(),
  connectionId: z.string().optional(),
  state: z.enum(STATUS_STATES),
  code: z.string().regex(/^TW_(OK|ERR_[A-Z0-9_]+)$/),
  reason: z.string(),
  /** Structured detail: close code, attempt and delay, differing levels, dropped counts… */
  details: z.record(z.string(), z.unknown()).optional(),
  localTime: Micros,
  seq: z.number().int().positive(),
  epoch: z.string(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;
export type StatusState = StatusEvent['state'];

export const MarketEvent = z.discriminatedUnion('type', [
  TickerEvent,
  BookSnapshotEvent,
  BookDeltaEvent,
  BookTopEvent,
  TradeEvent,
  StatusEvent,
]);
export type MarketEvent = z.infer<typeof MarketEvent>;
export type BookEvent = BookSnapshotEvent | BookDeltaEvent;

/** Events before `seq`/`epoch` are stamped by the pipeline. */
type Unstamped<T> = T extends unknown ? Omit<T, 'seq' | 'epoch'> : never;
export type UnstampedEvent = Unstamped<MarketEvent>;

/** The JSON Schema of `MarketEvent`, for consumers in other languages (`tickwire schema`). */
export function marketEventJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(MarketEvent, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $id: `https://tickwire.dev/schema/market-event/v${SCHEMA_VERSION}.json`,
    title: 'tickwire MarketEvent',
    'x-tickwire-schema-version': SCHEMA_VERSION,
    ...schema,
  };
}
