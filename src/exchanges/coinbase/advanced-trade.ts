/**
 * Coinbase Advanced Trade market data (`coinbase`), docs/protocols/coinbase.md#advanced-trade.
 *
 * - One channel per subscribe message; `heartbeats` is always subscribed (channels close after 60–90 s without it)
 *   and keeps the stale watchdog fed (1/s).
 * - `level2` arrives as `l2_data` (`snapshot` then `update`, ask side `"offer"`; `"ask"` accepted too).
 * - Every frame's `sequence_num` counts per connection across all channels: `parse` emits it as a
 *   `{kind: 'sequence'}` message BEFORE the frame's content, so the pipeline can see a gap before applying data.
 *   A frame that does not parse emits no `sequence`, so the next frame shows the loss as a gap.
 * - Books have no per-book id: the connection's `sequence_num` chain is checked (a gap resyncs every level2 book of
 *   the connection; resync = resubscribe level2), but it stays contiguous when Coinbase stops a channel (60–90 s
 *   without heartbeats, or a shorter interruption), so it proves no book complete: integrity `monotonic`,
 *   `chainScope: 'connection'`, and the pipeline resyncs a book whose data pauses (`bookPauseMs`) or goes silent.
 * - REST `product_book` has no id: cross-check only, by top-N comparison (`reconcileBy: 'top-n'`).
 */
import { decimalFact, withFacts } from '../instrument-facts.js';
import type { Level } from '../../schema/events.js';
import type {
  AdapterContext,
  BookRules,
  ExchangeAdapter,
  Instrument,
  RestSnapshot,
  StreamRef,
  WireMessage,
} from '../types.js';
import type { DefaultChannel } from '../../schema/events.js';
import { createJwtSigner, type AdvancedTradeCredentials } from './auth.js';
import { chunk, decimalsOf, errorMessage, isoToMicros, marketsByChannel, toCoinbaseMarket } from './common.js';
import {
  AtError,
  AtProductBook,
  AtProducts,
  AtSubscriptionsEvent,
  AtTickerEvent,
  AtTradesEvent,
} from './wire.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

const CHANNEL_NAME: Record<DefaultChannel, string> = { book: 'level2', ticker: 'ticker', trades: 'market_trades' };
/** Product ids per subscribe message (no documented cap; keeps frames small). */
const PRODUCTS_PER_MESSAGE = 100;

export interface AdvancedTradeOptions {
  /** Sign a fresh JWT into every subscribe message (optional; market data needs none). */
  credentials?: AdvancedTradeCredentials;
  /** Epoch ms for JWT times (injected so tests are deterministic). */
  now?: () => number;
  /** JWT nonce source (tests). */
  nonce?: () => string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Hand-narrowed `l2_data` events (hot path; cross-checked against `AtL2Event` in tests). Null = malformed. */
function parseL2Events(events: unknown[], exchangeTime: number | undefined): WireMessage[] | null {
  const out: WireMessage[] = [];
  for (const ev of events) {
    if (!isRecord(ev)) return null;
    const type = ev['type'];
    const market = ev['product_id'];
    const updates = ev['updates'];
    if ((type !== 'snapshot' && type !== 'update') || typeof market !== 'string' || !Array.isArray(updates)) return null;
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (const u of updates) {
      if (!isRecord(u)) return null;
      const side = u['side'];
      const price = u['price_level'];
      const qty = u['new_quantity'];
      if (typeof price !== 'string' || typeof qty !== 'string') return null;
      if (side === 'bid') bids.push([price, qty]);
      else if (side === 'offer' || side === 'ask') asks.push([price, qty]);
      else return null;
    }
    const msg: WireMessage = { kind: 'book', market, action: type === 'snapshot' ? 'snapshot' : 'delta', bids, asks };
    if (exchangeTime !== undefined) msg.exchangeTime = exchangeTime;
    out.push(msg);
  }
  return out;
}

function parseTickers(events: unknown[]): WireMessage[] | null {
  const out: WireMessage[] = [];
  for (const ev of events) {
    const p = AtTickerEvent.safeParse(ev);
    if (!p.success) return null;
    for (const t of p.data.tickers) {
      const fields: Extract<WireMessage, { kind: 'ticker' }>['fields'] = {};
      if (t.best_bid !== undefined) fields.bidPrice = t.best_bid;
      if (t.best_bid_quantity !== undefined) fields.bidSize = t.best_bid_quantity;
      if (t.best_ask !== undefined) fields.askPrice = t.best_ask;
      if (t.best_ask_quantity !== undefined) fields.askSize = t.best_ask_quantity;
      if (t.price !== undefined) fields.last = t.price;
      if (t.high_24_h !== undefined) fields.high24h = t.high_24_h;
      if (t.low_24_h !== undefined) fields.low24h = t.low_24_h;
      if (t.volume_24_h !== undefined) fields.volume24h = t.volume_24_h;
      out.push({ kind: 'ticker', market: t.product_id, fields });
    }
  }
  return out;
}

/** Numeric-string compare for trade ids (no floats). */
function compareIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

function parseTrades(events: unknown[]): WireMessage[] | null {
  const out: WireMessage[] = [];
  for (const ev of events) {
    const p = AtTradesEvent.safeParse(ev);
    if (!p.success) return null;
    // the snapshot replays recent history on subscribe: not live trades
    if (p.data.type === 'snapshot') continue;
    let trades = p.data.trades;
    // batches list the newest first: emit in trade order
    if (trades.length > 1 && compareIds(trades[0]!.trade_id, trades[trades.length - 1]!.trade_id) > 0) {
      trades = [...trades].reverse();
    }
    for (const t of trades) {
      const msg: WireMessage = {
        kind: 'trade',
        market: t.product_id,
        tradeId: t.trade_id,
        price: t.price,
        size: t.size,
        side: t.side === 'BUY' ? 'sell' : 'buy', // `side` is the maker's
      };
      const time = isoToMicros(t.time);
      if (time !== undefined) msg.exchangeTime = time;
      out.push(msg);
    }
  }
  return out;
}

/** Parse one Advanced Trade frame. */
export function parseAdvancedTrade(frame: string): WireMessage[] {
  const v: unknown = JSON.parse(frame);
  if (!isRecord(v)) return [{ kind: 'unknown', reason: 'frame is not an object' }];
  if (v['type'] === 'error') {
    const e = AtError.safeParse(v);
    return [e.success ? errorMessage(e.data.message, e.data.reason) : errorMessage('error', undefined)];
  }
  const channel = v['channel'];
  const seq = v['sequence_num'];
  const events = v['events'];
  if (typeof channel !== 'string' || typeof seq !== 'number' || !Array.isArray(events)) {
    return [{ kind: 'unknown', reason: 'not an Advanced Trade envelope' }];
  }
  let content: WireMessage[] | null;
  switch (channel) {
    case 'l2_data':
      content = parseL2Events(events, isoToMicros(typeof v['timestamp'] === 'string' ? v['timestamp'] : undefined));
      break;
    case 'ticker':
    case 'ticker_batch':
      content = parseTickers(events);
      break;
    case 'market_trades':
      content = parseTrades(events);
      break;
    case 'heartbeats':
      content = [{ kind: 'heartbeat' }];
      break;
    case 'subscriptions':
      content = events.every((e) => AtSubscriptionsEvent.safeParse(e).success) ? [{ kind: 'ack' }] : null;
      break;
    default:
      content = [{ kind: 'unknown', reason: `channel ${channel}` }];
  }
  // a frame whose content is lost emits no sequence: the next frame then shows the loss as a gap
  if (content === null) return [{ kind: 'malformed', reason: `${channel} frame does not match the wire schema` }];
  return [{ kind: 'sequence', value: seq }, ...content];
}

/** Public REST book → RestSnapshot (no id: `updateId` 0, compare by top-N). */
export function parseProductBook(body: string): RestSnapshot {
  const p = AtProductBook.parse(JSON.parse(body));
  const snap: RestSnapshot = {
    updateId: 0,
    bids: p.pricebook.bids.map((l): Level => [l.price, l.size]),
    asks: p.pricebook.asks.map((l): Level => [l.price, l.size]),
  };
  const time = isoToMicros(p.pricebook.time);
  if (time !== undefined) snap.exchangeTime = time;
  return snap;
}

export const advancedTradeBookRules: BookRules = {
  // not `chained`: sequence_num proves no frame of the connection was lost, not that this book's stream is complete
  // (Coinbase may stop and resume a channel with the sequence still contiguous): nothing per book is chained
  integrity: 'monotonic',
  // the chain is the connection's sequence_num: channels closed by Coinbase (60–90 s without heartbeats) leave it
  // contiguous, so a silent book cannot be proven current
  chainScope: 'connection',
  snapshot: 'inband',
  resync: 'resubscribe',
  reconcileBy: 'top-n',
  snapshotRequest: (market, depth) => ({
    path: `/api/v3/brokerage/market/product_book?product_id=${encodeURIComponent(market)}&limit=${depth}`,
    weight: 1,
  }),
  parseSnapshot: parseProductBook,
  // no per-book id: every message applies; loss is detected on the connection's sequence_num
  first: () => 'apply',
  next: () => 'apply',
};

export function parseAdvancedTradeProducts(body: string): Instrument[] {
  const p = AtProducts.parse(JSON.parse(body));
  const out: Instrument[] = [];
  for (const x of p.products) {
    if (x.product_type !== undefined && x.product_type !== 'SPOT') continue;
    const dash = x.product_id.indexOf('-');
    const base = x.base_currency_id ?? x.product_id.slice(0, dash);
    const quote = x.quote_currency_id ?? x.product_id.slice(dash + 1);
    const inst: Instrument = {
      market: x.product_id,
      symbol: `${base}/${quote}`,
      base,
      quote,
      trading: (x.status === undefined || x.status === 'online') && x.trading_disabled !== true && x.is_disabled !== true,
    };
    const pp = decimalsOf(x.quote_increment);
    const qp = decimalsOf(x.base_increment);
    if (pp !== undefined) inst.pricePrecision = pp;
    if (qp !== undefined) inst.qtyPrecision = qp;
    withFacts(inst, {
      status: x.status,
      kind: 'spot',
      tickSize: decimalFact(x.quote_increment),
      lotSize: decimalFact(x.base_increment),
      minSize: decimalFact(x.base_min_size),
      minNotional: decimalFact(x.quote_min_size),
    });
    out.push(inst);
  }
  return out;
}

function controlMessages(
  type: 'subscribe' | 'unsubscribe',
  streams: readonly StreamRef[],
  jwt: (() => string) | undefined,
  withHeartbeats: boolean,
): string[] {
  const out: string[] = [];
  const msg = (body: Record<string, unknown>): string => JSON.stringify(jwt === undefined ? body : { ...body, jwt: jwt() });
  if (withHeartbeats) out.push(msg({ type, channel: 'heartbeats' }));
  for (const [channel, markets] of marketsByChannel(streams)) {
    for (const ids of chunk(markets, PRODUCTS_PER_MESSAGE)) {
      out.push(msg({ type, product_ids: ids, channel: CHANNEL_NAME[channel as DefaultChannel] }));
    }
  }
  return out;
}

export function createAdvancedTradeAdapter(options: AdvancedTradeOptions = {}): ExchangeAdapter {
  const now = options.now ?? Date.now;
  const signer = options.credentials === undefined ? undefined : createJwtSigner(options.credentials, options.nonce);
  const jwt = signer === undefined ? undefined : () => signer(now());
  return {
    id: 'coinbase',
    defaultEndpoints: DEFAULT_ENDPOINTS.coinbase,
    wsUrl: (e) => e.ws,
    // 8 messages/s per IP unauthenticated [CB-AT-RL]
    limits: { maxStreamsPerConnection: 100, controlMessagesPerSecond: 8, hostMessagesPerSecond: 8 },
    // heartbeats arrive 1/s on every connection (always subscribed)
    keepalive: { staleAfterMs: 10_000 },
    instrumentsRequest: () => ({ path: '/api/v3/brokerage/market/products', weight: 1 }),
    parseInstruments: parseAdvancedTradeProducts,
    toMarket: toCoinbaseMarket,
    subscribe: (streams: readonly StreamRef[], _ctx: AdapterContext) =>
      streams.length === 0 ? [] : controlMessages('subscribe', streams, jwt, true),
    unsubscribe: (streams: readonly StreamRef[], _ctx: AdapterContext) =>
      controlMessages('unsubscribe', streams, jwt, false),
    parse: (frame: string) => parseAdvancedTrade(frame),
    book: advancedTradeBookRules,
  };
}

/** The keyless adapter (the registry's `coinbase`); build one with credentials via `createAdvancedTradeAdapter`. */
export const coinbaseAdapter: ExchangeAdapter = createAdvancedTradeAdapter();
