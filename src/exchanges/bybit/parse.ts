/**
 * Bybit v5 frame parser. Hot frames (orderbook, tickers, publicTrade) are narrowed by hand — the tests cross-check
 * this against the zod schemas in wire.ts; op replies go through zod.
 */
import type { DerivativeFields, TickerFields, WireMessage } from '../types.js';
import { bookDepthFor, streamOfTopic, type BybitCategory } from './topics.js';
import { OpReply } from './wire.js';
import { fieldsFrom, isObj, stringLevels as levels, type Obj } from '../wire-read.js';

const micros = (ms: unknown): number | undefined =>
  typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? Math.round(ms * 1000) : undefined;

const malformed = (what: string): WireMessage[] => [{ kind: 'malformed', reason: `malformed ${what} frame` }];

export interface ParseOptions {
  category: BybitCategory;
  /** ctx.bookDepth: decides whether spot `orderbook.1` frames are the book as well as the ticker's bid/ask. */
  bookDepth: number;
}

export function parseFrame(frame: string, opts: ParseOptions): WireMessage[] {
  const msg: unknown = JSON.parse(frame);
  if (!isObj(msg)) return [{ kind: 'unknown', reason: 'not an object' }];
  const topic = msg.topic;
  if (typeof topic === 'string') {
    if (topic.startsWith('orderbook.')) return parseBook(msg, topic, opts);
    if (topic.startsWith('tickers.')) return parseTicker(msg, opts.category);
    if (topic.startsWith('publicTrade.')) return parseTrades(msg);
    if (topic.startsWith('allLiquidation.')) return parseLiquidations(msg);
    return [{ kind: 'unknown', reason: `topic ${topic}` }];
  }
  if (typeof msg.op === 'string') return parseOpReply(msg, opts);
  return [{ kind: 'unknown', reason: 'no topic or op' }];
}

/** An orderbook frame that does not match the schema: that book lost an update (its market from the topic). */
const malformedBook = (topic: string, opts: ParseOptions): WireMessage[] => {
  const stream = streamOfTopic(opts.category, topic, opts.bookDepth);
  if (stream !== undefined && stream.channel !== 'book') return malformed('orderbook');
  return [{ kind: 'malformed', reason: 'malformed orderbook frame', channel: 'book', ...(stream ? { market: stream.market } : {}) }];
};

function parseBook(msg: Obj, topic: string, opts: ParseOptions): WireMessage[] {
  const data = msg.data;
  const type = msg.type;
  if (!isObj(data) || (type !== 'snapshot' && type !== 'delta')) return malformedBook(topic, opts);
  const market = data.s;
  const bids = levels(data.b);
  const asks = levels(data.a);
  const u = data.u;
  if (typeof market !== 'string' || bids === undefined || asks === undefined) return malformedBook(topic, opts);
  if (typeof u !== 'number' || !Number.isInteger(u)) return malformedBook(topic, opts);
  const exchangeTime = micros(msg.cts) ?? micros(msg.ts);
  // topic `orderbook.{depth}.{symbol}`
  const depth = topic.charCodeAt(10) === 49 /* 1 */ && topic.charCodeAt(11) === 46 /* . */ ? 1 : 0;
  const out: WireMessage[] = [];
  const spotBbo = depth === 1 && opts.category === 'spot';
  if (!spotBbo || bookDepthFor(opts.bookDepth) === 1) {
    const book: WireMessage = { kind: 'book', market, action: type, exchangeTime, bids, asks, updateId: u };
    if (typeof data.seq === 'number' && Number.isSafeInteger(data.seq)) book.sequence = data.seq;
    out.push(book);
  }
  if (spotBbo) {
    const fields: TickerFields = { updateId: u };
    const b = bids[0];
    const a = asks[0];
    if (b !== undefined) {
      fields.bidPrice = b[0];
      fields.bidSize = b[1];
    }
    if (a !== undefined) {
      fields.askPrice = a[0];
      fields.askSize = a[1];
    }
    out.push({ kind: 'ticker', market, exchangeTime, fields });
  }
  return out;
}

/** Bybit ticker field → unified ticker field. Absent fields stay absent (linear deltas: unchanged). */
const TICKER_FIELDS: ReadonlyArray<readonly [string, keyof Omit<TickerFields, 'updateId'>]> = [
  ['bid1Price', 'bidPrice'],
  ['bid1Size', 'bidSize'],
  ['ask1Price', 'askPrice'],
  ['ask1Size', 'askSize'],
  ['lastPrice', 'last'],
  ['prevPrice24h', 'open24h'],
  ['highPrice24h', 'high24h'],
  ['lowPrice24h', 'low24h'],
  ['volume24h', 'volume24h'],
  ['turnover24h', 'quoteVolume24h'],
];

/** Bybit linear ticker field → derivative field (docs/protocols/bybit.md#derivative-and-liquidations). */
const DERIVATIVE_FIELDS: ReadonlyArray<readonly [string, 'markPrice' | 'indexPrice' | 'fundingRate' | 'openInterest' | 'openInterestValue']> = [
  ['markPrice', 'markPrice'],
  ['indexPrice', 'indexPrice'],
  ['fundingRate', 'fundingRate'],
  ['openInterest', 'openInterest'],
  ['openInterestValue', 'openInterestValue'],
];

const DECIMAL = /^-?\d+(\.\d+)?$/;

function parseTicker(msg: Obj, category: BybitCategory): WireMessage[] {
  const data = msg.data;
  if (!isObj(data) || typeof data.symbol !== 'string') return malformed('tickers');
  const fields: TickerFields = fieldsFrom(data, TICKER_FIELDS);
  const exchangeTime = micros(msg.ts);
  const out: WireMessage[] = [{ kind: 'ticker', market: data.symbol, exchangeTime, fields }];
  if (category !== 'linear') return out;
  // the same frame's derivative fields (a delta may carry none: then no derivative message)
  const d: DerivativeFields = {};
  let any = false;
  for (const [from, to] of DERIVATIVE_FIELDS) {
    const v = data[from];
    if (typeof v !== 'string' || v === '') continue;
    if (!DECIMAL.test(v)) return malformed('tickers');
    d[to] = v;
    any = true;
  }
  // linear open interest is in the base coin ("openInterest: Open interest size")
  if (d.openInterest !== undefined) d.openInterestUnit = 'base';
  const nft = data.nextFundingTime;
  if (typeof nft === 'string' && nft !== '' && nft !== '0') {
    if (!/^\d{1,15}$/.test(nft)) return malformed('tickers');
    d.nextFundingTime = Number(nft) * 1000;
    any = true;
  }
  if (any) out.push({ kind: 'derivative', market: data.symbol, exchangeTime, fields: d });
  return out;
}

/** `allLiquidation.{symbol}`: `S` is the side of the liquidated position (Buy = a long), the order's is opposite. */
function parseLiquidations(msg: Obj): WireMessage[] {
  const data = msg.data;
  if (!Array.isArray(data)) return malformed('allLiquidation');
  const out: WireMessage[] = [];
  for (const l of data as unknown[]) {
    if (!isObj(l)) return malformed('allLiquidation');
    const { s, S, v, p, T } = l;
    if (typeof s !== 'string' || typeof v !== 'string' || typeof p !== 'string' || !DECIMAL.test(v) || !DECIMAL.test(p)) {
      return malformed('allLiquidation');
    }
    if (S !== 'Buy' && S !== 'Sell') return malformed('allLiquidation');
    out.push({ kind: 'liquidation', market: s, exchangeTime: micros(T) ?? micros(msg.ts), side: S === 'Buy' ? 'sell' : 'buy', price: p, size: v });
  }
  return out;
}

function parseTrades(msg: Obj): WireMessage[] {
  const data = msg.data;
  if (!Array.isArray(data)) return malformed('publicTrade');
  const out: WireMessage[] = [];
  for (const t of data as unknown[]) {
    if (!isObj(t)) return malformed('publicTrade');
    const { s, S, p, v, i, T } = t;
    if (typeof s !== 'string' || typeof p !== 'string' || typeof v !== 'string' || typeof i !== 'string') {
      return malformed('publicTrade');
    }
    if (S !== 'Buy' && S !== 'Sell') return malformed('publicTrade');
    out.push({
      kind: 'trade',
      market: s,
      exchangeTime: micros(T),
      tradeId: i,
      price: p,
      size: v,
      side: S === 'Buy' ? 'buy' : 'sell',
    });
  }
  return out;
}

const reqId = (id: string | undefined): string | number | undefined =>
  id === undefined || id === '' ? undefined : /^\d{1,15}$/.test(id) ? Number(id) : id;

/** Topics named in an error text: `Invalid symbol :[tickers.NOPEUSDT]`, `handler not found,topic:publicTrade.X`. */
const TOPIC_RE = /(orderbook\.\d+|tickers|publicTrade|allLiquidation)\.([A-Za-z0-9_-]+)/g;

function parseOpReply(msg: Obj, opts: ParseOptions): WireMessage[] {
  const parsed = OpReply.safeParse(msg);
  if (!parsed.success) return malformed('op reply');
  const r = parsed.data;
  if (r.op === 'pong' || (r.op === 'ping' && r.ret_msg === 'pong')) return [{ kind: 'pong' }];
  const id = reqId(r.req_id);
  if (r.success !== false) return [{ kind: 'ack', id }];
  const text = r.ret_msg ?? '';
  const message = `bybit ${r.op} failed: ${text}`;
  const code = /invalid symbol/i.test(text) ? 'TW_ERR_UNKNOWN_SYMBOL' : 'TW_ERR_EXCHANGE_ERROR';
  const out: WireMessage[] = [];
  for (const m of text.matchAll(TOPIC_RE)) {
    const stream = streamOfTopic(opts.category, `${m[1]}.${m[2]}`, opts.bookDepth);
    if (stream !== undefined) out.push({ kind: 'error', code, message, market: stream.market, channel: stream.channel, id });
  }
  if (out.length === 0) out.push({ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message, id });
  return out;
}
