/**
 * Coinbase Exchange feed (`coinbase-exchange`), docs/protocols/coinbase.md#exchange.
 *
 * - Keyless: books from `level2_batch` (50 ms batches). With credentials: `level2`, the subscribe message signed
 *   (HMAC, see auth.ts). Neither has a sequence or checksum on `l2update`: books carry `integrity: "none"`;
 *   recovery is resubscribe (a fresh in-band snapshot).
 * - `ticker` (sequence per product), `matches` (`side` = maker side; the `last_match` replayed on subscribe is
 *   history and is not emitted), and `heartbeat` per product (1/s) for the stale watchdog.
 * - Must subscribe within 5 s of connecting (the connection sends subscriptions on open).
 */
import type { DefaultChannel, Level } from '../../schema/events.js';
import type {
  BookRules,
  ExchangeAdapter,
  Instrument,
  RestSnapshot,
  StreamRef,
  TickerFields,
  WireMessage,
} from '../types.js';
import { exchangeAuthFields, type ExchangeCredentials } from './auth.js';
import { chunk, decimalsOf, errorMessage, isoToMicros, marketsByChannel, toCoinbaseMarket } from './common.js';
import { ExError, ExHeartbeat, ExMatch, ExProducts, ExRestBook, ExTicker } from './wire.js';
import { decimalFact, withFacts } from '../instrument-facts.js';
import { DEFAULT_ENDPOINTS } from '../endpoints.js';

const PRODUCTS_PER_MESSAGE = 100;

export interface ExchangeFeedOptions {
  /** With credentials `level2` is subscribed (signed); without, `level2_batch`. */
  credentials?: ExchangeCredentials;
  /** Override the book channel (`level2` needs credentials). */
  bookChannel?: 'level2' | 'level2_batch';
  /** Epoch ms for the signature timestamp (injected so tests are deterministic). */
  now?: () => number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `[[price, size, …], …]` → Level[]; null when malformed. */
function levels(v: unknown): Level[] | null {
  if (!Array.isArray(v)) return null;
  const out: Level[] = new Array<Level>(v.length);
  for (let i = 0; i < v.length; i++) {
    const l: unknown = v[i];
    if (!Array.isArray(l)) return null;
    const p: unknown = l[0];
    const s: unknown = l[1];
    if (typeof p !== 'string' || typeof s !== 'string') return null;
    out[i] = [p, s];
  }
  return out;
}

/** Hand-narrowed `l2update` (hot path; cross-checked against `ExL2Update` in tests). */
function parseL2Update(v: Record<string, unknown>): WireMessage {
  const market = v['product_id'];
  const changes = v['changes'];
  if (typeof market !== 'string' || !Array.isArray(changes)) return malformed('l2update');
  const bids: Level[] = [];
  const asks: Level[] = [];
  for (const c of changes) {
    if (!Array.isArray(c)) return malformed('l2update', market);
    const side: unknown = c[0];
    const p: unknown = c[1];
    const s: unknown = c[2];
    if (typeof p !== 'string' || typeof s !== 'string') return malformed('l2update', market);
    if (side === 'buy') bids.push([p, s]);
    else if (side === 'sell') asks.push([p, s]);
    else return malformed('l2update', market);
  }
  const msg: WireMessage = { kind: 'book', market, action: 'delta', bids, asks };
  const t = isoToMicros(typeof v['time'] === 'string' ? v['time'] : undefined);
  if (t !== undefined) msg.exchangeTime = t;
  return msg;
}

function parseSnapshotFrame(v: Record<string, unknown>): WireMessage {
  const market = v['product_id'];
  if (typeof market !== 'string') return malformed('snapshot');
  const bids = levels(v['bids']);
  const asks = levels(v['asks']);
  if (bids === null || asks === null) return malformed('snapshot', market);
  const msg: WireMessage = { kind: 'book', market, action: 'snapshot', bids, asks };
  const t = isoToMicros(typeof v['time'] === 'string' ? v['time'] : undefined);
  if (t !== undefined) msg.exchangeTime = t;
  return msg;
}

/**
 * A book frame that cannot be read. When its product is known, that book lost data: an error naming the market
 * and channel `book` (the pipeline resyncs that book); otherwise a plain malformed report.
 */
function malformed(kind: string, market?: string): WireMessage {
  if (market === undefined) return { kind: 'malformed', reason: `${kind} frame does not match the wire schema` };
  return { kind: 'error', code: 'TW_ERR_MALFORMED_FRAME', message: `malformed ${kind} frame`, market, channel: 'book' };
}

function parseTicker(v: unknown): WireMessage {
  const p = ExTicker.safeParse(v);
  if (!p.success) return { kind: 'malformed', reason: 'ticker frame does not match the wire schema' };
  const t = p.data;
  const fields: TickerFields = {};
  if (t.best_bid !== undefined) fields.bidPrice = t.best_bid;
  if (t.best_bid_size !== undefined) fields.bidSize = t.best_bid_size;
  if (t.best_ask !== undefined) fields.askPrice = t.best_ask;
  if (t.best_ask_size !== undefined) fields.askSize = t.best_ask_size;
  if (t.price !== undefined) fields.last = t.price;
  if (t.last_size !== undefined) fields.lastSize = t.last_size;
  if (t.open_24h !== undefined) fields.open24h = t.open_24h;
  if (t.high_24h !== undefined) fields.high24h = t.high_24h;
  if (t.low_24h !== undefined) fields.low24h = t.low_24h;
  if (t.volume_24h !== undefined) fields.volume24h = t.volume_24h;
  if (t.sequence !== undefined) fields.updateId = t.sequence;
  const msg: WireMessage = { kind: 'ticker', market: t.product_id, fields };
  const time = isoToMicros(t.time);
  if (time !== undefined) msg.exchangeTime = time;
  return msg;
}

function parseMatch(v: unknown): WireMessage[] {
  const p = ExMatch.safeParse(v);
  if (!p.success) return [{ kind: 'malformed', reason: 'match frame does not match the wire schema' }];
  const m = p.data;
  if (m.type === 'last_match') return []; // the last trade before subscribing, replayed: not live
  const msg: WireMessage = {
    kind: 'trade',
    market: m.product_id,
    tradeId: String(m.trade_id),
    price: m.price,
    size: m.size,
    side: m.side === 'buy' ? 'sell' : 'buy', // `side` is the maker's
  };
  const time = isoToMicros(m.time);
  if (time !== undefined) msg.exchangeTime = time;
  return [msg];
}

/** Parse one Exchange feed frame. */
export function parseExchangeFeed(frame: string): WireMessage[] {
  const v: unknown = JSON.parse(frame);
  if (!isRecord(v)) return [{ kind: 'unknown', reason: 'frame is not an object' }];
  switch (v['type']) {
    case 'l2update':
      return [parseL2Update(v)];
    case 'snapshot':
      return [parseSnapshotFrame(v)];
    case 'ticker':
      return [parseTicker(v)];
    case 'match':
    case 'last_match':
      return parseMatch(v);
    case 'heartbeat': {
      const h = ExHeartbeat.safeParse(v);
      return [h.success ? { kind: 'heartbeat', market: h.data.product_id } : { kind: 'heartbeat' }];
    }
    case 'subscriptions':
      return [{ kind: 'ack' }];
    case 'error': {
      const e = ExError.safeParse(v);
      return [e.success ? errorMessage(e.data.message, e.data.reason) : errorMessage('error', undefined)];
    }
    default:
      // "clients must ignore unknown types"
      return [{ kind: 'unknown', reason: `type ${String(v['type'])}` }];
  }
}

/**
 * REST `/products/{id}/book?level=2` (the full aggregated book) → RestSnapshot for the full-book check; its
 * `sequence` cannot be spliced into `level2_batch`, it is only the REST book's `version`.
 */
export function parseExchangeRestBook(body: string): RestSnapshot {
  const p = ExRestBook.parse(JSON.parse(body));
  const snap: RestSnapshot = {
    updateId: 0,
    bids: p.bids.map((l): Level => [l[0], l[1]]),
    asks: p.asks.map((l): Level => [l[0], l[1]]),
  };
  const time = isoToMicros(p.time);
  if (time !== undefined) snap.exchangeTime = time;
  if (p.sequence !== undefined) snap.version = p.sequence;
  return snap;
}

export const exchangeBookRules: BookRules = {
  integrity: 'none',
  snapshot: 'inband',
  resync: 'resubscribe',
  reconcileBy: 'top-n',
  snapshotRequest: (market) => ({ path: `/products/${encodeURIComponent(market)}/book?level=2`, weight: 1 }),
  parseSnapshot: parseExchangeRestBook,
  first: () => 'apply',
  next: () => 'apply',
};

export function parseExchangeProducts(body: string): Instrument[] {
  return ExProducts.parse(JSON.parse(body)).map((x) => {
    const inst: Instrument = {
      market: x.id,
      symbol: `${x.base_currency}/${x.quote_currency}`,
      base: x.base_currency,
      quote: x.quote_currency,
      trading: (x.status === undefined || x.status === 'online') && x.trading_disabled !== true && x.cancel_only !== true,
    };
    const pp = decimalsOf(x.quote_increment);
    const qp = decimalsOf(x.base_increment);
    if (pp !== undefined) inst.pricePrecision = pp;
    if (qp !== undefined) inst.qtyPrecision = qp;
    return withFacts(inst, {
      status: x.status,
      kind: 'spot',
      tickSize: decimalFact(x.quote_increment),
      lotSize: decimalFact(x.base_increment),
      minSize: decimalFact(x.base_min_size),
      minNotional: decimalFact(x.min_market_funds),
    });
  });
}

export function createExchangeFeedAdapter(options: ExchangeFeedOptions = {}): ExchangeAdapter {
  const creds = options.credentials;
  const now = options.now ?? Date.now;
  const bookChannel = options.bookChannel ?? (creds === undefined ? 'level2_batch' : 'level2');
  const names: Record<DefaultChannel, string> = { book: bookChannel, ticker: 'ticker', trades: 'matches' };

  const messages = (type: 'subscribe' | 'unsubscribe', streams: readonly StreamRef[]): string[] => {
    const out: string[] = [];
    for (const [channel, markets] of marketsByChannel(streams)) {
      for (const ids of chunk(markets, PRODUCTS_PER_MESSAGE)) {
        // heartbeats ride along on subscribe (1/s per product feeds the stale watchdog); never unsubscribed
        // here since another channel of the product may still need them
        const channels = type === 'subscribe' ? [names[channel as DefaultChannel], 'heartbeat'] : [names[channel as DefaultChannel]];
        const body: Record<string, unknown> = { type, product_ids: ids, channels };
        out.push(JSON.stringify(creds === undefined ? body : { ...body, ...exchangeAuthFields(creds, now()) }));
      }
    }
    return out;
  };

  return {
    id: 'coinbase-exchange',
    defaultEndpoints: DEFAULT_ENDPOINTS['coinbase-exchange'],
    wsUrl: (e) => e.ws,
    // 8 requests/s per IP (burst 20) [CB-EX-RL]; REST: 10 requests/s per IP on public endpoints [CB-EX-REST-RL]
    limits: { maxStreamsPerConnection: 100, controlMessagesPerSecond: 8, hostMessagesPerSecond: 8, restWeightPerMinute: 600 },
    keepalive: { staleAfterMs: 10_000 },
    instrumentsRequest: () => ({ path: '/products', weight: 1 }),
    parseInstruments: parseExchangeProducts,
    toMarket: toCoinbaseMarket,
    subscribe: (streams) => messages('subscribe', streams),
    unsubscribe: (streams) => messages('unsubscribe', streams),
    parse: (frame) => parseExchangeFeed(frame),
    book: exchangeBookRules,
  };
}

/** The keyless adapter (the registry's `coinbase-exchange`); with credentials use `createExchangeFeedAdapter`. */
export const coinbaseExchangeAdapter: ExchangeAdapter = createExchangeFeedAdapter();
