/**
 * Simulated Bybit v5 public WebSocket + REST (docs/protocols/bybit.md), spot (`/v5/public/spot`, exchange `bybit`) or
 * linear (`/v5/public/linear`, exchange `bybit-linear`).
 *
 * - Topics `orderbook.{1,50,200,1000}.X` (snapshot on subscribe, then deltas; level 1 is snapshot-only and re-pushed
 *   with the same `u` every `level1RepushMs` when unchanged), `tickers.X` (linear: snapshot then deltas of the changed
 *   fields only, with mark/index/funding/open interest from ./derivatives.ts; spot: snapshots without bid/ask),
 *   `publicTrade.X`, linear `allLiquidation.X` (now and then, ./derivatives.ts).
 * - Wire `u` is per topic and rises by exactly 1 per message of the topic, like Bybit's (bybit-ids.ts): a delta
 *   that is dropped or garbled still uses up its `u`, so the next one shows the gap. Each depth counts in its own
 *   range, so `trueBookAt(symbol, u)` finds the topic (the deepest one, after a restart put them all at 1) and
 *   serves the true book its message showed. `seq` = the change id (the cross sequence, shared by the depths).
 * - `{"op":"ping"}` → pong (spot / linear shapes); subscribe acks in the spot or linear shape; spot rejects more than
 *   10 args (`args size >10`); unknown symbols: `Invalid symbol :[topic]` (tickers, orderbook) or
 *   `error:handler not found,topic:…` (publicTrade and unknown topics).
 * - REST `GET /v5/market/instruments-info?category=…`.
 *
 * Exchange-specific faults (`symbol` = unified symbol; one firing unless `count` is given):
 * - `bybit-u-decrease`: the next delta(s) of the symbol carry a `u` below the previous one.
 * - `bybit-missing-snapshot`: the next subscription(s) to the symbol's book get deltas but no snapshot.
 * - `bybit-restart`: service restart: every book topic of the symbol gets a snapshot with `u == 1`; `u` restarts.
 * - `bybit-absent-deletes`: the next delta(s) also delete one bid and one ask price that are not in the book.
 * - `bybit-error-reply` (`message?`): the next subscribe request naming the symbol (any, without `symbol`) fails
 *   for the symbol's topics with `success:false` (default message `Invalid symbol :[topics]`).
 */
import type { ExchangeId } from '../schema/events.js';
import { firstTopicU, TopicIds } from './bybit-ids.js';
import { faultNumber, faultString, faultSymbol } from './faults.js';
import { SimMarket } from './market.js';
import { formatFixed, subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';
import { SimDerivatives } from './derivatives.js';
import {
  absentPrices,
  bookFrame,
  BookWindow,
  changedFields,
  opReply,
  tickerFrame,
  tradeFrame,
  type BybitSimCategory,
  type TickerData,
  liquidationFrame,
} from './bybit-render.js';

export interface BybitServerOptions {
  category: BybitSimCategory;
  seed?: number;
  symbols?: readonly SimSymbolSpec[];
  /** Levels per side of the true book. Default 1000 (the deepest topic). */
  levels?: number;
  /** Book step period. Default 20 ms. */
  stepMs?: number;
  /** Trade period per symbol. Default 100 ms. */
  tradeMs?: number;
  /** Ticker push period. Default 100 ms. */
  tickerMs?: number;
  /** Level-1 re-push of an unchanged top. Default 3000 ms (Bybit's). */
  level1RepushMs?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** Funding period (linear). Default 8 h. */
  fundingPeriodMs?: number;
}

/** The options `startSim` passes to every protocol factory (the fields Bybit uses). */
export interface SimCommonOptions {
  seed: number;
  symbols: SimSymbolSpec[];
  levels?: number;
  intervalMs?: number;
  tradeIntervalMs?: number;
  tickerIntervalMs?: number;
  historySize?: number;
  fundingPeriodMs?: number | undefined;
}

function fromCommon(category: BybitSimCategory, o: SimCommonOptions): BybitServerOptions {
  return {
    category,
    seed: subSeed(o.seed, category === 'spot' ? 'bybit' : 'bybit-linear'),
    symbols: o.symbols,
    levels: o.levels,
    stepMs: o.intervalMs,
    tradeMs: o.tradeIntervalMs,
    tickerMs: o.tickerIntervalMs,
    historySize: o.historySize,
    ...(o.fundingPeriodMs !== undefined ? { fundingPeriodMs: o.fundingPeriodMs } : {}),
  };
}

/** `startSim` factories (src/sim/index.ts `PROTOCOLS`). */
export const bybitSpotProtocol = (o: SimCommonOptions): SimProtocol => createBybitProtocol(fromCommon('spot', o));
export const bybitLinearProtocol = (o: SimCommonOptions): SimProtocol => createBybitProtocol(fromCommon('linear', o));

export const BYBIT_DEFAULT_SYMBOLS: readonly SimSymbolSpec[] = [
  { symbol: 'BTC/USDT', mid: '30000.00', tickDecimals: 2, lotDecimals: 3 },
  { symbol: 'ETH/USDT', mid: '2000.00', tickDecimals: 2, lotDecimals: 2 },
  { symbol: 'XRP/USDT', mid: '0.5000', tickDecimals: 4, lotDecimals: 0 },
];

const BOOK_DEPTHS = new Set([1, 50, 200, 1000]);
const SPOT_MAX_ARGS = 10;

interface BookTopic {
  symbol: string;
  market: string;
  window: BookWindow;
  ids: TopicIds;
}

interface TickerTopic {
  symbol: string;
  market: string;
  last: TickerData;
}

type ParsedTopic =
  | { kind: 'book'; symbol: string; market: string; depth: number }
  | { kind: 'ticker' | 'trade' | 'liquidation'; symbol: string; market: string }
  | { kind: 'bad-symbol' | 'bad-topic' };

export function createBybitProtocol(opts: BybitServerOptions): SimProtocol {
  return new BybitProtocol(opts);
}

class BybitProtocol implements SimProtocol {
  readonly exchange: ExchangeId;
  readonly pingIntervalMs = 0;
  readonly maxIncomingPerSec = 0;
  private readonly category: BybitSimCategory;
  private readonly market: SimMarket;
  private readonly specs: readonly SimSymbolSpec[];
  private readonly byMarket = new Map<string, SimSymbolSpec>();
  private readonly books = new Map<string, BookTopic>();
  private readonly tickers = new Map<string, TickerTopic>();
  /** Wire `u` per book topic; kept while the topic is idle (bounded: symbols × depths). */
  private readonly ids = new Map<string, TopicIds>();
  private server: SimServer | undefined;
  /** Linear: mark/index/funding/open interest and liquidations (sim/derivatives.ts). */
  private readonly derivs: SimDerivatives;
  /** The last derivative state published per symbol. */
  private readonly lastDeriv = new Map<string, SimDerivative>();

  constructor(private readonly opts: BybitServerOptions) {
    this.category = opts.category;
    this.exchange = opts.category === 'spot' ? 'bybit' : 'bybit-linear';
    this.specs = opts.symbols ?? BYBIT_DEFAULT_SYMBOLS;
    this.market = new SimMarket({
      seed: opts.seed ?? 1,
      symbols: this.specs,
      levels: opts.levels ?? 1000,
      historySize: opts.historySize ?? 50_000,
    });
    for (const s of this.specs) this.byMarket.set(toMarket(s.symbol), s);
    this.derivs = new SimDerivatives(opts.seed ?? 1, this.specs, opts.fundingPeriodMs);
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.stepMs ?? 20, () => {
      for (const s of this.specs) this.stepSymbol(s.symbol);
    });
    server.every(this.opts.tradeMs ?? 100, () => {
      for (const s of this.specs) this.trade(s.symbol);
    });
    server.every(this.opts.tickerMs ?? 100, () => this.pushTickers());
    const repush = this.opts.level1RepushMs ?? 3000;
    server.every(Math.max(10, Math.floor(repush / 4)), () => this.repushLevel1(repush));
  }

  acceptUpgrade(url: URL): boolean {
    return url.pathname === `/v5/public/${this.category}`;
  }

  onOpen(conn: SimConnection): void {
    conn.state.connId = `sim-${this.category}-${conn.id}`;
  }

  onMessage(conn: SimConnection, text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof msg !== 'object' || msg === null) return;
    const m = msg as Record<string, unknown>;
    const reqId = typeof m.req_id === 'string' ? m.req_id : undefined;
    const connId = String(conn.state.connId);
    const args = Array.isArray(m.args) ? m.args.filter((a): a is string => typeof a === 'string') : [];
    switch (m.op) {
      case 'ping':
        conn.sendControl(opReply(this.category, 'ping', connId, reqId, true, 'pong'));
        return;
      case 'subscribe':
        this.subscribe(conn, connId, reqId, args);
        return;
      case 'unsubscribe':
        for (const t of args) this.server?.unsubscribe(conn, t);
        this.forgetIdleTopics();
        conn.sendControl(opReply(this.category, 'unsubscribe', connId, reqId, true, this.category === 'spot' ? 'unsubscribe' : ''));
        return;
      default:
        conn.sendControl(opReply(this.category, String(m.op), connId, reqId, false, 'Invalid request'));
    }
  }

  private subscribe(conn: SimConnection, connId: string, reqId: string | undefined, args: string[]): void {
    const server = this.server;
    if (server === undefined) return;
    if (this.category === 'spot' && args.length > SPOT_MAX_ARGS) {
      conn.sendControl(opReply(this.category, 'subscribe', connId, reqId, false, `args size >${SPOT_MAX_ARGS}`));
      return;
    }
    const invalid: string[] = [];
    let handlerMissing: string | undefined;
    const accepted: { topic: string; parsed: ParsedTopic }[] = [];
    const errorFault = server.faults.take('bybit-error-reply', (f) => {
      const sym = faultSymbol(f);
      return sym === undefined || args.some((t) => this.topicSymbol(t) === sym);
    });
    const faultSym = errorFault === undefined ? undefined : faultSymbol(errorFault);
    const failedByFault: string[] = [];
    for (const topic of args) {
      const parsed = this.parseTopic(topic);
      if (errorFault !== undefined && (faultSym === undefined || ('symbol' in parsed && parsed.symbol === faultSym))) {
        failedByFault.push(topic);
        continue;
      }
      if (parsed.kind === 'bad-topic' || (parsed.kind === 'bad-symbol' && topic.startsWith('publicTrade.'))) {
        handlerMissing ??= topic;
      } else if (parsed.kind === 'bad-symbol') invalid.push(topic);
      else accepted.push({ topic, parsed });
    }
    for (const { topic } of accepted) server.subscribe(conn, topic);
    if (errorFault !== undefined) {
      const text = faultString(errorFault, 'message') ?? `Invalid symbol :[${failedByFault.join(',')}]`;
      conn.sendControl(opReply(this.category, 'subscribe', connId, reqId, false, text));
    } else if (invalid.length > 0) {
      conn.sendControl(opReply(this.category, 'subscribe', connId, reqId, false, `Invalid symbol :[${invalid.join(',')}]`));
    } else if (handlerMissing !== undefined) {
      conn.sendControl(opReply(this.category, 'subscribe', connId, reqId, false, `error:handler not found,topic:${handlerMissing}`));
    } else {
      conn.sendControl(opReply(this.category, 'subscribe', connId, reqId, true, this.category === 'spot' ? 'subscribe' : ''));
    }
    for (const { topic, parsed } of accepted) this.initialData(conn, topic, parsed);
  }

  /** What a new subscriber gets first: the book snapshot (the window as last published) or the ticker snapshot. */
  private initialData(conn: SimConnection, topic: string, parsed: ParsedTopic): void {
    const server = this.server;
    if (server === undefined) return;
    const now = Date.now();
    if (parsed.kind === 'book') {
      const bt = this.bookTopic(topic, parsed.symbol, parsed.market, parsed.depth);
      const skip = server.faults.take('bybit-missing-snapshot', (f) => faultSymbol(f) === parsed.symbol);
      if (skip !== undefined) return;
      const { b, a } = bt.window.ladder();
      conn.sendData(bookFrame(topic, 'snapshot', parsed.market, b, a, bt.window.u, this.seq(parsed.symbol), now, this.category), parsed.symbol);
      return;
    }
    if (parsed.kind === 'ticker') {
      let tt = this.tickers.get(topic);
      if (tt === undefined) {
        tt = { symbol: parsed.symbol, market: parsed.market, last: this.tickerData(parsed.symbol, now) };
        this.tickers.set(topic, tt);
      }
      const cs = this.market.lastId(parsed.symbol);
      this.recordDeriv(parsed.symbol, now);
      conn.sendData(tickerFrame(parsed.market, 'snapshot', tt.last, cs, now), parsed.symbol);
    }
  }

  private bookTopic(topic: string, symbol: string, market: string, depth: number): BookTopic {
    let bt = this.books.get(topic);
    if (bt === undefined) {
      const book = this.market.book(symbol, depth);
      const changeId = this.market.lastId(symbol);
      let ids = this.ids.get(topic);
      if (ids === undefined) {
        ids = new TopicIds(symbol, depth, firstTopicU(depth, changeId), changeId, this.opts.historySize ?? 50_000);
        this.ids.set(topic, ids);
      } else ids.next(changeId); // a new window of a known topic: its snapshot is a new message
      const window = new BookWindow(depth);
      window.reset(book.bids, book.asks, ids.u);
      window.lastSentAt = Date.now();
      bt = { symbol, market, window, ids };
      this.books.set(topic, bt);
    }
    return bt;
  }

  /** Drop topic state nobody listens to (a later subscriber starts from the current book). */
  private forgetIdleTopics(): void {
    const server = this.server;
    if (server === undefined) return;
    for (const t of this.books.keys()) if (!server.hasSubscribers(t)) this.books.delete(t);
    for (const t of this.tickers.keys()) if (!server.hasSubscribers(t)) this.tickers.delete(t);
  }

  private seq(symbol: string): number {
    return this.market.lastId(symbol);
  }

  // ---- market data ----

  private stepSymbol(symbol: string): void {
    const server = this.server;
    if (server === undefined) return;
    this.market.step(symbol);
    const topics = [...this.books].filter(([t, bt]) => bt.symbol === symbol && server.hasSubscribers(t));
    if (topics.length === 0) return;
    const spec = this.market.spec(symbol);
    const now = Date.now();
    const seq = this.seq(symbol);
    const changed = topics.flatMap(([topic, bt]) => {
      const book = this.market.book(symbol, bt.window.depth);
      const { b, a } = bt.window.diff(book.bids, book.asks);
      return b.length === 0 && a.length === 0 ? [] : [{ topic, bt, book, b, a }];
    });
    // per-frame faults are taken only now that frames are about to go out (not on a step whose change stayed outside
    // every subscribed depth, nor with nobody subscribed or the data silenced: such a fault would be lost)
    const sending = changed.map((c) => c.topic);
    const diffFault = server.takeDiffFault(sending, symbol);
    let decrease: SimFault | undefined;
    let absent: SimFault | undefined;
    const out: [topic: string, frame: string][] = [];
    for (const { topic, bt, book, b, a } of changed) {
      const w = bt.window;
      const prevU = w.u;
      const u = bt.ids.next(seq);
      let frame = '';
      if (diffFault === 'drop') {
        // lost: the ids advance, nothing is rendered
      } else if (w.depth === 1) {
        frame = bookFrame(topic, 'snapshot', bt.market, book.bids, book.asks, u, seq, now, this.category);
      } else {
        decrease ??= server.takeFrameFault('bybit-u-decrease', topic, symbol);
        absent ??= server.takeFrameFault('bybit-absent-deletes', topic, symbol);
        const wireU = decrease !== undefined ? Math.max(1, prevU - 3) : u;
        if (absent !== undefined) {
          const p = absentPrices(w, spec.tickDecimals);
          if (p !== undefined) {
            b.push([p.bid, '0']);
            a.push([p.ask, '0']);
          }
        }
        frame = bookFrame(topic, 'delta', bt.market, b, a, wireU, seq, now, this.category);
      }
      w.reset(book.bids, book.asks, u);
      w.lastSentAt = now;
      out.push([topic, frame]);
    }
    if (diffFault === 'drop') return;
    const garbage = server.takeGarbageFrame(sending, symbol);
    for (const [topic, frame] of out) {
      server.publish(topic, symbol, () => (diffFault === 'garbage' ? `{"topic":"${topic}","type":"delta","data":{` : frame));
    }
    if (garbage) for (const topic of sending) server.publish(topic, symbol, () => '<<sim garbage>>');
  }

  private repushLevel1(periodMs: number): void {
    const server = this.server;
    if (server === undefined) return;
    const now = Date.now();
    for (const [topic, bt] of this.books) {
      const w = bt.window;
      if (w.depth !== 1 || now - w.lastSentAt < periodMs || !server.hasSubscribers(topic)) continue;
      w.lastSentAt = now;
      const { b, a } = w.ladder();
      const frame = bookFrame(topic, 'snapshot', bt.market, b, a, w.u, this.seq(bt.symbol), now, this.category);
      server.publish(topic, bt.symbol, () => frame);
    }
  }

  private trade(symbol: string): void {
    const t = this.market.trade(symbol);
    const market = toMarket(symbol);
    const topic = `publicTrade.${market}`;
    const now = Date.now();
    this.liquidation(symbol, market, now);
    if (this.server?.hasSubscribers(topic) !== true) return;
    const frame = tradeFrame(market, t, this.seq(symbol), now, this.category);
    this.server.publish(topic, symbol, () => frame);
  }

  /** Now and then a liquidation on `allLiquidation.X` (linear; `S` is the liquidated position's side). */
  private liquidation(symbol: string, market: string, now: number): void {
    const topic = `allLiquidation.${market}`;
    if (this.category !== 'linear' || this.server?.hasSubscribers(topic) !== true) return;
    const l = this.derivs.maybeLiquidation(symbol, this.lastDeriv.get(symbol), now);
    if (l === undefined) return;
    const frame = liquidationFrame(market, l, now);
    this.server.publish(topic, symbol, () => frame);
  }

  /** The last derivative state, as published in a tickers frame of time `now` (linear). */
  private recordDeriv(symbol: string, now: number): void {
    const d = this.lastDeriv.get(symbol);
    if (this.category === 'linear' && d !== undefined) this.derivs.record({ ...d, time: now });
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.derivs.published(symbol);
  }

  private tickerData(symbol: string, now: number): TickerData {
    const st = this.market.stats(symbol);
    const d: TickerData = {
      lastPrice: st.last,
      highPrice24h: st.high,
      lowPrice24h: st.low,
      prevPrice24h: st.open,
      volume24h: st.volume,
      turnover24h: st.quoteVolume,
    };
    if (this.category === 'spot') {
      d.usdIndexPrice = st.last;
      return d;
    }
    const { bid, ask } = this.market.best(symbol);
    const dv = this.derivs.next(symbol, bid, ask, st.last, now);
    this.lastDeriv.set(symbol, dv);
    d.markPrice = dv.markPrice;
    d.indexPrice = dv.indexPrice;
    d.fundingRate = dv.fundingRate;
    d.nextFundingTime = String(dv.nextFundingTime);
    d.openInterest = dv.openInterest;
    d.openInterestValue = dv.openInterestValue;
    if (bid !== undefined) {
      d.bid1Price = bid[0];
      d.bid1Size = bid[1];
    }
    if (ask !== undefined) {
      d.ask1Price = ask[0];
      d.ask1Size = ask[1];
    }
    return d;
  }

  private pushTickers(): void {
    const server = this.server;
    if (server === undefined) return;
    const now = Date.now();
    for (const [topic, tt] of this.tickers) {
      if (!server.hasSubscribers(topic)) continue;
      const next = this.tickerData(tt.symbol, now);
      const changed = changedFields(tt.last, next);
      if (changed === undefined) continue;
      tt.last = next;
      this.recordDeriv(tt.symbol, now);
      const cs = this.market.lastId(tt.symbol);
      const frame =
        this.category === 'linear' ? tickerFrame(tt.market, 'delta', changed, cs, now) : tickerFrame(tt.market, 'snapshot', next, cs, now);
      server.publish(topic, tt.symbol, () => frame);
    }
  }

  // ---- topics ----

  private parseTopic(topic: string): ParsedTopic {
    const dot = topic.lastIndexOf('.');
    if (dot <= 0) return { kind: 'bad-topic' };
    const head = topic.slice(0, dot);
    const market = topic.slice(dot + 1);
    let kind: 'book' | 'ticker' | 'trade' | 'liquidation';
    let depth = 0;
    if (head === 'tickers') kind = 'ticker';
    else if (head === 'publicTrade') kind = 'trade';
    else if (head === 'allLiquidation' && this.category === 'linear') kind = 'liquidation';
    else if (head.startsWith('orderbook.') && BOOK_DEPTHS.has(Number(head.slice(10)))) {
      kind = 'book';
      depth = Number(head.slice(10));
    } else return { kind: 'bad-topic' };
    const spec = this.byMarket.get(market);
    if (spec === undefined) return { kind: 'bad-symbol' };
    return kind === 'book' ? { kind, symbol: spec.symbol, market, depth } : { kind, symbol: spec.symbol, market };
  }

  topicSymbol(topic: string): string | undefined {
    return this.byMarket.get(topic.slice(topic.lastIndexOf('.') + 1))?.symbol;
  }

  // ---- faults ----

  applyFault(fault: SimFault): boolean {
    const server = this.server;
    if (server === undefined) return false;
    switch (fault.kind) {
      case 'bybit-restart': {
        const symbol = faultSymbol(fault);
        if (symbol !== undefined) this.restart(symbol);
        return true;
      }
      case 'bybit-u-decrease':
      case 'bybit-missing-snapshot':
      case 'bybit-absent-deletes':
      case 'bybit-error-reply':
        server.faults.add({ ...fault, count: faultNumber(fault, 'count') ?? 1 });
        return true;
      default:
        return false;
    }
  }

  /** Service restart: `u` restarts at 1 and every book topic of the symbol gets a fresh snapshot. */
  private restart(symbol: string): void {
    const server = this.server;
    if (server === undefined || !this.market.has(symbol)) return;
    const changeId = this.market.lastId(symbol);
    for (const ids of this.ids.values()) if (ids.symbol === symbol) ids.restart(1, changeId);
    const now = Date.now();
    for (const [topic, bt] of this.books) {
      if (bt.symbol !== symbol) continue;
      const book = this.market.book(symbol, bt.window.depth);
      bt.window.reset(book.bids, book.asks, 1);
      bt.window.lastSentAt = now;
      const frame = bookFrame(topic, 'snapshot', bt.market, book.bids, book.asks, 1, this.seq(symbol), now, this.category);
      server.publish(topic, symbol, () => frame);
    }
  }

  // ---- REST ----

  handleRest(req: RestRequest): RestResponse {
    if (req.path !== '/v5/market/instruments-info') {
      return { status: 404, body: { retCode: 10001, retMsg: 'sim: unknown path', result: {}, retExtInfo: {}, time: Date.now() } };
    }
    if (req.query.get('category') !== this.category) {
      return { status: 200, body: { retCode: 10001, retMsg: 'params error: category', result: {}, retExtInfo: {}, time: Date.now() } };
    }
    const list = this.specs.map((s) => this.instrument(s));
    const result: Record<string, unknown> = { category: this.category, list };
    if (this.category === 'linear') result.nextPageCursor = '';
    return { status: 200, body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() } };
  }

  private instrument(s: SimSymbolSpec): Record<string, unknown> {
    const [base = '', quote = ''] = s.symbol.split('/');
    const tick = formatFixed(1, s.tickDecimals);
    const lot = formatFixed(1, s.lotDecimals);
    if (this.category === 'spot') {
      return {
        symbol: toMarket(s.symbol),
        baseCoin: base,
        quoteCoin: quote,
        innovation: '0',
        status: 'Trading',
        marginTrading: 'none',
        lotSizeFilter: { basePrecision: lot, quotePrecision: '0.00000001', minOrderQty: lot, maxOrderQty: '10000', minOrderAmt: '1', maxOrderAmt: '1000000' },
        priceFilter: { tickSize: tick },
      };
    }
    return {
      symbol: toMarket(s.symbol),
      contractType: 'LinearPerpetual',
      status: 'Trading',
      baseCoin: base,
      quoteCoin: quote,
      settleCoin: quote,
      priceScale: String(s.tickDecimals),
      priceFilter: { minPrice: tick, maxPrice: '1999999.80', tickSize: tick },
      lotSizeFilter: { maxOrderQty: '1190', minOrderQty: lot, qtyStep: lot, postOnlyMaxOrderQty: '1190' },
    };
  }

  restFaultResponse(fault: SimFault): RestResponse {
    const retryAfter = String(faultNumber(fault, 'retryAfterSec') ?? 1);
    if (fault.kind === 'rest-429') {
      return { status: 429, body: { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: Date.now() }, headers: { 'Retry-After': retryAfter } };
    }
    // Bybit's IP ban answer (docs/protocols/bybit.md#limits: "403 access too frequent")
    if (fault.kind === 'rest-418') return { status: 403, body: 'access too frequent', headers: { 'Retry-After': retryAfter } };
    return { status: 500, body: { retCode: 10016, retMsg: 'Internal server error', result: {}, retExtInfo: {}, time: Date.now() } };
  }

  shutdownNotice(): void {
    // Bybit announces no shutdown on the public stream; the framework closes the socket after the delay
  }

  // ---- truth ----

  /** The symbol's book topics, deepest first. */
  private topicIds(symbol: string): TopicIds[] {
    return [...this.ids.values()].filter((t) => t.symbol === symbol).sort((x, y) => y.depth - x.depth);
  }

  /** The true book now; `updateId` = the `u` of the deepest topic's last message (the change id if none). */
  trueBook(symbol: string): SimBook | undefined {
    if (!this.market.has(symbol)) return undefined;
    const b = this.market.book(symbol);
    const deepest = this.topicIds(symbol)[0];
    return deepest === undefined ? b : { ...b, updateId: deepest.u };
  }

  /** The true book the message with wire `u` = `updateId` showed (of the deepest topic that sent that `u`; with no topic, at change id `updateId`). */
  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    if (!this.market.has(symbol)) return undefined;
    const topics = this.topicIds(symbol);
    // no topic subscribed yet: ids are the market's change ids, as trueBook gives them then
    if (topics.length === 0) return this.market.bookAt(symbol, updateId);
    for (const t of topics) {
      const changeId = t.changeAt(updateId);
      if (changeId === undefined) continue;
      const b = this.market.bookAt(symbol, changeId);
      return b === undefined ? undefined : { ...b, updateId };
    }
    return undefined;
  }

  burst(opts: BurstOptions): Promise<BurstResult> {
    const server = this.server;
    if (server === undefined) throw new Error('sim: bybit server not started');
    const symbols = opts.symbols ?? this.specs.map((s) => s.symbol);
    return server.burstRoundRobin(symbols, opts.diffs, (s) => this.stepSymbol(s));
  }
}

function toMarket(symbol: string): string {
  return symbol.replace('/', '');
}
