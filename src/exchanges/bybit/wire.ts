/**
 * Bybit v5 public wire schemas (docs/protocols/bybit.md). The hot frames (orderbook, tickers, publicTrade) are parsed by
 * hand in parse.ts; these schemas are the reference the tests cross-check that hand parser against, and they
 * validate the cold frames (op replies, REST instruments) directly.
 */
import { z } from 'zod';

const Str = z.string();
/** `[price, size]` as decimal strings; size `"0"` deletes. */
const WireLevel = z.tuple([Str, Str]);

/** `orderbook.{depth}.{symbol}` push. */
export const BookFrame = z.object({
  topic: Str.regex(/^orderbook\.\d+\.[A-Z0-9_-]+$/),
  /** `snapshot` replaces the book (also re-sent by Bybit after a problem on its side); `delta` patches it. */
  type: z.enum(['snapshot', 'delta']),
  /** System time the data was generated (ms). */
  ts: z.number(),
  /** Matching-engine time of this book state (ms); correlates with trades' `T`. */
  cts: z.number().optional(),
  data: z.object({
    /** Symbol. */
    s: Str,
    /** Bids, best first. */
    b: z.array(WireLevel),
    /** Asks, best first. */
    a: z.array(WireLevel),
    /** Update id: increases; `1` after a service restart. */
    u: z.number().int(),
    /** Cross sequence, comparable across depths of one symbol. */
    seq: z.number().int().optional(),
  }),
});
export type BookFrame = z.infer<typeof BookFrame>;

/** `tickers.{symbol}` push. Linear sends a snapshot then deltas whose absent fields are unchanged; spot only snapshots. */
export const TickerFrame = z.object({
  topic: Str.regex(/^tickers\.[A-Za-z0-9_-]+$/),
  type: z.enum(['snapshot', 'delta']),
  ts: z.number(),
  /** Cross sequence. */
  cs: z.number().optional(),
  data: z
    .object({
      symbol: Str,
      lastPrice: Str.optional(),
      highPrice24h: Str.optional(),
      lowPrice24h: Str.optional(),
      /** Price 24 h ago: the 24 h open. */
      prevPrice24h: Str.optional(),
      /** 24 h volume in base coin (linear: contracts = base coin). */
      volume24h: Str.optional(),
      /** 24 h turnover in quote coin. */
      turnover24h: Str.optional(),
      /** Linear only: best bid/ask (spot tickers carry none; they come from `orderbook.1`). */
      bid1Price: Str.optional(),
      bid1Size: Str.optional(),
      ask1Price: Str.optional(),
      ask1Size: Str.optional(),
    })
    .loose(),
});
export type TickerFrame = z.infer<typeof TickerFrame>;

/** `publicTrade.{symbol}` push: one or more trades. */
export const TradeFrame = z.object({
  topic: Str.regex(/^publicTrade\.[A-Z0-9_-]+$/),
  type: z.literal('snapshot'),
  ts: z.number(),
  data: z.array(
    z
      .object({
        /** Trade time (ms). */
        T: z.number(),
        s: Str,
        /** Taker side. */
        S: z.enum(['Buy', 'Sell']),
        /** Size. */
        v: Str,
        /** Price. */
        p: Str,
        /** Trade id. */
        i: Str,
        /** Block trade. */
        BT: z.boolean().optional(),
      })
      .loose(),
  ),
});
export type TradeFrame = z.infer<typeof TradeFrame>;

/**
 * Reply to an `op` request. Spot ack: `ret_msg:"subscribe"`; linear ack: `ret_msg:""` with `req_id`. Pong:
 * `op:"ping"` with `ret_msg:"pong"` (spot/linear) or `op:"pong"` (option/spread shape).
 */
export const OpReply = z
  .object({
    op: Str,
    success: z.boolean().optional(),
    ret_msg: Str.optional(),
    conn_id: Str.optional(),
    req_id: Str.optional(),
  })
  .loose();
export type OpReply = z.infer<typeof OpReply>;

const SpotInstrument = z
  .object({
    symbol: Str,
    baseCoin: Str,
    quoteCoin: Str,
    /** `Trading`, `PreLaunch`, `Delivering`, `Closed`. */
    status: Str,
    lotSizeFilter: z
      .object({
        basePrecision: Str.optional(), // spot: size step
        qtyStep: Str.optional(), // linear: size step
        minOrderQty: Str.optional(),
        minOrderAmt: Str.optional(), // spot: minimum order value (quote)
        minNotionalValue: Str.optional(), // linear: minimum order value (quote)
      })
      .loose()
      .optional(),
    priceFilter: z.object({ tickSize: Str }).loose().optional(),
    /** Linear only: `LinearPerpetual`, `LinearFutures`. */
    contractType: Str.optional(),
    settleCoin: Str.optional(),
    /** Linear: delivery time, ms ("0" for perpetuals). */
    deliveryTime: Str.optional(),
  })
  .loose();

/** `GET /v5/market/instruments-info?category=…`. */
export const InstrumentsResponse = z.object({
  retCode: z.number(),
  retMsg: Str,
  result: z
    .object({
      category: Str.optional(),
      list: z.array(SpotInstrument),
      nextPageCursor: Str.optional(),
    })
    .loose(),
});
export type InstrumentsResponse = z.infer<typeof InstrumentsResponse>;
