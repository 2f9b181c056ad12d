/**
 * Binance (spot + USD-M futures) wire schemas, private to the Binance adapters. They validate the cold messages
 * (acks, errors, 24 h tickers, REST bodies) and are the oracle the hand-written hot path (parse.ts) is
 * tested against on every frame of the real captures. docs/protocols/binance.md.
 */
import { z } from 'zod';
import type { WireMessage } from '../types.js';

/** Plain decimal as Binance spells it (`"4.00000200"`): the pattern of WireDecimal. */
export const PLAIN_DECIMAL = /^\d+(\.\d+)?$/;
/** Plain decimal string as Binance sends it (`"4.00000200"`). */
export const WireDecimal = z.string().regex(PLAIN_DECIMAL);
/** A decimal that may be negative (funding rates: `"-0.00010000"`). */
const WireSignedDecimal = () => z.string().regex(/^-?\d+(\.\d+)?$/);
const Int = z.number().int();
/** `[price, quantity]`; quantity `"0…"` removes the level. */
export const WireLevel = z.tuple([WireDecimal, WireDecimal]);

export const DepthUpdate = z.object({
  e: z.literal('depthUpdate'),
  E: Int, // event time, ms
  T: Int.optional(), // futures: transaction time, ms
  s: z.string(), // market, e.g. BTCUSDT
  U: Int, // first update id in this event
  u: Int, // last (final) update id in this event
  pu: Int.optional(), // futures: `u` of the previous event of this market
  ps: z.string().optional(), // COIN-M: the pair (`BTCUSD`)
  b: z.array(WireLevel), // bids to update
  a: z.array(WireLevel), // asks to update
});

export const BookTicker = z.object({
  e: z.literal('bookTicker').optional(), // absent on spot
  u: Int, // order book update id
  s: z.string(),
  b: WireDecimal, // best bid price
  B: WireDecimal, // best bid quantity
  a: WireDecimal, // best ask price
  A: WireDecimal, // best ask quantity
  E: Int.optional(), // futures: event time, ms
  T: Int.optional(), // futures: transaction time, ms
});

export const Ticker24h = z.object({
  e: z.literal('24hrTicker'),
  E: Int, // event time, ms
  s: z.string(),
  ps: z.string().optional(), // COIN-M: the pair; there `v` counts contracts and `q` the base asset
  c: WireDecimal, // last price
  Q: WireDecimal.optional(), // last quantity
  o: WireDecimal, // open price (24 h rolling window)
  h: WireDecimal, // high
  l: WireDecimal, // low
  v: WireDecimal, // base asset volume
  q: WireDecimal, // quote asset volume
});

export const Trade = z.object({
  e: z.literal('trade'),
  E: Int, // event time, ms
  s: z.string(),
  t: Int, // trade id
  p: WireDecimal, // price
  q: WireDecimal, // quantity
  T: Int, // trade time, ms
  m: z.boolean(), // buyer is the maker (so the taker sold)
});

/** `aggTrade` (COIN-M's trade stream): one aggregated taker order at one price. */
export const AggTrade = z.object({
  e: z.literal('aggTrade'),
  E: Int, // event time, ms
  a: Int, // aggregate trade id
  s: z.string(),
  p: WireDecimal, // price
  q: WireDecimal, // quantity (COIN-M: contracts)
  f: Int.optional(), // first trade id
  l: Int.optional(), // last trade id
  T: Int, // trade time, ms
  m: z.boolean(), // buyer is the maker (so the taker sold)
});

/** `markPriceUpdate` (`<symbol>@markPrice@1s`). */
export const MarkPriceUpdate = z.object({
  e: z.literal('markPriceUpdate'),
  E: Int, // event time, ms
  s: z.string(),
  p: WireDecimal, // mark price
  i: WireDecimal.optional(), // index price
  P: z.string().optional(), // estimated settle price (not a funding rate: not used)
  r: z.union([WireSignedDecimal(), z.literal('')]).optional(), // funding rate; "" on COIN-M delivery contracts
  T: Int.optional(), // next funding time, ms; 0 on COIN-M delivery contracts
});

/** `forceOrder` (`<symbol>@forceOrder`): the latest liquidation order of the symbol within 1000 ms. */
export const ForceOrder = z.object({
  e: z.literal('forceOrder'),
  E: Int, // event time, ms
  o: z.object({
    s: z.string(),
    ps: z.string().optional(), // COIN-M: pair
    S: z.enum(['BUY', 'SELL']), // side of the liquidation order
    o: z.string().optional(), // order type
    f: z.string().optional(), // time in force
    q: WireDecimal, // original quantity (COIN-M: contracts)
    p: WireDecimal, // price
    ap: WireDecimal.optional(), // average price
    X: z.string().optional(), // order status
    l: WireDecimal.optional(), // last filled quantity
    z: WireDecimal.optional(), // accumulated filled quantity
    T: Int, // order trade time, ms
  }),
});

/** REST `/fapi/v1/openInterest` and `/dapi/v1/openInterest` (COIN-M adds `pair`, `contractType`; its figure is in contracts). */
export const OpenInterest = z.object({
  symbol: z.string(),
  openInterest: WireDecimal,
  time: Int, // ms
  pair: z.string().optional(),
  contractType: z.string().optional(),
});

export const ServerShutdown = z.object({ e: z.literal('serverShutdown'), E: Int.optional() });

/** Combined-stream wrapper. */
export const Combined = z.object({ stream: z.string(), data: z.unknown() });

const RequestId = z.union([z.number(), z.string(), z.null()]);
/** Reply to SUBSCRIBE / UNSUBSCRIBE (`result: null`) or LIST_SUBSCRIPTIONS (`result: [...]`). */
export const Ack = z.object({ result: z.union([z.null(), z.array(z.string())]), id: RequestId });
/** `{"error":{"code":2,"msg":"Invalid request: invalid stream"},"id":2}` or a bare `{"code","msg"}`. */
export const ErrorReply = z.union([
  z.object({ error: z.object({ code: z.number(), msg: z.string() }), id: RequestId.optional() }),
  z.object({ code: z.number(), msg: z.string(), id: RequestId.optional() }),
]);

/** REST `/api/v3/depth` and `/fapi/v1/depth`. */
export const RestDepth = z.object({
  lastUpdateId: Int,
  E: Int.optional(), // futures: message output time, ms
  T: Int.optional(), // futures: transaction time, ms
  bids: z.array(WireLevel),
  asks: z.array(WireLevel),
});

const Filter = z.object({
  filterType: z.string(),
  tickSize: z.string().optional(), // PRICE_FILTER
  stepSize: z.string().optional(), // LOT_SIZE
  minQty: z.string().optional(), // LOT_SIZE
  minNotional: z.string().optional(), // spot NOTIONAL / MIN_NOTIONAL
  notional: z.string().optional(), // futures MIN_NOTIONAL
});
/** REST `/api/v3/exchangeInfo` and `/fapi/v1/exchangeInfo` (the fields tickwire reads). */
export const ExchangeInfo = z.object({
  symbols: z.array(
    z.object({
      symbol: z.string(),
      status: z.string().optional(), // TRADING, BREAK, HALT, SETTLING… (COIN-M: `contractStatus`)
      contractStatus: z.string().optional(), // COIN-M: TRADING, PENDING_TRADING, DELIVERING…
      contractSize: z.number().optional(), // COIN-M: value of one contract in the quote currency (USD)
      pair: z.string().optional(), // futures: the underlying pair (`BTCUSD`)
      baseAsset: z.string(),
      quoteAsset: z.string(),
      contractType: z.string().optional(), // futures: PERPETUAL, CURRENT_QUARTER… ("" when delisted)
      deliveryDate: z.number().optional(), // futures: delivery time, ms (perpetuals: a far-future placeholder)
      marginAsset: z.string().optional(), // futures: the settlement asset
      filters: z.array(Filter).default([]),
    }),
  ),
});

const us = (ms: number): number => ms * 1000;

function error(code: number, msg: string, id: string | number | null | undefined): WireMessage {
  const m: WireMessage = { kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: `Binance error ${code}: ${msg}` };
  if (id !== undefined && id !== null) m.id = id;
  return m;
}

/** The zod-validated parse of one frame: the cold path, and the test oracle for the hot path. */
export function parseWithSchemas(frame: string): WireMessage[] {
  return [messageFromSchemas(JSON.parse(frame) as unknown)];
}

/** One parsed frame (combined or raw) → message, validated with the schemas above. */
export function messageFromSchemas(v: unknown): WireMessage {
  const combined = Combined.safeParse(v);
  if (combined.success) return dataFromSchemas(combined.data.stream, combined.data.data);
  const ack = Ack.safeParse(v);
  if (ack.success) {
    const id = ack.data.id;
    return id === null ? { kind: 'ack' } : { kind: 'ack', id };
  }
  const err = ErrorReply.safeParse(v);
  if (err.success) {
    const d = err.data;
    return 'error' in d ? error(d.error.code, d.error.msg, d.id) : error(d.code, d.msg, d.id);
  }
  return dataFromSchemas(undefined, v);
}

/** The payload of a stream (or a raw-stream frame), routed by `e`, or by stream name for the spot bookTicker. */
export function dataFromSchemas(stream: string | undefined, data: unknown): WireMessage {
  const e = eventType(data);
  switch (e) {
    case 'depthUpdate': {
      const r = DepthUpdate.safeParse(data);
      return r.success ? depthMessage(r.data) : malformed('depthUpdate', r.error.message);
    }
    case 'trade': {
      const r = Trade.safeParse(data);
      return r.success ? tradeMessage(r.data) : malformed('trade', r.error.message);
    }
    case 'bookTicker': {
      const r = BookTicker.safeParse(data);
      return r.success ? bookTickerMessage(r.data) : malformed('bookTicker', r.error.message);
    }
    case undefined:
      if (stream !== undefined && stream.endsWith('@bookTicker')) {
        const r = BookTicker.safeParse(data);
        return r.success ? bookTickerMessage(r.data) : malformed('bookTicker', r.error.message);
      }
      break;
    case '24hrTicker': {
      const r = Ticker24h.safeParse(data);
      if (!r.success) return malformed('24hrTicker', r.error.message);
      const t = r.data;
      // COIN-M (`ps` present): `v` is in contracts and `q` in the base asset, no quote volume is given
      // (docs/protocols/binance.md#coin-m-futures)
      const fields: Extract<WireMessage, { kind: 'ticker' }>['fields'] =
        t.ps === undefined
          ? { last: t.c, open24h: t.o, high24h: t.h, low24h: t.l, volume24h: t.v, quoteVolume24h: t.q }
          : { last: t.c, open24h: t.o, high24h: t.h, low24h: t.l, volume24h: t.q };
      if (t.Q !== undefined) fields.lastSize = t.Q;
      return { kind: 'ticker', market: t.s, exchangeTime: us(t.E), fields };
    }
    case 'aggTrade': {
      const r = AggTrade.safeParse(data);
      if (!r.success) return malformed('aggTrade', r.error.message);
      const t = r.data;
      return { kind: 'trade', market: t.s, exchangeTime: us(t.T), tradeId: String(t.a), price: t.p, size: t.q, side: t.m ? 'sell' : 'buy' };
    }
    case 'markPriceUpdate': {
      const r = MarkPriceUpdate.safeParse(data);
      return r.success ? markPriceMessage(r.data) : malformed('markPriceUpdate', r.error.message);
    }
    case 'forceOrder': {
      const r = ForceOrder.safeParse(data);
      if (!r.success) return malformed('forceOrder', r.error.message);
      const o = r.data.o;
      // `S` is the side of the liquidation order: SELL closes a long position, BUY a short (docs/protocols/binance.md#derivative-data)
      return { kind: 'liquidation', market: o.s, exchangeTime: us(o.T), side: o.S === 'BUY' ? 'buy' : 'sell', price: o.p, size: o.q };
    }
    case 'serverShutdown':
      return { kind: 'reconnect', reason: 'serverShutdown' };
  }
  if (stream === '!serverShutdown') return { kind: 'reconnect', reason: 'serverShutdown' };
  return unhandled(stream, e);
}

export function eventType(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const e = (data as { e?: unknown }).e;
  return typeof e === 'string' ? e : undefined;
}

export function unhandled(stream: string | undefined, e: string | undefined): WireMessage {
  return { kind: 'unknown', reason: `unhandled Binance message${e === undefined ? '' : ` e=${e}`}${stream === undefined ? '' : ` on ${stream}`}` };
}

export function malformed(what: string, why: string): WireMessage {
  return { kind: 'malformed', reason: `malformed ${what}: ${why}` };
}

/**
 * Mark price update → derivative fields. `r` is "" and `T` 0 on COIN-M delivery contracts (no funding): absent then.
 * `P` (estimated settle price) is not a predicted funding rate and is not carried.
 */
export function markPriceMessage(d: z.infer<typeof MarkPriceUpdate>): WireMessage {
  const fields: Extract<WireMessage, { kind: 'derivative' }>['fields'] = { markPrice: d.p };
  if (d.i !== undefined) fields.indexPrice = d.i;
  if (d.r !== undefined && d.r !== '') fields.fundingRate = d.r;
  if (d.T !== undefined && d.T > 0) fields.nextFundingTime = us(d.T);
  return { kind: 'derivative', market: d.s, exchangeTime: us(d.E), fields };
}

export function depthMessage(d: z.infer<typeof DepthUpdate>): WireMessage {
  const m: WireMessage = {
    kind: 'book',
    market: d.s,
    action: 'delta',
    exchangeTime: us(d.E),
    bids: d.b,
    asks: d.a,
    updateId: d.u,
    firstUpdateId: d.U,
  };
  if (d.pu !== undefined) m.prevUpdateId = d.pu;
  return m;
}

export function bookTickerMessage(t: z.infer<typeof BookTicker>): WireMessage {
  const m: WireMessage = {
    kind: 'ticker',
    market: t.s,
    fields: { bidPrice: t.b, bidSize: t.B, askPrice: t.a, askSize: t.A, updateId: t.u },
  };
  if (t.E !== undefined) m.exchangeTime = us(t.E);
  return m;
}

export function tradeMessage(t: z.infer<typeof Trade>): WireMessage {
  return {
    kind: 'trade',
    market: t.s,
    exchangeTime: us(t.T),
    tradeId: String(t.t),
    price: t.p,
    size: t.q,
    side: t.m ? 'sell' : 'buy',
  };
}
