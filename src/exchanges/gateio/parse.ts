/**
 * Gate.io spot v4 frame parser (docs/protocols/gateio.md). The hot pushes (`spot.order_book_update`, `spot.trades`,
 * `spot.book_ticker`) are narrowed by hand — the tests cross-check this against the zod schemas in wire.ts — and
 * everything else (tickers, replies, pongs, notices) goes through zod. Pure; throws only on invalid JSON.
 */
import type { Channel } from '../../schema/events.js';
import type { TickerFields, WireMessage } from '../types.js';

type TickerField = keyof Omit<TickerFields, 'updateId'>;
import { fieldsFrom, isInt, isObj, stringLevels as levels, type Obj } from '../wire-read.js';
import { Envelope, SystemNotice, Ticker } from './wire.js';

/** Gate channel → tickwire channel (the ticker merges `spot.tickers` with `spot.book_ticker`). */
export const CHANNEL_OF: Readonly<Record<string, Channel>> = {
  'spot.order_book_update': 'book',
  'spot.trades': 'trades',
  'spot.tickers': 'ticker',
  'spot.book_ticker': 'ticker',
};

/**
 * `"1606292218213.4578"` (ms with a fraction) → epoch µs, exactly (no float rounding): the fraction's first three
 * digits are the microseconds, the rest is dropped.
 */
export function msStringToMicros(s: string): number | undefined {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(s);
  if (m === null) return undefined;
  const micros = Number(m[1]) * 1000 + Number((m[2] ?? '').slice(0, 3).padEnd(3, '0'));
  return Number.isSafeInteger(micros) ? micros : undefined;
}

const malformed = (what: string, channel?: Channel, market?: string): WireMessage[] => [
  { kind: 'malformed', reason: `malformed ${what}`, ...(channel ? { channel } : {}), ...(market !== undefined ? { market } : {}) },
];

export function parseGateioFrame(frame: string): WireMessage[] {
  const msg: unknown = JSON.parse(frame);
  if (!isObj(msg)) return [{ kind: 'unknown', reason: 'not an object' }];
  const channel = msg.channel;
  if (typeof channel !== 'string') return parseNotice(msg);
  if (channel === 'spot.pong') return [{ kind: 'pong' }];
  const result = msg.result;
  if (msg.event === 'update' && (msg.error === undefined || msg.error === null)) {
    switch (channel) {
      case 'spot.order_book_update':
        return parseBook(result);
      case 'spot.trades':
        return parseTrade(result);
      case 'spot.book_ticker':
        return parseBookTicker(result);
      case 'spot.tickers':
        return parseTicker(result);
      default:
        return [{ kind: 'unknown', reason: `channel ${channel}` }];
    }
  }
  return parseReply(msg, channel);
}

function parseBook(r: unknown): WireMessage[] {
  if (!isObj(r)) return malformed('order_book_update push', 'book');
  const { t, s, U, u, full } = r;
  if (typeof s !== 'string') return malformed('order_book_update push', 'book');
  const bids = levels(r.b);
  const asks = levels(r.a);
  if (!isInt(t) || !isInt(U) || !isInt(u) || bids === undefined || asks === undefined || (full !== undefined && full !== true)) {
    return malformed('order_book_update push', 'book', s);
  }
  // a full-depth push replaces the book and sets its id to `u` (docs/protocols/gateio.md#book)
  if (full === true) return [{ kind: 'book', market: s, action: 'snapshot', exchangeTime: t * 1000, bids, asks, updateId: u }];
  return [{ kind: 'book', market: s, action: 'delta', exchangeTime: t * 1000, bids, asks, updateId: u, firstUpdateId: U }];
}

function parseTrade(r: unknown): WireMessage[] {
  if (!isObj(r)) return malformed('trades push');
  const { id, create_time_ms: ms, side, currency_pair: market, amount, price } = r;
  if (!isInt(id) || typeof ms !== 'string' || typeof market !== 'string' || typeof amount !== 'string' || typeof price !== 'string') {
    return malformed('trades push');
  }
  if (side !== 'buy' && side !== 'sell') return malformed('trades push');
  const exchangeTime = msStringToMicros(ms);
  if (exchangeTime === undefined) return malformed('trades push');
  return [{ kind: 'trade', market, exchangeTime, tradeId: String(id), price, size: amount, side }];
}

function parseBookTicker(r: unknown): WireMessage[] {
  if (!isObj(r)) return malformed('book_ticker push');
  const { t, u, s, b, B, a, A } = r;
  if (!isInt(t) || !isInt(u) || typeof s !== 'string') return malformed('book_ticker push');
  if (typeof b !== 'string' || typeof B !== 'string' || typeof a !== 'string' || typeof A !== 'string') return malformed('book_ticker push');
  // an empty side is sent as "" (not confirmed): leave it out rather than emit an empty price
  const fields: TickerFields = { updateId: u };
  if (b !== '') Object.assign(fields, { bidPrice: b, bidSize: B });
  if (a !== '') Object.assign(fields, { askPrice: a, askSize: A });
  return [{ kind: 'ticker', market: s, exchangeTime: t * 1000, fields }];
}

/** Ticker field → unified field. The best bid/ask come from `spot.book_ticker` only (with their sizes and id). */
const TICKER_FIELDS: ReadonlyArray<readonly [string, TickerField]> = [
  ['last', 'last'],
  ['high_24h', 'high24h'],
  ['low_24h', 'low24h'],
  ['base_volume', 'volume24h'],
  ['quote_volume', 'quoteVolume24h'],
];

function parseTicker(r: unknown): WireMessage[] {
  const parsed = Ticker.safeParse(r);
  if (!parsed.success) return malformed('tickers push');
  return [{ kind: 'ticker', market: parsed.data.currency_pair, fields: fieldsFrom(parsed.data, TICKER_FIELDS) }];
}

/** `unknown currency pair: FOO_USDT` (the wording is Gate's; the separator varies). */
const UNKNOWN_PAIR_RE = /unknown currency pair\W*([A-Za-z0-9]+_[A-Za-z0-9]+)/i;

/** A reply to a request: an ack, or an error for the streams it names. */
function parseReply(msg: Obj, channel: string): WireMessage[] {
  const parsed = Envelope.safeParse(msg);
  if (!parsed.success) return malformed(`${channel} reply`);
  const r = parsed.data;
  const id = r.id;
  if (r.error === undefined || r.error === null) {
    if (r.event === 'subscribe' || r.event === 'unsubscribe') return [{ kind: 'ack', id }];
    return [{ kind: 'unknown', reason: `${channel} ${r.event ?? 'without event'}` }];
  }
  const text = r.error.message;
  const message = `gateio ${channel} ${r.event ?? ''} error ${r.error.code}: ${text}`;
  const unknownPair = UNKNOWN_PAIR_RE.exec(text)?.[1];
  const market = unknownPair?.toUpperCase() ?? onlyPair(channel, r.payload);
  const code = unknownPair !== undefined ? 'TW_ERR_UNKNOWN_SYMBOL' : 'TW_ERR_EXCHANGE_ERROR';
  const ch = CHANNEL_OF[channel];
  const out: WireMessage = { kind: 'error', code, message };
  if (market !== undefined) out.market = market;
  if (ch !== undefined && market !== undefined) out.channel = ch;
  if (id !== undefined) out.id = id;
  return [out];
}

/** The pair an echoed payload names alone: `[cp, interval]` (order book) or a one-pair list. */
function onlyPair(channel: string, payload: readonly string[] | undefined): string | undefined {
  const first = payload?.[0];
  if (first === undefined || !/^[A-Z0-9]+_[A-Z0-9]+$/.test(first)) return undefined;
  return channel === 'spot.order_book_update' || payload!.length === 1 ? first : undefined;
}

/** Frames without `channel`: the service-upgrade notice. */
function parseNotice(msg: Obj): WireMessage[] {
  const parsed = SystemNotice.safeParse(msg);
  if (!parsed.success) return [{ kind: 'unknown', reason: 'no channel' }];
  if (parsed.data.type === 'upgrade') return [{ kind: 'reconnect', reason: `gateio: ${parsed.data.msg ?? 'service upgrade'}` }];
  return [{ kind: 'unknown', reason: `notice ${parsed.data.type}` }];
}
