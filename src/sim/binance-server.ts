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
 */
import type { Level } from '../schema/events.js';
import { EventIds, type Gen } from './binance-ids.js';
import * as R from './binance-render.js';
import { depthParams, exchangeInfo, restFault, WeightWindow } from './binance-rest.js';
import { BinanceDerivatives } from './binance-derivs.js';
import { SimMarket } from './market.js';
import { mulberry32, padDecimals, subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import { splitUnified } from './symbols.js';
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

type BinanceId = 'binance' | 'binance-futures' | 'binance-delivery';

interface Variant {
  exchange: BinanceId;
  futures: boolean;
  /** COIN-M: `BASE/QUOTE` → `BASEQUOTE_PERP` (`-YYMMDD` → `_YYMMDD`), `ps` on frames, contracts, `@aggTrade`. */
  coinM: boolean;
  combinedPath: string;
  rawPath: string;
  rest: string;
  pingMs: number;
  maxIncoming: number;
  weightLimit: number;
  /** Right-pad prices/sizes to this many decimals (spot 8); undefined = instrument decimals. */
  wireDecimals: number | undefined;
  depthTopics: readonly string[];
  /** USD-M's `/market` family paths (2026 split): `@markPrice`/`@forceOrder` are served only there. */
  market?: { combinedPath: string; rawPath: string };
}

const SPOT: Variant = {
  exchange: 'binance',
  futures: false,
  coinM: false,
  combinedPath: '/stream',
  rawPath: '/ws',
  rest: '/api/v3',
  pingMs: 20_000,
  maxIncoming: 5,
  weightLimit: 6000,
  wireDecimals: 8,
  depthTopics: ['@depth@100ms', '@depth', '@depth@1000ms'],
};

const FUTURES: Variant = {
  exchange: 'binance-futures',
  futures: true,
  coinM: false,
  combinedPath: '/public/stream',
  rawPath: '/public/ws',
  rest: '/fapi/v1',
  pingMs: 180_000,
  maxIncoming: 10,
  weightLimit: 2400,
  wireDecimals: undefined,
  depthTopics: ['@depth@100ms', '@depth', '@depth@250ms', '@depth@500ms'],
  market: { combinedPath: '/market/stream', rawPath: '/market/ws' },
};

/** Streams of USD-M's `/market` family the simulator keeps off `/public` (acknowledged there, then silent). */
const MARKET_ONLY = /@(markPrice(@1s)?|forceOrder)$/;

const DELIVERY: Variant = {
  exchange: 'binance-delivery',
  futures: true,
  coinM: true,
  combinedPath: '/stream',
  rawPath: '/ws',
  rest: '/dapi/v1',
  pingMs: 180_000,
  maxIncoming: 10,
  weightLimit: 2400,
  wireDecimals: undefined,
  depthTopics: ['@depth@100ms', '@depth', '@depth@250ms', '@depth@500ms'],
};

/** COIN-M native id of a sim symbol: `BTC/USD` → `BTCUSD_PERP`, `BTC/USD-250627` → `BTCUSD_250627`. */
function coinMNative(symbol: string): { native: string; pair: string; contractType: string; delivery: number | undefined } {
  const [head = symbol, expiry] = symbol.split('-');
  const { base, quote } = splitUnified(head);
  const pair = `${base}${quote}`.toUpperCase();
  if (expiry === undefined) return { native: `${pair}_PERP`, pair, contractType: 'PERPETUAL', delivery: undefined };
  const delivery = Date.UTC(2000 + Number(expiry.slice(0, 2)), Number(expiry.slice(2, 4)) - 1, Number(expiry.slice(4, 6)), 8);
  return { native: `${pair}_${expiry}`, pair, contractType: 'CURRENT_QUARTER', delivery };
}

const STREAM_RE =
  /^[a-z0-9_]+@(depth(@(100|250|500|1000)ms)?|depth(5|10|20)(@(100|250|500|1000)ms)?|bookTicker|ticker|miniTicker|trade|aggTrade|markPrice(@1s)?|forceOrder|kline_\w+)$|^!(ticker@arr|miniTicker@arr|bookTicker)$/;
const MAX_STREAMS = 1024;

interface Sym {
  spec: SimSymbolSpec;
  native: string;
  lower: string;
  /** Generated early for a mid-event REST snapshot, not yet emitted. */
  pending: Gen | undefined;
  /** Internal change id of the last emitted event (sent or dropped). */
  lastEmitted: number;
  /** Wire ids of this symbol's events. */
  ids: EventIds;
  lastTop: string;
  /** Best bid/ask after the last emitted event (tickers must not show a pending event's state). */
  lastBest: [Level, Level] | undefined;
  /** [price, size] wire padding suffixes. */
  suffix: [string, string];
  /** `<lower>@bookTicker` and the depth topics, built once (checked on every step). */
  tickerTopic: string;
  depthTopics: string[];
  /** COIN-M pair (`BTCUSD`) and contract type; spot/USD-M: the native id and PERPETUAL. */
  pair: string;
  contractType: string;
  delivery: number | undefined;
}

export class BinanceProtocol implements SimProtocol {
  readonly exchange: BinanceId;
  readonly pingIntervalMs: number;
  readonly maxIncomingPerSec: number;
  readonly market: SimMarket;
  private server: SimServer | undefined;
  private readonly syms = new Map<string, Sym>();
  private readonly byLower = new Map<string, Sym>();
  private readonly byNative = new Map<string, Sym>();
  private readonly rng: () => number;
  private readonly weight: WeightWindow;
  private readonly derivs: BinanceDerivatives | undefined;
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
      const { base, quote } = splitUnified(spec.symbol);
      const cm = v.coinM ? coinMNative(spec.symbol) : undefined;
      const native = cm?.native ?? `${base}${quote}`.toUpperCase();
      const startId = this.market.lastId(spec.symbol);
      const baseOff = v.futures ? 500_000_000_000 + Math.floor(this.rng() * 100_000_000_000) : 0;
      const s: Sym = {
        spec,
        native,
        lower: native.toLowerCase(),
        pending: undefined,
        lastEmitted: startId,
        ids: new EventIds(startId, baseOff, skip),
        lastTop: '',
        lastBest: undefined,
        suffix: this.suffixes(spec),
        tickerTopic: `${native.toLowerCase()}@bookTicker`,
        depthTopics: v.depthTopics.map((t) => native.toLowerCase() + t),
        pair: cm?.pair ?? native,
        contractType: cm?.contractType ?? 'PERPETUAL',
        delivery: cm?.delivery,
      };
      this.syms.set(spec.symbol, s);
      this.byLower.set(s.lower, s);
      this.byNative.set(native, s);
    }
    // futures only (USD-M: on its `/market` paths)
    this.derivs = v.futures ? new BinanceDerivatives(subSeed(opts.seed, `${v.exchange}:deriv`), opts.symbols, v.coinM, opts.fundingPeriodMs) : undefined;
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
  private publishDerivative(s: Sym): void {
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
  /** Wire suffixes that right-pad a symbol's prices / sizes to `wireDecimals` (spot: 8) by concatenation. */
  private suffixes(spec: SimSymbolSpec): [string, string] {
    const d = this.v.wireDecimals;
    if (d === undefined) return ['', ''];
    const suf = (have: number): string => (have === 0 ? '.' : '') + '0'.repeat(Math.max(0, d - have));
    return [suf(spec.tickDecimals), suf(spec.lotDecimals)];
  }
  private lvl(levels: readonly Level[], s: Sym): Level[] {
    const [ps, ss] = s.suffix;
    if (ps === '' && ss === '') return levels as Level[];
    const out = new Array<Level>(levels.length);
    for (let i = 0; i < levels.length; i++) {
      const l = levels[i] as Level;
      out[i] = [l[0] + ps, l[1] + ss];
    }
    return out;
  }

  // ---- ids ----
  private gen(s: Sym): Gen {
    return s.ids.next(this.market.step(s.spec.symbol));
  }

  // ---- publishing ----
  private emit(s: Sym, g: Gen): void {
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
          const [bid, ask] = this.lvl([best.bid, best.ask], s) as [Level, Level];
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
        { E, T: E - 2, s: s.native, ps: this.ps(s), U: g.U, u: g.u, pu: g.pu, bids: this.lvl(g.diff.bids, s), asks: this.lvl(g.diff.asks, s) },
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
  private ps(s: Sym): string | undefined {
    return this.v.coinM ? s.pair : undefined;
  }

  private publishTrade(s: Sym): void {
    // COIN-M has no raw trade stream: its trades are `@aggTrade` (one per taker order here)
    const topic = `${s.lower}${this.v.coinM ? '@aggTrade' : '@trade'}`;
    const t = this.market.trade(s.spec.symbol);
    if (!this.server?.hasSubscribers(topic)) return;
    const fields = { E: t.time, T: t.time, s: s.native, t: t.id, p: this.px(t.price), q: this.px(t.size), m: t.side === 'sell' };
    const data = this.v.coinM ? R.aggTrade(fields) : R.trade(fields, this.v.futures);
    this.publishData(topic, s.spec.symbol, data);
  }

  private publishTicker(s: Sym): void {
    const topic = `${s.lower}@ticker`;
    if (!this.server?.hasSubscribers(topic)) return;
    if (!s.lastBest) {
      const best = this.market.best(s.spec.symbol); // nothing emitted yet: the initial book
      if (best.bid && best.ask) s.lastBest = [best.bid, best.ask];
    }
    const [bid, ask] = s.lastBest ? (this.lvl(s.lastBest, s) as [Level, Level]) : [undefined, undefined];
    const px = (v: string): string => this.px(v);
    const data = R.ticker24h(
      { E: Date.now(), s: s.native, stats: this.market.stats(s.spec.symbol), px, qty: px, bid, ask, ps: this.ps(s) },
      this.v.futures,
    );
    this.publishData(topic, s.spec.symbol, data);
  }

  // ---- WebSocket ----
  acceptUpgrade(url: URL): boolean {
    const p = url.pathname;
    const m = this.v.market;
    const on = (combined: string, raw: string): boolean => p === combined || p === raw || p.startsWith(`${raw}/`);
    return on(this.v.combinedPath, this.v.rawPath) || (m !== undefined && on(m.combinedPath, m.rawPath));
  }

  onOpen(conn: SimConnection, url: URL): void {
    const p = url.pathname;
    const server = this.server;
    if (!server) return;
    const m = this.v.market;
    const market = m !== undefined && (p === m.combinedPath || p === m.rawPath || p.startsWith(`${m.rawPath}/`));
    if (market) this.onMarketPath.add(conn);
    const paths = market ? m : this.v;
    let streams: string[] = [];
    if (p === paths.combinedPath) {
      conn.mode = 'combined';
      streams = (url.searchParams.get('streams') ?? '').split('/');
    } else {
      conn.mode = 'raw';
      streams = p.slice(paths.rawPath.length + 1).split('/');
    }
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
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      conn.sendControl(R.wsError(3, 'Invalid JSON: expected value at line 1 column 1', 'null'));
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      conn.sendControl(R.wsError(3, 'Invalid JSON: expected an object', 'null'));
      return;
    }
    const m = msg as Record<string, unknown>;
    const id = m['id'];
    const idJson = typeof id === 'number' || typeof id === 'string' ? JSON.stringify(id) : 'null';
    const method = m['method'];
    const params = m['params'];
    const streamList = (): string[] | undefined =>
      Array.isArray(params) && params.every((x): x is string => typeof x === 'string') ? params : undefined;
    switch (method) {
      case 'SUBSCRIBE':
      case 'UNSUBSCRIBE': {
        const list = streamList();
        if (!list || list.some((st) => !STREAM_RE.test(st))) {
          conn.sendControl(R.wsError(2, 'Invalid request: invalid stream', idJson));
          return;
        }
        if (method === 'SUBSCRIBE') {
          const added = list.filter((st) => !conn.topics.has(st)).length;
          if (conn.topics.size + added > MAX_STREAMS) {
            conn.sendControl(R.wsError(2, `Invalid request: more than ${MAX_STREAMS} streams`, idJson));
            return;
          }
          for (const st of list) this.subscribeOn(conn, st);
        } else {
          for (const st of list) server.unsubscribe(conn, st);
        }
        conn.sendControl(R.ack(idJson));
        return;
      }
      case 'LIST_SUBSCRIPTIONS':
        conn.sendControl(R.ack(idJson, JSON.stringify([...conn.topics])));
        return;
      case 'SET_PROPERTY': {
        const list = Array.isArray(params) ? params : [];
        if (list[0] === 'combined' && typeof list[1] === 'boolean') {
          conn.mode = list[1] ? 'combined' : 'raw';
          conn.sendControl(R.ack(idJson));
        } else conn.sendControl(R.wsError(2, 'Invalid request: invalid property', idJson));
        return;
      }
      case 'GET_PROPERTY':
        conn.sendControl(R.ack(idJson, conn.mode === 'combined' ? 'true' : 'false'));
        return;
      default:
        conn.sendControl(
          R.wsError(
            2,
            `Invalid request: unknown variant \`${String(method)}\`, expected one of \`SUBSCRIBE\`, \`UNSUBSCRIBE\`, \`LIST_SUBSCRIPTIONS\`, \`SET_PROPERTY\`, \`GET_PROPERTY\``,
            idJson,
          ),
        );
    }
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
    const path = req.path;
    const base = this.v.rest;
    let weight: number;
    let answer: () => RestResponse;
    if (path === `${base}/depth`) {
      const parsed = depthParams(req.query, this.v.futures, (n) => this.byNative.has(n));
      if ('error' in parsed) return { status: 400, headers: this.weight.headers(), body: parsed.error };
      const sym = this.byNative.get(parsed.native) as Sym;
      weight = parsed.weight;
      answer = () => this.depth(sym, parsed.limit);
    } else if (path === `${base}/exchangeInfo`) {
      weight = this.v.futures ? 1 : 20;
      answer = () => this.exchangeInfo(req.query);
    } else if (path === `${base}/openInterest` && this.derivs) {
      const native = req.query.get('symbol');
      const sym = native === null ? undefined : this.byNative.get(native);
      if (sym === undefined) return { status: 400, headers: this.weight.headers(), body: { code: -1121, msg: 'Invalid symbol.' } };
      const derivs = this.derivs;
      weight = 1;
      const symbol = sym.spec.symbol;
      answer = () => ({ status: 200, body: derivs.openInterest(sym, this.market.best(symbol), this.market.stats(symbol).last, Date.now()) });
    } else if (path === `${base}/ping`) {
      weight = 1;
      answer = () => ({ status: 200, body: {} });
    } else if (path === `${base}/time`) {
      weight = 1;
      answer = () => ({ status: 200, body: { serverTime: Date.now() } });
    } else {
      return { status: 404, body: '<html><body><h2>404 Not found</h2></body></html>' };
    }
    if (!this.weight.charge(weight)) return this.weight.exceeded();
    const r = answer();
    return { ...r, headers: { ...r.headers, ...this.weight.headers() } };
  }

  private depth(s: Sym, limit: number): RestResponse {
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
    const bids = R.levelsJson(this.lvl(book.bids, s));
    const asks = R.levelsJson(this.lvl(book.asks, s));
    const now = Date.now();
    const body = this.v.futures
      ? `{"lastUpdateId":${lastUpdateId},"E":${now},"T":${now - 1},"bids":${bids},"asks":${asks}}`
      : `{"lastUpdateId":${lastUpdateId},"bids":${bids},"asks":${asks}}`;
    return { status: 200, body, headers: { 'Content-Type': 'application/json;charset=UTF-8' } };
  }

  private exchangeInfo(q: URLSearchParams): RestResponse {
    let wanted: Sym[] = [...this.syms.values()];
    const one = q.get('symbol');
    const many = q.get('symbols');
    if (!this.v.futures && (one !== null || many !== null)) {
      let names: unknown = one !== null ? [one] : undefined;
      if (many !== null) {
        try {
          names = JSON.parse(many);
        } catch {
          names = undefined;
        }
      }
      if (!Array.isArray(names)) return { status: 400, body: { code: -1100, msg: "Illegal characters found in parameter 'symbols'." } };
      const found = names.map((n) => (typeof n === 'string' ? this.byNative.get(n) : undefined));
      if (found.some((f) => f === undefined)) return { status: 400, body: { code: -1121, msg: 'Invalid symbol.' } };
      wanted = found as Sym[];
    }
    const info = wanted.map((s) => ({ spec: s.spec, native: s.native, ...(this.v.coinM ? { coinM: { pair: s.pair, contractType: s.contractType, delivery: s.delivery } } : {}) }));
    return { status: 200, body: exchangeInfo(info, this.v.futures, this.weight.limit, (v) => this.px(v)) };
  }

  // ---- truth ----
  private render(s: Sym, book: SimBook, updateId: number): SimBook {
    return { symbol: book.symbol, updateId, bids: this.lvl(book.bids, s), asks: this.lvl(book.asks, s) };
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
        const s = list[i % list.length] as Sym;
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
