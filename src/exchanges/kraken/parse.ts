/**
 * Kraken v2 frame → WireMessage. Numbers are read as their exact source text and right-padded to the pair's
 * price/qty precision, so `0.001` (trimmed by Kraken itself) becomes `0.00100000` again and checksums match.
 * Book frames take a hand-written path (hot); the other kinds go through the zod wire schemas.
 */
import type { Channel, Level } from '../../schema/events.js';
import type { AdapterContext, Instrument, TickerFields, WireMessage } from '../types.js';
import { padDecimal, parseKeepingNumbers } from './raw-json.js';
import { CapitalError, LivenessFrame, MethodReply, StatusFrame, TickerFrame, TradeFrame } from './wire.js';

const NUMBER = /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/;

type Obj = Record<string, unknown>;
function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The instrument of `market`. The runtime keys its map by market, so the lookup is direct; a map keyed otherwise
 * (a caller's own context) is searched (no cache: an adapter keeps no module state).
 */
export function instrumentOf(ctx: AdapterContext, market: string): Instrument | undefined {
  const direct = ctx.instruments.get(market);
  if (direct !== undefined && direct.market === market) return direct;
  for (const inst of ctx.instruments.values()) if (inst.market === market) return inst;
  return undefined;
}

/** `2023-10-06T17:35:55.440295Z` → epoch microseconds (sub-millisecond digits kept). */
export function rfc3339ToMicros(ts: string | undefined): number | undefined {
  if (ts === undefined) return undefined;
  const m = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/.exec(ts);
  if (m === null) return undefined;
  const secondsMs = Date.parse(m[1]! + m[3]!);
  if (Number.isNaN(secondsMs)) return undefined;
  const frac = (m[2] ?? '').slice(0, 6).padEnd(6, '0');
  return secondsMs * 1000 + Number(frac);
}

function levels(raw: unknown, pp: number | undefined, qp: number | undefined): Level[] | undefined {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return undefined;
  const out: Level[] = new Array<Level>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const l: unknown = raw[i];
    if (!isObj(l)) return undefined;
    const p = l['price'];
    const q = l['qty'];
    if (typeof p !== 'string' || typeof q !== 'string' || !NUMBER.test(p) || !NUMBER.test(q)) return undefined;
    out[i] = [padDecimal(p, pp), padDecimal(q, qp)];
  }
  return out;
}

function parseBook(o: Obj, ctx: AdapterContext): WireMessage[] {
  const type = o['type'];
  const data = o['data'];
  if ((type !== 'snapshot' && type !== 'update') || !Array.isArray(data)) {
    return [{ kind: 'malformed', reason: 'malformed book frame', channel: 'book' }];
  }
  const out: WireMessage[] = [];
  for (const d of data as unknown[]) {
    if (!isObj(d) || typeof d['symbol'] !== 'string') {
      out.push({ kind: 'malformed', reason: 'malformed book entry', channel: 'book' });
      continue;
    }
    const market = d['symbol'];
    const inst = instrumentOf(ctx, market);
    const bids = levels(d['bids'], inst?.pricePrecision, inst?.qtyPrecision);
    const asks = levels(d['asks'], inst?.pricePrecision, inst?.qtyPrecision);
    const cs = d['checksum'];
    if (bids === undefined || asks === undefined || (cs !== undefined && (typeof cs !== 'string' || !/^\d+$/.test(cs)))) {
      out.push({ kind: 'malformed', reason: `malformed book entry for ${market}`, channel: 'book', market });
      continue;
    }
    const ts = d['timestamp'];
    const msg: Extract<WireMessage, { kind: 'book' }> = {
      kind: 'book',
      market,
      action: type === 'snapshot' ? 'snapshot' : 'delta',
      bids,
      asks,
    };
    if (typeof cs === 'string') msg.checksum = Number(cs);
    const t = rfc3339ToMicros(typeof ts === 'string' ? ts : undefined);
    if (t !== undefined) msg.exchangeTime = t;
    out.push(msg);
  }
  return out;
}

function setIf(f: TickerFields, key: keyof Omit<TickerFields, 'updateId'>, v: string | undefined, prec: number | undefined): void {
  if (v !== undefined) f[key] = padDecimal(v, prec);
}

function parseTicker(o: Obj, ctx: AdapterContext): WireMessage[] {
  const r = TickerFrame.safeParse(o);
  if (!r.success) return [{ kind: 'malformed', reason: `malformed ticker frame: ${r.error.issues[0]?.message ?? ''}` }];
  return r.data.data.map((d) => {
    const inst = instrumentOf(ctx, d.symbol);
    const pp = inst?.pricePrecision;
    const qp = inst?.qtyPrecision;
    const fields: TickerFields = {};
    setIf(fields, 'bidPrice', d.bid, pp);
    setIf(fields, 'bidSize', d.bid_qty, qp);
    setIf(fields, 'askPrice', d.ask, pp);
    setIf(fields, 'askSize', d.ask_qty, qp);
    setIf(fields, 'last', d.last, pp);
    setIf(fields, 'high24h', d.high, pp);
    setIf(fields, 'low24h', d.low, pp);
    setIf(fields, 'volume24h', d.volume, qp);
    const msg: Extract<WireMessage, { kind: 'ticker' }> = { kind: 'ticker', market: d.symbol, fields };
    const t = rfc3339ToMicros(d.timestamp);
    if (t !== undefined) msg.exchangeTime = t;
    return msg;
  });
}

function parseTrade(o: Obj, ctx: AdapterContext): WireMessage[] {
  const r = TradeFrame.safeParse(o);
  if (!r.success) return [{ kind: 'malformed', reason: `malformed trade frame: ${r.error.issues[0]?.message ?? ''}` }];
  return r.data.data.map((d) => {
    const inst = instrumentOf(ctx, d.symbol);
    const msg: Extract<WireMessage, { kind: 'trade' }> = {
      kind: 'trade',
      market: d.symbol,
      tradeId: d.trade_id,
      price: padDecimal(d.price, inst?.pricePrecision),
      size: padDecimal(d.qty, inst?.qtyPrecision),
      side: d.side,
    };
    const t = rfc3339ToMicros(d.timestamp);
    if (t !== undefined) msg.exchangeTime = t;
    return msg;
  });
}

const CHANNEL_OF: Readonly<Record<string, Channel>> = { book: 'book', ticker: 'ticker', trade: 'trades' };
const UNKNOWN_PAIR = /not supported|unknown (asset )?pair|invalid symbol|symbol not found/i;

function parseMethodReply(o: Obj): WireMessage[] {
  const r = MethodReply.safeParse(o);
  if (!r.success) return [{ kind: 'malformed', reason: 'malformed method reply' }];
  const m = r.data;
  const id = m.req_id === undefined ? undefined : Number(m.req_id);
  if (m.method === 'pong') return [{ kind: 'pong' }];
  if (m.success === true) return [id === undefined ? { kind: 'ack' } : { kind: 'ack', id }];
  const message = m.error ?? `${m.method} failed`;
  const err: Extract<WireMessage, { kind: 'error' }> = {
    kind: 'error',
    code: UNKNOWN_PAIR.test(message) ? 'TW_ERR_UNKNOWN_SYMBOL' : 'TW_ERR_EXCHANGE_ERROR',
    message,
  };
  // a failed unsubscribe (e.g. "Subscription Not Found" during a resubscribe) must not fail the stream itself:
  // neither its market nor its request id is given, so it is reported on the connection only
  if (m.method === 'unsubscribe') return [err];
  const market = m.symbol ?? m.result?.symbol;
  if (market !== undefined) err.market = market;
  const channel = m.result?.channel === undefined ? undefined : CHANNEL_OF[m.result.channel];
  if (channel !== undefined) err.channel = channel;
  if (id !== undefined) err.id = id;
  return [err];
}

/** Parse one Kraken v2 text frame. Throws only when the text is not valid JSON. */
export function parseKrakenFrame(frame: string, ctx: AdapterContext): WireMessage[] {
  const o = parseKeepingNumbers(frame);
  if (!isObj(o)) return [{ kind: 'unknown', reason: 'frame is not a JSON object' }];
  const channel = o['channel'];
  if (channel === 'book') return parseBook(o, ctx);
  if (channel === 'ticker') return parseTicker(o, ctx);
  if (channel === 'trade') return parseTrade(o, ctx);
  if (channel === 'status') {
    // `system` ∈ online | maintenance | cancel_only | post_only: anything but online announces trouble → reconnect
    const st = StatusFrame.safeParse(o);
    const system = st.success ? st.data.data[0]?.system : undefined;
    if (system !== undefined && system !== 'online') return [{ kind: 'reconnect', reason: `Kraken system status: ${system}` }];
    return [{ kind: 'heartbeat' }];
  }
  if (LivenessFrame.safeParse(o).success) return [{ kind: 'heartbeat' }];
  if (typeof o['method'] === 'string') return parseMethodReply(o);
  const cap = CapitalError.safeParse(o);
  if (cap.success) return [{ kind: 'error', code: 'TW_ERR_EXCHANGE_ERROR', message: cap.data.Error }];
  return [{ kind: 'unknown', reason: `unknown Kraken frame${typeof channel === 'string' ? ` (channel ${channel})` : ''}` }];
}
