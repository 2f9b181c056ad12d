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
 *
 * This file: WebSocket requests, trades, faults. Book topics: ./bybit-books.ts; tickers and liquidations:
 * ./bybit-tickers.ts; topic names: ./bybit-topics.ts; REST: ./bybit-rest.ts; options: ./bybit-options.ts.
 */
import type { ExchangeId } from '../schema/events.js';
import { BybitBooks } from './bybit-books.js';
import { BYBIT_DEFAULT_SYMBOLS, fromCommon, type BybitServerOptions } from './bybit-options.js';
import { opReply, tradeFrame, type BybitSimCategory } from './bybit-render.js';
import { bybitRest, bybitRestFault } from './bybit-rest.js';
import { BybitTickers } from './bybit-tickers.js';
import { parseTopic, toMarket, type ParsedTopic } from './bybit-topics.js';
import { faultNumber, faultString, faultSymbol } from './faults.js';
import { SimMarket } from './market.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimProtocolOptions, SimServer } from './server.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

export { BYBIT_DEFAULT_SYMBOLS, type BybitServerOptions } from './bybit-options.js';

/** `startSim` factories (src/sim/index.ts `PROTOCOLS`). */
export const bybitSpotProtocol = (o: SimProtocolOptions): SimProtocol => createBybitProtocol(fromCommon('spot', o));
export const bybitLinearProtocol = (o: SimProtocolOptions): SimProtocol => createBybitProtocol(fromCommon('linear', o));

const SPOT_MAX_ARGS = 10;

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
  /** The `orderbook.*` topics. */
  private readonly books: BybitBooks;
  /** The `tickers.*` topics and linear's liquidations. */
  private readonly tickers: BybitTickers;
  private server: SimServer | undefined;

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
    this.books = new BybitBooks(this.market, this.category, opts.historySize ?? 50_000);
    this.tickers = new BybitTickers(this.market, this.category, opts.seed ?? 1, this.specs, opts.fundingPeriodMs);
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.stepMs ?? 20, () => {
      for (const s of this.specs) this.stepSymbol(s.symbol);
    });
    server.every(this.opts.tradeMs ?? 100, () => {
      for (const s of this.specs) this.trade(s.symbol);
    });
    server.every(this.opts.tickerMs ?? 100, () => this.tickers.push(server));
    const repush = this.opts.level1RepushMs ?? 3000;
    server.every(Math.max(10, Math.floor(repush / 4)), () => this.books.repushLevel1(server, repush));
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
      const parsed = parseTopic(topic, this.category, this.byMarket);
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
      this.books.subscribed(server, conn, topic, parsed.symbol, parsed.market, parsed.depth, now);
      return;
    }
    if (parsed.kind === 'ticker') this.tickers.subscribed(conn, topic, parsed.symbol, parsed.market, now);
  }

  /** Drop topic state nobody listens to (a later subscriber starts from the current book). */
  private forgetIdleTopics(): void {
    const server = this.server;
    if (server === undefined) return;
    this.books.forgetIdle(server);
    this.tickers.forgetIdle(server);
  }

  // ---- market data ----

  private stepSymbol(symbol: string): void {
    const server = this.server;
    if (server === undefined) return;
    this.books.step(server, symbol);
  }

  private trade(symbol: string): void {
    const t = this.market.trade(symbol);
    const market = toMarket(symbol);
    const topic = `publicTrade.${market}`;
    const now = Date.now();
    this.tickers.liquidation(this.server, symbol, market, now);
    if (this.server?.hasSubscribers(topic) !== true) return;
    const frame = tradeFrame(market, t, this.market.lastId(symbol), now, this.category);
    this.server.publish(topic, symbol, () => frame);
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.tickers.published(symbol);
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
        if (symbol !== undefined) this.books.restart(server, symbol);
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

  // ---- REST ----

  handleRest(req: RestRequest): RestResponse {
    return bybitRest(req, this.category, this.specs);
  }

  restFaultResponse(fault: SimFault): RestResponse {
    return bybitRestFault(fault);
  }

  shutdownNotice(): void {
    // Bybit announces no shutdown on the public stream; the framework closes the socket after the delay
  }

  // ---- truth ----

  trueBook(symbol: string): SimBook | undefined {
    return this.books.trueBook(symbol);
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    return this.books.trueBookAt(symbol, updateId);
  }

  burst(opts: BurstOptions): Promise<BurstResult> {
    const server = this.server;
    if (server === undefined) throw new Error('sim: bybit server not started');
    const symbols = opts.symbols ?? this.specs.map((s) => s.symbol);
    return server.burstRoundRobin(symbols, opts.diffs, (s) => this.stepSymbol(s));
  }
}
