/**
 * Simulated Gate.io spot v4 WebSocket (`/ws/v4/`) + REST (`/api/v4/spot/…`), docs/protocols/gateio.md.
 *
 * - Book ids are the market's change ids (Gate's book id rises by 1 per change). `spot.order_book_update`
 *   (`[pair, "100ms"|"20ms"]`) is the top-100 (top-20) window of the true book, shared by its subscribers and
 *   pushed every 100 ms (20 ms; scaled by `intervalMs` / 100) when it changed: every level that changed inside the
 *   window, with `"0"` for the levels that left it; `U` = the previous push's `u` + 1, `u` = the current change id. Gate also sends full-depth
 *   pushes (`full: true`) "at irregular intervals": here every `fullEvery`-th push (default never) or on the fault.
 * - REST `GET /api/v4/spot/order_book?currency_pair=…&limit=…&with_id=true`: the window of the pair's deepest
 *   subscribed book topic as of its last push (`id` = that push's `u`), so a snapshot splices exactly; the true book
 *   when nobody subscribed. `GET /api/v4/spot/currency_pairs`.
 * - `spot.tickers` (every `tickerMs`), `spot.book_ticker` (when the top changed), `spot.trades`; `spot.ping` →
 *   `spot.pong`; subscribe/unsubscribe replies echo `id` and `payload`; an unknown pair gets
 *   `error: {code: 2, message: "unknown currency pair: X"}` (the other pairs of the request are subscribed).
 *
 * Exchange-specific faults (one firing unless `count` is given):
 * - `gateio-error` (`symbol?`, `code?`, `message?`): the next subscribe request naming the symbol (any, without)
 *   fails with `error: {code (3), message ("Server side error happened")}`.
 * - `gateio-chain-break` (`symbol`): the next push of the symbol covering more than one id says `U = u`.
 * - `gateio-full-push` (`symbol`): the next push of the symbol is a full-depth push.
 */
import type { ExchangeId } from '../schema/events.js';
import { faultNumber, faultString, faultSymbol } from './faults.js';
import { MarketProtocol } from './market-protocol.js';
import { requestObject } from './request-json.js';
import { WindowTopics } from './window-topics.js';
import { formatFixed, subSeed } from './prng.js';
import type { RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions } from './server.js';
import type { SimSymbolSpec } from './types.js';
import { bookTickerFrame, bookUpdateFrame, pongFrame, replyFrame, tickerFrame, tradeFrame, UPGRADE_NOTICE } from './gateio-render.js';
import { splitUnified } from './symbols.js';

export interface GateioServerOptions extends SimProtocolOptions {
  /** Every n-th push of a book topic is a full-depth push. Default 0 = never (the `gateio-full-push` fault sends one). */
  fullEvery?: number;
}

const INTERVALS: Readonly<Record<string, { depth: number; ms: number }>> = { '100ms': { depth: 100, ms: 100 }, '20ms': { depth: 20, ms: 20 } };
const LIST_CHANNELS = new Set(['spot.tickers', 'spot.book_ticker', 'spot.trades']);

export const gateioProtocol = (o: GateioServerOptions): SimProtocol => new GateioProtocol({ ...o, seed: subSeed(o.seed, 'gateio') });

class GateioProtocol extends MarketProtocol {
  readonly exchange: ExchangeId = 'gateio';
  private readonly byMarket = new Map<string, SimSymbolSpec>();
  private readonly books: WindowTopics;
  private readonly lastTop = new Map<string, string>();
  /** Time scale of the pushes: `intervalMs` / 100 (1 = Gate's own 100 ms / 20 ms cadence). */
  private readonly scale: number;
  private readonly fullEvery: number;

  constructor(opts: GateioServerOptions) {
    const scale = (opts.intervalMs ?? 100) / 100;
    super(opts, {
      stepMs: Math.max(5, Math.round(20 * scale)),
      tradeMs: 250,
      tickerMs: 1000,
      oneShot: ['gateio-error', 'gateio-chain-break', 'gateio-full-push'],
      restErrors: { 500: { label: 'SERVER_ERROR', message: 'Internal server error' }, 429: { label: 'TOO_MANY_REQUESTS', message: 'Request Rate limit Exceeded' } },
    });
    this.scale = scale;
    this.fullEvery = opts.fullEvery ?? 0;
    this.books = new WindowTopics(this.market);
    this.pingIntervalMs = opts.pingIntervalMs ?? 10_000;
    for (const s of this.specs) this.byMarket.set(toMarket(s.symbol), s);
  }

  acceptUpgrade(url: URL): boolean {
    return url.pathname === '/ws/v4/' || url.pathname === '/ws/v4';
  }

  override onOpen(conn: SimConnection): void {
    conn.state.connId = `sim${conn.id.toString(16).padStart(14, '0')}`;
  }

  onMessage(conn: SimConnection, text: string): void {
    const m = requestObject(text);
    if (m === undefined) return;
    const now = Date.now();
    const channel = typeof m.channel === 'string' ? m.channel : '';
    if (channel === 'spot.ping') {
      conn.sendControl(pongFrame(now));
      return;
    }
    const id = typeof m.id === 'number' ? m.id : undefined;
    const payload = Array.isArray(m.payload) ? m.payload.filter((p): p is string => typeof p === 'string') : [];
    const event = typeof m.event === 'string' ? m.event : '';
    const reply = (error?: { code: number; message: string }): void => {
      conn.sendControl(replyFrame({ id, connId: String(conn.state.connId), channel, event, payload, now, ...(error ? { error } : {}) }));
    };
    if ((event !== 'subscribe' && event !== 'unsubscribe') || (channel !== 'spot.order_book_update' && !LIST_CHANNELS.has(channel))) {
      reply({ code: 1, message: 'Invalid request body format' });
      return;
    }
    const topics = this.topicsOf(channel, payload);
    if ('error' in topics) {
      reply(topics.error);
      return;
    }
    const server = this.server;
    if (event === 'unsubscribe') {
      for (const t of topics.ok) server.unsubscribe(conn, t);
      this.books.forgetIdle(server);
      reply();
      return;
    }
    const refused = server.faults.take('gateio-error', (f) => {
      const sym = faultSymbol(f);
      return sym === undefined || topics.ok.some((t) => this.topicSymbol(t) === sym);
    });
    if (refused !== undefined) {
      reply({ code: faultNumber(refused, 'code') ?? 3, message: faultString(refused, 'message') ?? 'Server side error happened' });
      return;
    }
    for (const t of topics.ok) {
      server.subscribe(conn, t);
      const [kind, pair = '', interval = ''] = t.split(':');
      const { depth, ms } = INTERVALS[interval] ?? { depth: 0, ms: 0 };
      if (kind === 'book') this.books.open(t, this.byMarket.get(pair)!.symbol, depth, ms * this.scale);
    }
    reply(topics.unknown === undefined ? undefined : { code: 2, message: `unknown currency pair: ${topics.unknown}` });
  }

  /** The topics a request names (`book:PAIR:interval`, `trades:PAIR`, …), the first unknown pair, or an error. */
  private topicsOf(channel: string, payload: readonly string[]): { ok: string[]; unknown?: string } | { error: { code: number; message: string } } {
    if (channel === 'spot.order_book_update') {
      const [pair = '', interval = ''] = payload;
      if (payload.length !== 2 || INTERVALS[interval] === undefined) return { error: { code: 2, message: 'Invalid argument provided' } };
      return this.byMarket.has(pair) ? { ok: [`book:${pair}:${interval}`] } : { ok: [], unknown: pair };
    }
    const kind = channel.slice('spot.'.length);
    const ok = payload.filter((p) => this.byMarket.has(p)).map((p) => `${kind}:${p}`);
    const unknown = payload.find((p) => !this.byMarket.has(p));
    return unknown === undefined ? { ok } : { ok, unknown };
  }

  topicSymbol(topic: string): string | undefined {
    return this.byMarket.get(topic.split(':')[1] ?? '')?.symbol;
  }

  // ---- market data ----

  /** One market step of `symbol`, then the pushes that are due (all of them in a burst). */
  protected step(symbol: string, force: boolean): void {
    const now = Date.now();
    this.market.step(symbol);
    const market = toMarket(symbol);
    this.books.push(this.server, symbol, now, force, (t, { b, a, U, u, book }) => {
      const every = this.fullEvery;
      const full = (every > 0 && t.pushes % every === 0) || this.server.takeFrameFault('gateio-full-push', t.topic, symbol) !== undefined;
      // a chain break: `U = u` on a push covering more than one id
      const broken = !full && u > U && this.server.takeFrameFault('gateio-chain-break', t.topic, symbol) !== undefined;
      if (full) return bookUpdateFrame({ market, depth: t.depth, U, u, b: book.bids, a: book.asks, full: true, now });
      return bookUpdateFrame({ market, depth: t.depth, U: broken ? u : U, u, b, a, full: false, now });
    });
    this.bookTicker(symbol, now);
  }

  private bookTicker(symbol: string, now: number): void {
    const market = toMarket(symbol);
    const topic = `book_ticker:${market}`;
    if (!this.server.hasSubscribers(topic)) return;
    const { bid, ask, updateId } = this.market.best(symbol);
    const key = `${bid?.join()}|${ask?.join()}`;
    if (this.lastTop.get(topic) === key) return;
    this.lastTop.set(topic, key);
    this.publishTo(topic, symbol, () => bookTickerFrame(market, updateId, bid, ask, now));
  }

  protected trade(symbol: string): void {
    const t = this.market.trade(symbol);
    const market = toMarket(symbol);
    this.publishTo(`trades:${market}`, symbol, () => tradeFrame(market, t, Date.now()));
  }

  protected ticker(symbol: string): void {
    const market = toMarket(symbol);
    this.publishTo(`tickers:${market}`, symbol, () => {
      const st = this.market.stats(symbol);
      const { bid, ask } = this.market.best(symbol);
      const fields = { last: st.last, lowest_ask: ask?.[0] ?? '', highest_bid: bid?.[0] ?? '', change_percentage: st.priceChangePercent };
      const volumes = { base_volume: st.volume, quote_volume: st.quoteVolume, high_24h: st.high, low_24h: st.low };
      return tickerFrame({ currency_pair: market, ...fields, ...volumes }, Date.now());
    });
  }

  // ---- REST ----

  handleRest(req: RestRequest): RestResponse {
    if (req.path === '/api/v4/spot/currency_pairs') return { status: 200, body: this.specs.map(currencyPair) };
    if (req.path !== '/api/v4/spot/order_book') return { status: 404, body: { label: 'NOT_FOUND', message: 'sim: unknown path' } };
    const pair = req.query.get('currency_pair') ?? '';
    const spec = this.byMarket.get(pair);
    if (spec === undefined) return { status: 400, body: { label: 'INVALID_CURRENCY_PAIR', message: `Invalid currency pair ${pair}` } };
    const limit = Math.max(1, Number(req.query.get('limit') ?? '10') || 10);
    const withId = req.query.get('with_id') === 'true';
    const deepest = this.books.deepest(this.server, spec.symbol);
    let snap: { bids: [string, string][]; asks: [string, string][]; id: number };
    if (deepest !== undefined) {
      const { b, a } = deepest.window.ladder();
      snap = { bids: b, asks: a, id: deepest.window.u };
    } else {
      const book = this.market.book(spec.symbol, limit);
      snap = { bids: book.bids, asks: book.asks, id: book.updateId };
    }
    const now = Date.now();
    const body = { current: now, update: now, asks: snap.asks.slice(0, limit), bids: snap.bids.slice(0, limit) };
    return { status: 200, body: withId ? { id: snap.id, ...body } : body };
  }

  shutdownNotice(conn: SimConnection): void {
    conn.sendControl(UPGRADE_NOTICE);
  }
}

function currencyPair(s: SimSymbolSpec): object {
  const { base, quote } = splitUnified(s.symbol);
  return {
    id: toMarket(s.symbol),
    base,
    base_name: base,
    quote,
    quote_name: quote,
    fee: '0.2',
    min_base_amount: formatFixed(1, s.lotDecimals),
    min_quote_amount: '1',
    amount_precision: s.lotDecimals,
    precision: s.tickDecimals,
    trade_status: 'tradable',
    sell_start: 0,
    buy_start: 0,
    delisting_time: 0,
    type: 'normal',
  };
}

function toMarket(symbol: string): string {
  return symbol.replace('/', '_');
}
