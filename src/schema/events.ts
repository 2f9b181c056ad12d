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
 *
 * Field meanings are `.describe()`d, so that they reach the JSON Schema (`tickwire schema`) as `description`s.
 */
import { z } from 'zod';

export const SCHEMA_VERSION = 1;

/** One id per market type, so a unified symbol never collides across spot and derivatives. */
export const EXCHANGE_IDS = [
  'binance',
  'binance-futures',
  'binance-delivery',
  'coinbase',
  'coinbase-exchange',
  'kraken',
  'okx',
  'okx-swap',
  'bybit',
  'bybit-linear',
  'deribit',
  'gateio',
] as const;
export const ExchangeId = z.enum(EXCHANGE_IDS);
export type ExchangeId = z.infer<typeof ExchangeId>;

export const CHANNELS = ['ticker', 'book', 'trades', 'derivative', 'liquidations'] as const;
/** The channels streamed when none are named: every exchange has them. */
export const DEFAULT_CHANNELS = ['ticker', 'book', 'trades'] as const;
export type DefaultChannel = (typeof DEFAULT_CHANNELS)[number];
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const Decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/, 'decimal string')
  .describe('A decimal number as a string, exactly as the exchange wrote it, e.g. "4.00000200". Never a float.');
export const Level = z
  .tuple([Decimal, Decimal])
  .describe('[price, size]; size "0" removes the level in a delta (spelled exactly "0", whatever the exchange wrote).');
export type Level = z.infer<typeof Level>;

const SizeUnit = z
  .string()
  .describe(
    'The currency sizes are counted in, where the exchange counts them in something else than one base unit per unit ' +
      '(Deribit: `USD` on perpetuals and inverse futures, the base coin on options and linear instruments), or ' +
      '`contracts` (Binance COIN-M: one contract is the instrument\'s `contractValue` of `contractValueCurrency`).',
  );

const Micros = z.number().int().nonnegative().describe('Integer epoch microseconds.');

export const Integrity = z
  .enum(['chained', 'checksum', 'monotonic', 'none'])
  .describe(
    'How far a book can be trusted: chained — every update id was checked against the previous one; checksum — the ' +
      "exchange's checksum was verified after every message (over integrityDepth levels); monotonic — message order " +
      "was checked (update ids only increase; Coinbase Advanced Trade: the connection's sequence_num, +1) but not that " +
      'every update of this book arrived; none — the feed gives nothing to check.',
  );
export type Integrity = z.infer<typeof Integrity>;

const Base = {
  exchange: ExchangeId,
  symbol: z.string().describe('Unified symbol, `BASE/QUOTE`.'),
  market: z.string().describe('The exchange\'s own instrument id (`BTCUSDT`, `BTC-USDT-SWAP`, `BTC/USD`).'),
  exchangeTime: Micros.optional().describe("The exchange's time of the event (epoch µs), when it gives one."),
  localTime: Micros.describe('When tickwire received it (epoch µs).'),
  seq: z.number().int().positive().describe('Per stream key exchange:symbol@channel: +1 per event, no holes within an epoch.'),
  epoch: z.string().describe('Changes when the stream restarts: a hole in seq within one epoch is loss, a new epoch a restart.'),
};

export const TickerEvent = z.object({
  type: z.literal('ticker'),
  ...Base,
  bidPrice: Decimal.optional(),
  bidSize: Decimal.optional(),
  askPrice: Decimal.optional(),
  askSize: Decimal.optional(),
  last: Decimal.optional().describe('Last traded price.'),
  lastSize: Decimal.optional(),
  open24h: Decimal.optional(),
  high24h: Decimal.optional(),
  low24h: Decimal.optional(),
  volume24h: Decimal.optional().describe('24 h volume in base units.'),
  quoteVolume24h: Decimal.optional().describe('24 h volume in quote units.'),
  updateId: z.number().int().optional().describe('Exchange update id of the best bid/ask, where given (Binance `u`).'),
  sizeUnit: SizeUnit.optional(),
});
export type TickerEvent = z.infer<typeof TickerEvent>;

const BookBase = {
  ...Base,
  integrity: Integrity,
  integrityDepth: z.number().int().positive().optional().describe('Depth over which `integrity: "checksum"` was verified.'),
  updateId: z.number().int().optional().describe('The exchange\'s id of the last update this book includes.'),
};

export const BookSnapshotEvent = z.object({
  type: z.literal('book_snapshot'),
  ...BookBase,
  bids: z.array(Level),
  asks: z.array(Level),
  contractValue: Decimal.optional().describe('Contract value for derivatives whose sizes are contracts (OKX swap, Binance COIN-M).'),
  sizeUnit: SizeUnit.optional(),
});
export type BookSnapshotEvent = z.infer<typeof BookSnapshotEvent>;

export const BookDeltaEvent = z.object({
  type: z.literal('book_delta'),
  ...BookBase,
  firstUpdateId: z.number().int().optional().describe('First update id covered by this message (Binance `U`).'),
  prevUpdateId: z.number().int().optional().describe('Update id this message chains from (Binance futures `pu`, OKX `prevSeqId`).'),
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
  side: z.enum(['buy', 'sell']).describe('Taker side.'),
  sizeUnit: SizeUnit.optional(),
});
export type TradeEvent = z.infer<typeof TradeEvent>;

/**
 * Derivative state of a perpetual or future: mark and index price, funding, open interest. Each exchange sends these
 * in pieces (Binance: mark price stream + open interest polled over REST; OKX: one channel each); every event
 * carries the last known value of each field, and a field the exchange does not give is absent.
 */
export const DerivativeTickerEvent = z.object({
  type: z.literal('derivative_ticker'),
  ...Base,
  markPrice: Decimal.optional(),
  indexPrice: Decimal.optional(),
  fundingRate: Decimal.optional().describe('Funding rate of the current funding period, as a fraction (0.0001 = 0.01%).'),
  nextFundingTime: Micros.optional().describe('When the current funding period settles (epoch µs).'),
  predictedFundingRate: Decimal.optional().describe('Predicted rate of the following period, where the exchange gives one.'),
  openInterest: Decimal.optional().describe('Open interest in `openInterestUnit`.'),
  openInterestUnit: z
    .enum(['contracts', 'base', 'usd'])
    .optional()
    .describe(
      'Unit of openInterest: contracts (OKX swap, Binance COIN-M: see contractValue of the instrument), base currency, or USD (Deribit perpetuals and inverse futures).',
    ),
  openInterestValue: Decimal.optional().describe(
    'Open interest valued in money, where given: in the quote/settlement currency (Bybit), in USD (OKX oiUsd).',
  ),
});
export type DerivativeTickerEvent = z.infer<typeof DerivativeTickerEvent>;

/** A forced liquidation order, as the exchange publishes it (several sample or throttle: see docs/protocols). */
export const LiquidationEvent = z.object({
  type: z.literal('liquidation'),
  ...Base,
  side: z.enum(['buy', 'sell']).describe('Side of the liquidation order: sell = a long position was liquidated, buy = a short.'),
  price: Decimal,
  size: Decimal.describe('Size in the unit of the exchange\'s order sizes (base currency; OKX swap, Binance COIN-M: contracts).'),
});
export type LiquidationEvent = z.infer<typeof LiquidationEvent>;

/**
 * A bar (candle) built from the trade stream by tickwire (`bars()` operator, `--bars`), emitted once closed.
 * Bars are aligned to multiples of the interval since the epoch, in exchange time (the trade's `exchangeTime`,
 * else its `localTime`); an interval without trades has no bar. `seq` counts in the stream key `exchange:symbol@bars`.
 */
export const TradeBarEvent = z.object({
  type: z.literal('trade_bar'),
  ...Base,
  interval: z.string().describe('The bar interval as given, e.g. "1m".'),
  start: Micros.describe('Start of the interval (epoch µs, inclusive).'),
  end: Micros.describe('End of the interval (epoch µs, exclusive): start + interval.'),
  open: Decimal,
  high: Decimal,
  low: Decimal,
  close: Decimal,
  volume: Decimal.describe('Sum of trade sizes (exact).'),
  buyVolume: Decimal.describe('Sum of sizes of trades whose taker bought (exact).'),
  sellVolume: Decimal.describe('Sum of sizes of trades whose taker sold (exact).'),
  trades: z.number().int().positive().describe('Number of trades in the bar.'),
  vwap: Decimal.describe('Σ price×size / Σ size, rounded half away from zero to 12 fraction digits, trailing zeros removed.'),
  firstTradeId: z.string(),
  lastTradeId: z.string(),
  complete: z
    .boolean()
    .describe(
      'false when trades of the interval may be missing: the stream started, had a gap (reconnect, a gap/error/no_data status, ' +
        'a seq hole) or ended inside the interval.',
    ),
  lateTrades: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Trades that arrived while this bar was open but belonged to an earlier, already emitted bar (in no bar).'),
});
export type TradeBarEvent = z.infer<typeof TradeBarEvent>;

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
  code: z.string().regex(/^TW_(OK|ERR_[A-Z0-9_]+)$/).describe('Stable code: TW_OK or TW_ERR_* (see the README table).'),
  reason: z.string().describe('For humans; may change between versions.'),
  details: z.record(z.string(), z.unknown()).optional().describe('Structured detail: close code, attempt and delay, differing levels, dropped counts…'),
  localTime: Base.localTime,
  seq: Base.seq,
  epoch: Base.epoch,
});
export type StatusEvent = z.infer<typeof StatusEvent>;
export type StatusState = StatusEvent['state'];

export const MarketEvent = z.discriminatedUnion('type', [
  TickerEvent,
  BookSnapshotEvent,
  BookDeltaEvent,
  BookTopEvent,
  TradeEvent,
  TradeBarEvent,
  DerivativeTickerEvent,
  LiquidationEvent,
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
