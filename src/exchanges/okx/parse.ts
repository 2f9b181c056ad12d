/**
 * OKX v5 frame parser (pure). `books` pushes are narrowed by hand (hot path; tests cross-check against the zod
 * schema in wire.ts); replies, tickers and trades go through zod.
 */
import type { Channel, DefaultChannel, Level } from '../../schema/events.js';
import type { TickerFields, WireMessage } from '../types.js';
import { DERIVATIVE_CHANNEL_OF, parseOkxDerivative, swapOfIndex } from './derivatives.js';
import { OkxEventFrame, OkxTickerData, OkxTradeData } from './wire.js';
import { isObj as isRecord, msTextToMicros as micros } from '../wire-read.js';

export type OkxMarketKind = 'spot' | 'swap';

const CHANNEL_OF: Readonly<Record<string, Channel>> = {
  books: 'book',
  books5: 'book',
  'books-l2-tbt': 'book',
  'books50-l2-tbt': 'book',
  tickers: 'ticker',
  trades: 'trades',
  ...DERIVATIVE_CHANNEL_OF,
};

/** OKX channel name for a tickwire channel. */
export const OKX_CHANNEL: Readonly<Record<DefaultChannel, string>> = { book: 'books', ticker: 'tickers', trades: 'trades' };

/** OKX error code for "instrument does not exist". */
const UNKNOWN_INSTRUMENT_CODES = new Set(['60018', '51001']);

/** `[px, sz, …]` rows → `[px, sz]`; undefined when a row is not two strings at least. */
function levels(rows: unknown): Level[] | undefined {
  if (!Array.isArray(rows)) return undefined;
  const out: Level[] = new Array<Level>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const row: unknown = rows[i];
    if (!Array.isArray(row)) return undefined;
    const px: unknown = row[0];
    const sz: unknown = row[1];
    if (typeof px !== 'string' || typeof sz !== 'string') return undefined;
    out[i] = [px, sz];
  }
  return out;
}

function optInt(v: unknown): number | undefined | null {
  if (v === undefined) return undefined;
  return Number.isSafeInteger(v) ? (v as number) : null;
}

function parseBooks(market: string, action: unknown, data: unknown[], out: WireMessage[]): void {
  if (action !== 'snapshot' && action !== 'update') {
    out.push({ kind: 'malformed', reason: `books push without snapshot/update action for ${market}`, channel: 'book', market });
    return;
  }
  for (const d of data) {
    const bids = isRecord(d) ? levels(d.bids) : undefined;
    const asks = isRecord(d) ? levels(d.asks) : undefined;
    if (!isRecord(d) || bids === undefined || asks === undefined) {
      out.push({ kind: 'malformed', reason: `books data for ${market} does not match the wire schema`, channel: 'book', market });
      continue;
    }
    const seqId = optInt(d.seqId);
    const prevSeqId = optInt(d.prevSeqId);
    const checksum = optInt(d.checksum);
    if (seqId === null || prevSeqId === null || checksum === null) {
      out.push({ kind: 'malformed', reason: `seqId/prevSeqId/checksum of ${market} are not integers`, channel: 'book', market });
      continue;
    }
    const msg: WireMessage = { kind: 'book', market, action: action === 'snapshot' ? 'snapshot' : 'delta', bids, asks };
    const exchangeTime = micros(d.ts);
    if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
    if (seqId !== undefined) msg.updateId = seqId;
    if (prevSeqId !== undefined) msg.prevUpdateId = prevSeqId;
    // 0 means "absent" (OKX has sent 0 since the 2026-06-23 deprecation).
    if (checksum !== undefined && checksum !== 0) msg.checksum = checksum;
    out.push(msg);
  }
}

/** `""` → absent. */
function dec(v: string | undefined): string | undefined {
  return v === undefined || v === '' ? undefined : v;
}

function parseTickers(kind: OkxMarketKind, data: unknown[], out: WireMessage[]): void {
  for (const d of data) {
    const r = OkxTickerData.safeParse(d);
    if (!r.success) {
      out.push({ kind: 'malformed', reason: 'tickers data does not match the wire schema' });
      continue;
    }
    const t = r.data;
    const fields: TickerFields = {};
    const set = (key: keyof Omit<TickerFields, 'updateId'>, v: string | undefined): void => {
      const value = dec(v);
      if (value !== undefined) fields[key] = value;
    };
    set('bidPrice', t.bidPx);
    set('bidSize', t.bidSz);
    set('askPrice', t.askPx);
    set('askSize', t.askSz);
    set('last', t.last);
    set('lastSize', t.lastSz);
    set('open24h', t.open24h);
    set('high24h', t.high24h);
    set('low24h', t.low24h);
    if (kind === 'spot') {
      set('volume24h', t.vol24h);
      set('quoteVolume24h', t.volCcy24h);
    } else {
      // derivatives: vol24h is in contracts, volCcy24h in the base currency
      set('volume24h', t.volCcy24h);
    }
    const msg: WireMessage = { kind: 'ticker', market: t.instId, fields };
    const exchangeTime = micros(t.ts);
    if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
    out.push(msg);
  }
}

function parseTrades(data: unknown[], out: WireMessage[]): void {
  for (const d of data) {
    const r = OkxTradeData.safeParse(d);
    if (!r.success) {
      out.push({ kind: 'malformed', reason: 'trades data does not match the wire schema' });
      continue;
    }
    const t = r.data;
    const msg: WireMessage = { kind: 'trade', market: t.instId, tradeId: t.tradeId, price: t.px, size: t.sz, side: t.side };
    const exchangeTime = micros(t.ts);
    if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
    out.push(msg);
  }
}

/** Channel and instId named in an error text (`"Wrong URL or channel:tickers,instId:BTC-X doesn't exist"`, or the
 * echoed request JSON of a 60012). */
export function streamInErrorText(text: string): { channel?: string; instId?: string } {
  const plain = /channel:\s*([A-Za-z0-9-]+)\s*,\s*instId:\s*([A-Za-z0-9_.-]+)/.exec(text);
  if (plain !== null) return { channel: plain[1]!, instId: plain[2]! };
  const out: { channel?: string; instId?: string } = {};
  const ch = /"channel"\s*:\s*"([^"]+)"/.exec(text);
  const inst = /"instId"\s*:\s*"([^"]+)"/.exec(text);
  if (ch !== null) out.channel = ch[1]!;
  if (inst !== null) out.instId = inst[1]!;
  return out;
}

function parseEvent(obj: Record<string, unknown>, out: WireMessage[]): void {
  const r = OkxEventFrame.safeParse(obj);
  if (!r.success) {
    out.push({ kind: 'malformed', reason: 'event frame does not match the wire schema' });
    return;
  }
  const e = r.data;
  switch (e.event) {
    case 'channel-conn-count': // informational: how many connections carry this channel (limit 30)
      out.push({ kind: 'ack' });
      return;
    case 'subscribe':
    case 'unsubscribe': {
      const ack: WireMessage = { kind: 'ack' };
      if (e.id !== undefined) ack.id = e.id;
      out.push(ack);
      return;
    }
    case 'notice':
      out.push({ kind: 'reconnect', reason: `OKX notice ${e.code ?? ''}: ${e.msg ?? 'service upgrade'}`.trim() });
      return;
    case 'error':
    case 'channel-conn-count-error': {
      const text = e.msg ?? '';
      const named = streamInErrorText(text);
      const okxChannel = e.arg?.channel ?? e.channel ?? named.channel;
      const namedId = e.arg?.instId ?? named.instId;
      // index-tickers are subscribed by the swap's index: the error is the swap's
      const instId = okxChannel === 'index-tickers' && namedId !== undefined ? swapOfIndex(namedId) : namedId;
      const code = e.code ?? '';
      const err: WireMessage = {
        kind: 'error',
        code: UNKNOWN_INSTRUMENT_CODES.has(code) ? 'TW_ERR_UNKNOWN_SYMBOL' : 'TW_ERR_EXCHANGE_ERROR',
        message: `OKX ${e.event}${code === '' ? '' : ` ${code}`}: ${text || 'no message'}`,
      };
      if (instId !== undefined) err.market = instId;
      const channel = okxChannel === undefined ? undefined : CHANNEL_OF[okxChannel];
      if (channel !== undefined) err.channel = channel;
      if (e.id !== undefined) err.id = e.id;
      out.push(err);
      return;
    }
    default:
      out.push({ kind: 'unknown', reason: `OKX event ${e.event}` });
  }
}

/** Parse one OKX text frame. Throws only when the frame is not valid JSON (and not the literal `pong`). */
export function parseOkxFrame(frame: string, kind: OkxMarketKind): WireMessage[] {
  if (frame === 'pong') return [{ kind: 'pong' }];
  const obj: unknown = JSON.parse(frame);
  if (!isRecord(obj)) return [{ kind: 'unknown', reason: 'frame is not a JSON object' }];
  const out: WireMessage[] = [];
  if (typeof obj.event === 'string') {
    parseEvent(obj, out);
    return out;
  }
  const arg = obj.arg;
  const data = obj.data;
  if (!isRecord(arg) || typeof arg.channel !== 'string' || !Array.isArray(data)) {
    return [{ kind: 'unknown', reason: 'frame without arg.channel and data' }];
  }
  const channel = arg.channel;
  // books-l2-tbt / books50-l2-tbt (login + VIP only) share the books format and rules; tickwire subscribes `books`.
  if (channel === 'books' || channel === 'books-l2-tbt' || channel === 'books50-l2-tbt') {
    if (typeof arg.instId !== 'string') return [{ kind: 'malformed', reason: 'books push without instId', channel: 'book' }];
    parseBooks(arg.instId, obj.action, data, out);
  } else if (channel === 'tickers') parseTickers(kind, data, out);
  else if (channel === 'trades') parseTrades(data, out);
  else if (parseOkxDerivative(channel, data, out)) return out;
  else out.push({ kind: 'unknown', reason: `OKX channel ${channel}` });
  return out;
}
