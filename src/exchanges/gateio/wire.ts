/**
 * Private Gate.io spot v4 wire schemas (docs/protocols/gateio.md). The hot pushes (`spot.order_book_update`,
 * `spot.trades`, `spot.book_ticker`) are narrowed by hand in parse.ts; these schemas are the reference the tests
 * cross-check that parser against, and they validate the cold frames and the REST bodies directly.
 */
import { z } from 'zod';

const Str = z.string();
/** `[price, amount]`, decimal strings; amount `"0"` removes the level. */
const WireLevel = z.tuple([Str, Str]);

/** `spot.order_book_update` push `result`. */
export const BookUpdate = z.object({
  /** Book change time, epoch ms. */
  t: z.number().int(),
  /** Present (and true) only on a full-depth push: it replaces the local book, whose id becomes `u`. */
  full: z.literal(true).optional(),
  /** Depth level of the subscription (`"100"`, `"20"`). */
  l: Str.optional(),
  /** Ignored (`"depthUpdate"`). */
  e: Str.optional(),
  /** Deprecated seconds timestamp. */
  E: z.number().optional(),
  /** Currency pair, `BTC_USDT`. */
  s: Str,
  /** First book id since the previous push. */
  U: z.number().int(),
  /** Last book id of this push. */
  u: z.number().int(),
  /** Bids changed since the previous push, best first. */
  b: z.array(WireLevel),
  /** Asks changed since the previous push, best first. */
  a: z.array(WireLevel),
});

/** `spot.trades` push `result` (one trade; only the taker side is reported). */
export const Trade = z
  .object({
    id: z.number().int(),
    create_time: z.number(),
    /** Milliseconds with a fraction, as a string: `"1606292218213.4578"`. */
    create_time_ms: Str,
    /** Taker side. */
    side: z.enum(['buy', 'sell']),
    currency_pair: Str,
    amount: Str,
    price: Str,
  })
  .loose();

/** `spot.book_ticker` push `result`: best bid/ask, pushed every 10 ms. */
export const BookTicker = z.object({
  t: z.number().int(),
  /** Book id of this top of book. */
  u: z.number().int(),
  s: Str,
  b: Str,
  B: Str,
  a: Str,
  A: Str,
});

/** `spot.tickers` push `result` (every 1000 ms). */
export const Ticker = z
  .object({
    currency_pair: Str,
    last: Str.optional(),
    lowest_ask: Str.optional(),
    highest_bid: Str.optional(),
    change_percentage: Str.optional(),
    /** 24 h volume in the base currency. */
    base_volume: Str.optional(),
    /** 24 h volume in the quote currency. */
    quote_volume: Str.optional(),
    high_24h: Str.optional(),
    low_24h: Str.optional(),
  })
  .loose();

/** Every server frame: a push (`event: update`), a reply to a request (`subscribe`, …) or a pong. */
export const Envelope = z
  .object({
    time: z.number().optional(),
    time_ms: z.number().optional(),
    /** The request's `id`, echoed when the request had one. */
    id: z.number().optional(),
    channel: Str,
    event: Str.optional(),
    /** The request's payload, echoed on some replies. */
    payload: z.array(Str).optional(),
    /** null or absent on success. */
    error: z.object({ code: z.number(), message: Str }).nullable().optional(),
    result: z.unknown().optional(),
  })
  .loose();

/** Service-upgrade notice: the connection closes soon. */
export const SystemNotice = z.object({ type: Str, msg: Str.optional(), data: z.unknown().optional() });

/** REST `GET /api/v4/spot/order_book?…&with_id=true`. */
export const RestOrderBook = z.object({
  /** Book id; present only with `with_id=true`. */
  id: z.number().int(),
  /** Response time, epoch ms. */
  current: z.number().optional(),
  /** Last book change, epoch ms. */
  update: z.number().optional(),
  asks: z.array(WireLevel),
  bids: z.array(WireLevel),
});

/** REST error body: `{"label":"INVALID_CURRENCY_PAIR","message":"…"}`. */
export const RestError = z.object({ label: Str, message: Str.optional() });

/** REST `GET /api/v4/spot/currency_pairs`. */
export const CurrencyPairs = z.array(
  z
    .object({
      id: Str,
      base: Str,
      quote: Str,
      /** Amount decimals. */
      amount_precision: z.number().int().optional(),
      /** Price decimals. */
      precision: z.number().int().optional(),
      /** `untradable`, `buyable`, `sellable`, `tradable`. */
      trade_status: Str,
      /** Minimum order amount (base) and value (quote), decimal strings. */
      min_base_amount: Str.optional(),
      min_quote_amount: Str.optional(),
    })
    .loose(),
);
