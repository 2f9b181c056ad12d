/**
 * Deribit API v2 frame parser (pure; docs/protocols/deribit.md). Every JSON number is read as its exact source text
 * (`parseKeepingNumbers`), so prices and amounts such as `5042.34` or `10700.0` stay lossless decimal strings.
 * `book` notifications are narrowed by hand (hot path; tests cross-check against `DeribitBookData` in wire.ts);
 * tickers, trades and replies go through zod.
 */
import type { Level } from '../../schema/events.js';
import type { TwCode } from '../../errors.js';
import type { AdapterContext, DerivativeFields, TickerFields, WireMessage } from '../types.js';
import { parseKeepingNumbers, plainDecimal } from '../kraken/raw-json.js';
import { fieldsFrom, isObj as isRecord, msTextToMicros as micros } from '../wire-read.js';
import { DeribitError, DeribitTickerData, DeribitTradeData } from './wire.js';

type DeribitTickerData = ReturnType<typeof DeribitTickerData.parse>;

/** The client's answer to a `test_request` heartbeat (docs/protocols/deribit.md#keepalive). Id 0: never a subscribe. */
export const PUBLIC_TEST = '{"jsonrpc":"2.0","id":0,"method":"public/test","params":{}}';

/** Deribit error codes that mean "no such instrument" (docs/protocols/deribit.md#errors). */
const UNKNOWN_INSTRUMENT = new Set(['10020']);

function intOf(v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

/** `[["new"|"change"|"delete", price, amount], …]` → levels; a delete is size `"0"`. Undefined when malformed. */
function entries(rows: unknown): Level[] | undefined {
  if (!Array.isArray(rows)) return undefined;
  const out = new Array<Level>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row) || row.length !== 3) return undefined;
    const [action, px, amt] = row as unknown[];
    if (typeof px !== 'string' || typeof amt !== 'string') return undefined;
    if (action === 'delete') out[i] = [plainDecimal(px), '0'];
    else if (action === 'new' || action === 'change') out[i] = [plainDecimal(px), plainDecimal(amt)];
    else return undefined;
  }
  return out;
}

function parseBook(channelMarket: string, data: unknown, out: WireMessage[]): void {
  const bad = (reason: string): void => void out.push({ kind: 'malformed', reason, channel: 'book', market: channelMarket });
  if (!isRecord(data)) return bad(`book notification of ${channelMarket} without data`);
  const bids = entries(data.bids);
  const asks = entries(data.asks);
  const changeId = intOf(data.change_id);
  const prev = intOf(data.prev_change_id);
  if (bids === undefined || asks === undefined) return bad(`book levels of ${channelMarket} do not match the wire schema`);
  if (changeId === undefined || changeId === null || prev === null) return bad(`change ids of ${channelMarket} are not integers`);
  if (data.type !== 'snapshot' && data.type !== 'change') return bad(`book notification of ${channelMarket} without snapshot/change type`);
  if (data.type === 'change' && prev === undefined) return bad(`book change of ${channelMarket} without prev_change_id`);
  const msg: WireMessage = { kind: 'book', market: channelMarket, action: data.type === 'snapshot' ? 'snapshot' : 'delta', bids, asks, updateId: changeId };
  if (prev !== undefined) msg.prevUpdateId = prev;
  const t = micros(data.timestamp);
  if (t !== undefined) msg.exchangeTime = t;
  out.push(msg);
}

/** Ticker field → unified field: best bid/ask, last, 24 h high/low and volume (in the base currency; USD is `volume_usd`). */
const TICKER_FIELDS: ReadonlyArray<readonly [string, keyof Omit<TickerFields, 'updateId'>]> = [
  ['best_bid_price', 'bidPrice'],
  ['best_bid_amount', 'bidSize'],
  ['best_ask_price', 'askPrice'],
  ['best_ask_amount', 'askSize'],
  ['last_price', 'last'],
  ['stats.high', 'high24h'],
  ['stats.low', 'low24h'],
  ['stats.volume', 'volume24h'],
];

const DERIVATIVE_FIELDS: ReadonlyArray<readonly [string, 'markPrice' | 'indexPrice' | 'fundingRate' | 'openInterest']> = [
  ['mark_price', 'markPrice'],
  ['index_price', 'indexPrice'],
  ['current_funding', 'fundingRate'],
  ['open_interest', 'openInterest'],
];

/**
 * Unit of `open_interest` (docs/protocols/deribit.md#derivative-and-liquidations): the instrument's amount unit — USD
 * on perpetuals and inverse futures, the coin on options and linear (`_USDC`) ones. From the instrument list when
 * known, else from the name.
 */
function openInterestUnit(market: string, ctx: Pick<AdapterContext, 'instruments'> | undefined): 'usd' | 'base' {
  const unit = ctx?.instruments.get(market)?.sizeUnit;
  if (unit !== undefined) return unit === 'USD' ? 'usd' : 'base';
  const option = /-[CP]$/.test(market);
  return market.includes('_') || option ? 'base' : 'usd';
}

/** The ticker's derivative fields: mark, index, funding (perpetuals), open interest; none → no message. */
function derivativeOf(t: DeribitTickerData, exchangeTime: number | undefined, ctx: Pick<AdapterContext, 'instruments'> | undefined): WireMessage | undefined {
  // current_funding is the funding rate now (funding_8h, the funding of the last 8 hours, is not carried)
  const f: DerivativeFields = fieldsFrom(t, DERIVATIVE_FIELDS, plainDecimal);
  if (f.openInterest !== undefined) f.openInterestUnit = openInterestUnit(t.instrument_name, ctx);
  if (Object.keys(f).length === 0) return undefined;
  const msg: WireMessage = { kind: 'derivative', market: t.instrument_name, fields: f };
  if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
  return msg;
}

function parseTicker(data: unknown, out: WireMessage[], ctx: Pick<AdapterContext, 'instruments'> | undefined): void {
  const r = DeribitTickerData.safeParse(data);
  if (!r.success) return void out.push({ kind: 'malformed', reason: 'ticker data does not match the wire schema' });
  const t = r.data;
  const fields: TickerFields = fieldsFrom(t, TICKER_FIELDS, plainDecimal);
  const msg: WireMessage = { kind: 'ticker', market: t.instrument_name, fields };
  const ts = micros(t.timestamp);
  if (ts !== undefined) msg.exchangeTime = ts;
  out.push(msg);
  const d = derivativeOf(t, ts, ctx);
  if (d !== undefined) out.push(d);
}

/**
 * Deribit has no public liquidation stream: a trade with `liquidation` is one (docs/protocols/deribit.md): `T` — the
 * taker's order was the liquidation, on the trade's `direction`; `M` — the maker's, on the other side; `MT` — both.
 */
function liquidationsOf(market: string, price: string, size: string, taker: 'buy' | 'sell', who: 'M' | 'T' | 'MT', exchangeTime: number | undefined, out: WireMessage[]): void {
  const maker: 'buy' | 'sell' = taker === 'buy' ? 'sell' : 'buy';
  const sides: Array<'buy' | 'sell'> = who === 'T' ? [taker] : who === 'M' ? [maker] : [taker, maker];
  for (const side of sides) {
    const msg: WireMessage = { kind: 'liquidation', market, side, price, size };
    if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
    out.push(msg);
  }
}

function parseTrades(data: unknown, out: WireMessage[]): void {
  if (!Array.isArray(data)) return void out.push({ kind: 'malformed', reason: 'trades data is not a list' });
  for (const d of data) {
    const r = DeribitTradeData.safeParse(d);
    if (!r.success) {
      out.push({ kind: 'malformed', reason: 'trade does not match the wire schema' });
      continue;
    }
    const t = r.data;
    const msg: WireMessage = {
      kind: 'trade',
      market: t.instrument_name,
      tradeId: t.trade_id,
      price: plainDecimal(t.price),
      size: plainDecimal(t.amount),
      side: t.direction,
    };
    const ts = micros(t.timestamp);
    if (ts !== undefined) msg.exchangeTime = ts;
    out.push(msg);
    if (t.liquidation !== undefined) liquidationsOf(msg.market, msg.price, msg.size, msg.side, t.liquidation, ts, out);
  }
}

/**
 * `book.BTC-PERPETUAL.100ms` → { kind: 'book', market: 'BTC-PERPETUAL' } (instrument names hold no dot). Other
 * shapes — the grouped book `book.{instrument}.{group}.{depth}.{interval}`, `trades.{kind}.{currency}.{interval}` —
 * keep their whole name as `kind` (books of those are not tickwire's; trades name their instrument in the data).
 */
function splitChannel(channel: string): { kind: string; market: string } {
  const parts = channel.split('.');
  if (parts.length === 3) return { kind: parts[0]!, market: parts[1]! };
  return { kind: parts[0] === 'trades' ? 'trades' : channel, market: '' };
}

function parseReply(obj: Record<string, unknown>, id: string | number | undefined): WireMessage[] {
  if (obj.error !== undefined) {
    const e = DeribitError.safeParse(obj.error);
    if (!e.success) return [{ kind: 'malformed', reason: 'error reply does not match the wire schema' }];
    const code: TwCode = UNKNOWN_INSTRUMENT.has(e.data.code) ? 'TW_ERR_UNKNOWN_SYMBOL' : 'TW_ERR_EXCHANGE_ERROR';
    const err: WireMessage = { kind: 'error', code, message: `Deribit error ${e.data.code}: ${e.data.message}` };
    if (id !== undefined) err.id = id;
    return [err];
  }
  // public/subscribe answers with the channels it subscribed: an unknown instrument's channels are left out (`[]`).
  // tickwire sends one instrument per request, so an empty list is that instrument refused.
  if (Array.isArray(obj.result) && obj.result.length === 0) {
    const err: WireMessage = { kind: 'error', code: 'TW_ERR_UNKNOWN_SYMBOL', message: 'Deribit subscribed no channel (unknown or inactive instrument)' };
    if (id !== undefined) err.id = id;
    return [err];
  }
  const ack: WireMessage = { kind: 'ack' };
  if (id !== undefined) ack.id = id;
  return [ack];
}

/** Parse one Deribit text frame. Throws only when the frame is not valid JSON. */
export function parseDeribitFrame(frame: string, ctx?: Pick<AdapterContext, 'instruments'>): WireMessage[] {
  const obj = parseKeepingNumbers(frame);
  if (!isRecord(obj)) return [{ kind: 'unknown', reason: 'frame is not a JSON object' }];
  const params = obj.params;
  if (obj.method === 'subscription') {
    if (!isRecord(params) || typeof params.channel !== 'string') return [{ kind: 'malformed', reason: 'notification without params.channel' }];
    const ch = splitChannel(params.channel);
    const out: WireMessage[] = [];
    if (ch.kind === 'book') parseBook(ch.market, params.data, out);
    else if (ch.kind === 'ticker') parseTicker(params.data, out, ctx);
    else if (ch.kind === 'trades') parseTrades(params.data, out);
    else out.push({ kind: 'unknown', reason: `Deribit channel ${params.channel}` });
    return out;
  }
  if (obj.method === 'heartbeat') {
    // `test_request`: Deribit closes the connection unless the client calls public/test (docs/protocols/deribit.md#keepalive)
    return isRecord(params) && params.type === 'test_request' ? [{ kind: 'heartbeat', reply: PUBLIC_TEST }] : [{ kind: 'heartbeat' }];
  }
  if ('result' in obj || 'error' in obj) {
    const rawId = obj.id;
    const id = typeof rawId === 'string' ? (/^\d+$/.test(rawId) ? Number(rawId) : rawId) : undefined;
    return parseReply(obj, id);
  }
  return [{ kind: 'unknown', reason: `Deribit message ${typeof obj.method === 'string' ? obj.method : 'without method'}` }];
}
