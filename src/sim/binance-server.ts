/**
 * Binance spot and USD-M futures protocol servers for the simulator (docs/protocols/binance.md), on the generic framework
 * in ./server.ts.
 *
 * Spot: WS `/stream?streams=…` (combined) and `/ws`, `/ws/<stream>` (raw); REST `/api/v3/depth`,
 * `/api/v3/exchangeInfo`, `/api/v3/ping`, `/api/v3/time`. Update ids are the market's consecutive change ids
 * (`U == prev u + 1`). Prices and sizes are padded to 8 decimals like the real spot API.
 * Futures: WS `/public/stream`, `/public/ws[/<stream>]`; REST `/fapi/v1/…`. Ids are NOT contiguous between
 * events (each event's `U` = previous `u` + 1 + a random skip; `pu` = previous event's `u`), decimals are the
 * instrument's own (`"7.6110"`, `"813"`).
 *
 * REST snapshots are consistent with the stream: `lastUpdateId` is the last change id the snapshot includes. A
 * share (`restMidEventRatio`) of snapshots is taken partway into the next, not yet sent event (the next event is
 * generated early), including exactly on an event boundary (`lastUpdateId == u` of the last sent event) and
 * at the full next event; the rest on the boundary of the last sent event. Both Binance sync rules accept all
 * of these.
 *
 * Sim choices where the docs say nothing: `@depth` carries the same events as `@depth@100ms`; an unknown stream
 * type or more than 1024 streams gets `{"error":{"code":2,…}}`; a connection over the incoming-message limit
 * (5/s spot, 10/s futures; pongs answering the server's ping are not counted) is closed with 1008.
 *
 * This file: market data (depth, bookTicker, trades, tickers, derivatives), snapshots, truth, bursts. The variants:
 * ./binance-variants.ts; a symbol's wire state: ./binance-symbols.ts; WebSocket requests: ./binance-requests.ts; REST
 * paths: ./binance-rest-routes.ts (weights, bodies: ./binance-rest.ts).
 */
import type { Level } from '../schema/events.js';
import { binanceCommand, isStreamPath, MAX_STREAMS, STREAM_RE, urlStreams } from './binance-requests.js';
import type { Gen } from './binance-ids.js';
import * as R from './binance-render.js';
import { restFault, WeightWindow } from './binance-rest.js';
import { binanceRest, type BinanceRestContext } from './binance-rest-routes.js';
import { BinanceDerivatives } from './binance-derivs.js';
import { binanceSym, padLevels, type BinanceSym } from './binance-symbols.js';
import { DELIVERY, FUTURES, MARKET_ONLY, SPOT, type BinanceId, type Variant } from './binance-variants.js';
import { SimMarket } from './market.js';
import { mulberry32, padDecimals, subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import type { SimBook, SimDerivative, SimFault, SimLiquidation, SimSymbolSpec } from './types.js';

export interface BinanceSimOptions {
  seed: number;
  symbols: SimSymbolSpec[];
  /** Levels per side of the true book (the whole book is within REST depth). Default 1000. */
  levels?: number;
  /** Diff cadence per symbol. Default 100 ms. */
  intervalMs?: number;
  /** WebSocket ping period. Default 20 000 (spot) / 180 000 (futures). */
  pingIntervalMs?: number;
  /** Trade cadence per symbol. Default 250 ms. */
  tradeIntervalMs?: number;
  /** 24 h ticker cadence. Default 1000 ms. */
  tickerIntervalMs?: number;
  /** REST weight budget per minute. Default 6000 (spot) / 2400 (futures). */
  restWeightLimit?: number;
  /** Share of REST snapshots taken inside the next event. Default 0.5. */
  restMidEventRatio?: number;
  /** Changes kept per symbol for `trueBookAt`. Default 50 000. */
  historySize?: number;
  /** Max incoming messages per second per connection; 0 disables. Default 5 (spot) / 10 (futures). */
  maxIncomingPerSec?: number;
  /** Funding period of the perpetuals (ms). Default 8 h. */
  fundingPeriodMs?: number | undefined;
  /** Cadence of `@markPrice@1s` and of the `@forceOrder` snapshots (ms). Default 1000, as on the wire. */
  markPriceIntervalMs?: number | undefined;
}

export class BinanceProtocol implements SimProtocol {
  readonly exchange: BinanceId;
  readonly pingIntervalMs: number;
  readonly maxIncomingPerSec: number;
  readonly market: SimMarket;
  private server: SimServer | undefined;
  private readonly syms = new Map<string, BinanceSym>();
  private readonly byLower = new Map<string, BinanceSym>();
  private readonly byNative = new Map<string, BinanceSym>();
  private readonly rng: () => number;
  private readonly weight: WeightWindow;
  private readonly derivs: BinanceDerivatives | undefined;
  private readonly rest: BinanceRestContext;
  /** USD-M connections opened on a `/market` path. */
  private readonly onMarketPath = new WeakSet<SimConnection>();

  constructor(
    private readonly v: Variant,
    private readonly opts: BinanceSimOptions,
  ) {
    this.exchange = v.exchange;
    this.pingIntervalMs = opts.pingIntervalMs ?? v.pingMs;
    this.maxIncomingPerSec = opts.maxIncomingPerSec ?? v.maxIncoming;
    this.market = new SimMarket({
      seed: subSeed(opts.seed, v.exchange),
      symbols: opts.symbols,
      levels: opts.levels ?? 1000,
      historySize: opts.historySize ?? 50_000,
    });
    this.rng = mulberry32(subSeed(opts.seed, `${v.exchange}:wire`));
    this.weight = new WeightWindow(opts.restWeightLimit ?? v.weightLimit);
    const skip = v.futures ? (): number => 1 + Math.floor(this.rng() * 40) : (): number => 0;
    for (const spec of opts.symbols) {
      const startId = this.market.lastId(spec.symbol);
      const baseOff = v.futures ? 500_000_000_000 + Math.floor(this.rng() * 100_000_000_000) : 0;
      const s = binanceSym(v, spec, startId, baseOff, skip);
      this.syms.set(spec.symbol, s);
      this.byLower.set(s.lower, s);
      this.byNative.set(s.native, s);
    }
    // futures only (USD-M: on its `/market` paths)
    this.derivs = v.futures ? new BinanceDerivatives(subSeed(opts.seed, `${v.exchange}:deriv`), opts.symbols, v.coinM, opts.fundingPeriodMs) : undefined;
    this.rest = {
      v,
      weight: this.weight,
      derivs: this.derivs,
      market: this.market,
      syms: this.syms,
      byNative: this.byNative,
      depth: (s, limit) => this.depth(s, limit),
      px: (x) => this.px(x),
    };
  }

  start(server: SimServer): void {
    this.server = server;
    server.every(this.opts.intervalMs ?? 100, () => {
      for (const s of this.syms.values()) this.emit(s, s.pending ?? this.gen(s));
    });
    server.every(this.opts.tradeIntervalMs ?? 250, () => {
      for (const s of this.syms.values()) this.publishTrade(s);
    });
    server.every(this.opts.tickerIntervalMs ?? 1000, () => {
      for (const s of this.syms.values()) this.publishTicker(s);
    });
    if (this.derivs) {
      server.every(this.opts.markPriceIntervalMs ?? 1000, () => {
        for (const s of this.syms.values()) this.publishDerivative(s);
      });
    }
  }

  /** `@markPrice@1s` and now and then a `@forceOrder` snapshot (COIN-M). */
  private publishDerivative(s: BinanceSym): void {
    const d = this.derivs;
    const server = this.server;
    if (!d || !server) return;
    const now = Date.now();
    const symbol = s.spec.symbol;
    const mark = `${s.lower}@markPrice@1s`;
    const last = this.market.stats(symbol).last;
    if (server.hasSubscribers(mark)) this.publishData(mark, symbol, d.markPrice(s, this.market.best(symbol), last, now));
    const liq = `${s.lower}@forceOrder`;
    if (server.hasSubscribers(liq)) {
      const frame = d.liquidationTick(s, now);
      if (frame !== undefined) this.publishData(liq, symbol, frame);
    }
  }

  published(symbol: string): { derivatives: SimDerivative[]; liquidations: SimLiquidation[] } {
    return this.derivs?.published(symbol) ?? { derivatives: [], liquidations: [] };
  }

  // ---- formatting ----
  private px(v: string): string {
    return this.v.wireDecimals === undefined ? v : padDecimals(v, this.v.wireDecimals);
  }

  // ---- ids ----
  private gen(s: BinanceSym): Gen {
    return s.ids.next(this.market.step(s.spec.symbol));
  }

  // ---- publishing ----
  private emit(s: BinanceSym, g: Gen): void {
    const server = this.server;
    if (!server) return;
    const symbol = s.spec.symbol;
    s.pending = undefined;
    s.lastEmitted = g.diff.lastId;
    // the depth topics this diff goes out on; per-frame faults are taken only when it reaches a subscriber
    const depthTopics = s.depthTopics.filter((t) => server.hasSubscribers(t));
    const fault = server.takeDiffFault(depthTopics, symbol);
    const garbageFrame = server.takeGarbageFrame(depthTopics, symbol);
    const E = g.diff.time;
    // bookTicker (real-time) when the top of book changed; sent before the depth event, as on the real feed
    const best = this.market.best(symbol);
    if (best.bid && best.ask) {
      s.lastBest = [best.bid, best.ask];
      const top = `${best.bid[0]}|${best.bid[1]}|${best.ask[0]}|${best.ask[1]}`;
      if (top !== s.lastTop) {
        s.lastTop = top;
        const topic = s.tickerTopic;
        if (server.hasSubscribers(topic)) {
          const [bid, ask] = padLevels([best.bid, best.ask], s) as [Level, Level];
          const data = R.bookTicker({ u: g.u, s: s.native, bid, ask, E, T: E - 1, ps: this.ps(s) }, this.v.futures);
          this.publishData(topic, symbol, data);
        }
      }
    }
    for (const topic of depthTopics) {
      if (garbageFrame) server.publish(topic, symbol, () => 'sim garbage frame: {"not":json]');
      if (fault === 'drop') continue;
      if (fault === 'garbage') {
        server.publish(topic, symbol, () => `{"stream":"${topic}","data":{"e":"depthUpdate","E":${E},"s":"${s.native}","U":`);
        continue;
      }
      const data = R.depthUpdate(
        { E, T: E - 2, s: s.native, ps: this.ps(s), U: g.U, u: g.u, pu: g.pu, bids: padLevels(g.diff.bids, s), asks: padLevels(g.diff.asks, s) },
        this.v.futures,
      );
      this.publishData(topic, symbol, data);
    }
  }

  private publishData(topic: string, symbol: string, data: string): void {
    let wrapped: string | undefined;
    this.server?.publish(topic, symbol, (conn) => (conn.mode === 'raw' ? data : (wrapped ??= R.combined(topic, data))));
  }

  /** COIN-M frames carry the pair (`ps`). */
  private ps(s: BinanceSym): string | undefined {
    return this.v.coinM ? s.pair : undefined;
  }

  private publishTrade(s: BinanceSym): void {
    // COIN-M has no raw trade stream: its trades are `@aggTrade` (one per taker order here)
    const topic = `${s.lower}${this.v.coinM ? '@aggTrade' : '@trade'}`;
    const t = this.market.trade(s.spec.symbol);
    if (!this.server?.hasSubscribers(topic)) return;
    const fields = { E: t.time, T: t.time, s: s.native, t: t.id, p: this.px(t.price), q: this.px(t.size), m: t.side === 'sell' };
    const data = this.v.coinM ? R.aggTrade(fields) : R.trade(fields, this.v.futures);
    this.publishData(topic, s.spec.symbol, data);
  }

  private publishTicker(s: BinanceSym): void {
    const topic = `${s.lower}@ticker`;
    if (!this.server?.hasSubscribers(topic)) return;
    if (!s.lastBest) {
      const best = this.market.best(s.spec.symbol); // nothing emitted yet: the initial book
      if (best.bid && best.ask) s.lastBest = [best.bid, best.ask];
    }
    const [bid, ask] = s.lastBest ? (padLevels(s.lastBest, s) as [Level, Level]) : [undefined, undefined];
    const px = (v: string): string => this.px(v);
    const data = R.ticker24h(
      { E: Date.now(), s: s.native, stats: this.market.stats(s.spec.symbol), px, qty: px, bid, ask, ps: this.ps(s) },
      this.v.futures,
    );
    this.publishData(topic, s.spec.symbol, data);
  }

  // ---- WebSocket ----
  acceptUpgrade(url: URL): boolean {
    return isStreamPath(this.v, url);
  }

  onOpen(conn: SimConnection, url: URL): void {
    const server = this.server;
    if (!server) return;
    const { market, mode, streams } = urlStreams(this.v, url);
    if (market) this.onMarketPath.add(conn);
    conn.mode = mode;
    for (const st of streams) if (st && STREAM_RE.test(st) && conn.topics.size < MAX_STREAMS) this.subscribeOn(conn, st);
  }

  /** Subscribe, except a `/market`-family stream on USD-M's `/public` path: acknowledged, then silent (as Binance). */
  private subscribeOn(conn: SimConnection, stream: string): void {
    if (this.v.market !== undefined && !this.onMarketPath.has(conn) && MARKET_ONLY.test(stream)) return;
    this.server?.subscribe(conn, stream);
  }

  onMessage(conn: SimConnection, text: string): void {
    const server = this.server;
    if (!server) return;
    binanceCommand(conn, text, { subscribe: (c, st) => this.subscribeOn(c, st), unsubscribe: (c, st) => server.unsubscribe(c, st) });
  }

  topicSymbol(topic: string): string | undefined {
    const at = topic.indexOf('@');
    return at > 0 ? this.byLower.get(topic.slice(0, at))?.spec.symbol : undefined;
  }

  shutdownNotice(conn: SimConnection): void {
    conn.sendControl(R.serverShutdown(Date.now(), conn.mode === 'combined'));
  }

  // ---- REST ----
  restFaultResponse(fault: SimFault): RestResponse {
    return restFault(fault, this.weight.headers());
  }

  handleRest(req: RestRequest): RestResponse {
    return binanceRest(this.rest, req);
  }

  /** The `depth` snapshot, consistent with the stream (see the file comment: possibly inside the next event). */
  private depth(s: BinanceSym, limit: number): RestResponse {
    let internal = s.lastEmitted;
    const server = this.server;
    if (server && !server.isPaused && this.rng() < (this.opts.restMidEventRatio ?? 0.5)) {
      s.pending ??= this.gen(s);
      const d = s.pending.diff;
      internal = d.firstId - 1 + Math.floor(this.rng() * (d.lastId - d.firstId + 2));
    }
    const book = this.market.bookAt(s.spec.symbol, internal, limit);
    if (!book) return { status: 500, body: { code: -1000, msg: 'sim: snapshot out of history' } };
    const lastUpdateId = s.ids.wireOf(internal);
    const bids = R.levelsJson(padLevels(book.bids, s));
    const asks = R.levelsJson(padLevels(book.asks, s));
    const now = Date.now();
    const body = this.v.futures
      ? `{"lastUpdateId":${lastUpdateId},"E":${now},"T":${now - 1},"bids":${bids},"asks":${asks}}`
      : `{"lastUpdateId":${lastUpdateId},"bids":${bids},"asks":${asks}}`;
    return { status: 200, body, headers: { 'Content-Type': 'application/json;charset=UTF-8' } };
  }

  // ---- truth ----
  private render(s: BinanceSym, book: SimBook, updateId: number): SimBook {
    return { symbol: book.symbol, updateId, bids: padLevels(book.bids, s), asks: padLevels(book.asks, s) };
  }

  trueBook(symbol: string): SimBook | undefined {
    const s = this.syms.get(symbol);
    if (!s) return undefined;
    const book = this.market.bookAt(symbol, s.lastEmitted);
    return book ? this.render(s, book, s.ids.wireOf(s.lastEmitted)) : undefined;
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    const s = this.syms.get(symbol);
    if (!s) return undefined;
    if (updateId > s.ids.wireOf(s.lastEmitted)) return undefined; // not emitted yet
    const internal = s.ids.internalOf(updateId);
    if (internal === undefined) return undefined;
    const book = this.market.bookAt(symbol, internal);
    return book ? this.render(s, book, updateId) : undefined;
  }

  burst(opts: BurstOptions): Promise<BurstResult> {
    if (!this.server) throw new Error('sim: server not started');
    return this.server.prepareBurst(this.burstProducer(opts)).send();
  }

  burstProducer(opts: BurstOptions): () => number {
    const list = (opts.symbols ?? [...this.syms.keys()]).map((sym) => {
      const s = this.syms.get(sym);
      if (!s) throw new Error(`sim: unknown symbol ${sym}`);
      return s;
    });
    return () => {
      for (let i = 0; i < opts.diffs; i++) {
        const s = list[i % list.length] as BinanceSym;
        this.emit(s, s.pending ?? this.gen(s));
      }
      return opts.diffs;
    };
  }
}

export function binanceSpotProtocol(opts: BinanceSimOptions): BinanceProtocol {
  return new BinanceProtocol(SPOT, opts);
}

export function binanceFuturesProtocol(opts: BinanceSimOptions): BinanceProtocol {
  return new BinanceProtocol(FUTURES, opts);
}

/** COIN-M: sizes are whole contracts (lot decimals 0). */
export function binanceDeliveryProtocol(opts: BinanceSimOptions): BinanceProtocol {
  return new BinanceProtocol(DELIVERY, { ...opts, symbols: opts.symbols.map((sp) => ({ ...sp, lotDecimals: 0 })) });
}
