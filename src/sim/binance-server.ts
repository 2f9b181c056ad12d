/**
 * Binance spot and USD-M futures protocol servers for the simulator (PROTOCOLS.md §1), on the generic framework
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
import * as R from './binance-render.js';
import { faultNumber } from './faults.js';
import { SimMarket } from './market.js';
import { formatFixed, mulberry32, padDecimals, subSeed } from './prng.js';
import type { BurstOptions, BurstResult, RestRequest, RestResponse, SimConnection, SimProtocol, SimServer } from './server.js';
import { splitUnified } from './symbols.js';
import type { SimBook, SimDiff, SimFault, SimSymbolSpec } from './types.js';

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
}

interface Variant {
  exchange: 'binance' | 'binance-futures';
  futures: boolean;
  combinedPath: string;
  rawPath: string;
  rest: string;
  pingMs: number;
  maxIncoming: number;
  weightLimit: number;
  /** Right-pad prices/sizes to this many decimals (spot 8); undefined = instrument decimals. */
  wireDecimals: number | undefined;
  depthTopics: readonly string[];
}

const SPOT: Variant = {
  exchange: 'binance',
  futures: false,
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
  combinedPath: '/public/stream',
  rawPath: '/public/ws',
  rest: '/fapi/v1',
  pingMs: 180_000,
  maxIncoming: 10,
  weightLimit: 2400,
  wireDecimals: undefined,
  depthTopics: ['@depth@100ms', '@depth', '@depth@250ms', '@depth@500ms'],
};

const STREAM_RE =
  /^[a-z0-9]+@(depth(@(100|250|500|1000)ms)?|depth(5|10|20)(@(100|250|500|1000)ms)?|bookTicker|ticker|miniTicker|trade|aggTrade|markPrice(@1s)?|kline_\w+)$|^!(ticker@arr|miniTicker@arr|bookTicker)$/;
const MAX_STREAMS = 1024;
const FUTURES_LIMITS = [5, 10, 20, 50, 100, 500, 1000];

/** One generated event with its wire ids (spot: the change ids; futures: shifted by `off`). */
interface Gen {
  diff: SimDiff;
  off: number;
  U: number;
  u: number;
  pu: number;
}

interface Sym {
  spec: SimSymbolSpec;
  native: string;
  lower: string;
  /** Generated early for a mid-event REST snapshot, not yet emitted. */
  pending: Gen | undefined;
  /** Internal change id of the last emitted event (sent or dropped). */
  lastEmitted: number;
  /** Wire `u` of the last generated event (next event's `pu`). */
  lastGenU: number;
  /** Id map of generated events (internal → wire offset), ascending. */
  events: { iFirst: number; iLast: number; off: number }[];
  baseOff: number;
  startId: number;
  lastTop: string;
}

export class BinanceProtocol implements SimProtocol {
  readonly exchange: 'binance' | 'binance-futures';
  readonly pingIntervalMs: number;
  readonly maxIncomingPerSec: number;
  readonly market: SimMarket;
  private server: SimServer | undefined;
  private readonly syms = new Map<string, Sym>();
  private readonly byLower = new Map<string, Sym>();
  private readonly byNative = new Map<string, Sym>();
  private readonly rng: () => number;
  private weightMinute = 0;
  private weightUsed = 0;

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
    for (const spec of opts.symbols) {
      const { base, quote } = splitUnified(spec.symbol);
      const native = `${base}${quote}`.toUpperCase();
      const startId = this.market.lastId(spec.symbol);
      const baseOff = v.futures ? 500_000_000_000 + Math.floor(this.rng() * 100_000_000_000) : 0;
      const s: Sym = {
        spec,
        native,
        lower: native.toLowerCase(),
        pending: undefined,
        lastEmitted: startId,
        lastGenU: startId + baseOff,
        events: [],
        baseOff,
        startId,
        lastTop: '',
      };
      this.syms.set(spec.symbol, s);
      this.byLower.set(s.lower, s);
      this.byNative.set(native, s);
    }
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
  }

  // ---- formatting ----
  private px(v: string): string {
    return this.v.wireDecimals === undefined ? v : padDecimals(v, this.v.wireDecimals);
  }
  private lvl(levels: readonly Level[]): Level[] {
    if (this.v.wireDecimals === undefined) return levels as Level[];
    const d = this.v.wireDecimals;
    return levels.map((l) => [padDecimals(l[0], d), padDecimals(l[1], d)] as Level);
  }

  // ---- ids ----
  private gen(s: Sym): Gen {
    const diff = this.market.step(s.spec.symbol);
    const skip = this.v.futures ? 1 + Math.floor(this.rng() * 40) : 0;
    const U = s.lastGenU + 1 + skip;
    const off = U - diff.firstId;
    const g: Gen = { diff, off, U, u: diff.lastId + off, pu: s.lastGenU };
    s.lastGenU = g.u;
    s.events.push({ iFirst: diff.firstId, iLast: diff.lastId, off });
    if (s.events.length > 60_000) s.events.splice(0, 10_000);
    return g;
  }

  /** Wire id of the book state after internal change `id`. */
  private wireOf(s: Sym, id: number): number {
    const ev = s.events;
    let lo = 0;
    let hi = ev.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((ev[mid] as { iFirst: number }).iFirst <= id) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? id + s.baseOff : id + (ev[found] as { off: number }).off;
  }

  /** Internal change id of the book state a wire id names (a wire id in a gap names the preceding event's end). */
  private internalOf(s: Sym, wire: number): number | undefined {
    const ev = s.events;
    if (wire === s.startId + s.baseOff) return s.startId;
    let lo = 0;
    let hi = ev.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const e = ev[mid] as { iFirst: number; off: number };
      if (e.iFirst + e.off <= wire) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0) return undefined;
    const e = ev[found] as { iFirst: number; iLast: number; off: number };
    return Math.min(wire - e.off, e.iLast);
  }

  // ---- publishing ----
  private emit(s: Sym, g: Gen): void {
    const server = this.server;
    if (!server) return;
    const symbol = s.spec.symbol;
    s.pending = undefined;
    s.lastEmitted = g.diff.lastId;
    const fault = server.faults.takeDiffFault(symbol);
    const garbageFrame = server.faults.takeGarbageFrame(symbol);
    const E = g.diff.time;
    // bookTicker (real-time) when the top of book changed; sent before the depth event, as on the real feed
    const best = this.market.best(symbol);
    if (best.bid && best.ask) {
      const top = `${best.bid[0]}|${best.bid[1]}|${best.ask[0]}|${best.ask[1]}`;
      if (top !== s.lastTop) {
        s.lastTop = top;
        const topic = `${s.lower}@bookTicker`;
        if (server.hasSubscribers(topic)) {
          const [bid, ask] = this.lvl([best.bid, best.ask]) as [Level, Level];
          const data = R.bookTicker({ u: g.u, s: s.native, bid, ask, E, T: E - 1 }, this.v.futures);
          this.publishData(topic, symbol, data);
        }
      }
    }
    for (const suffix of this.v.depthTopics) {
      const topic = s.lower + suffix;
      if (!server.hasSubscribers(topic)) continue;
      if (garbageFrame) server.publish(topic, symbol, () => 'sim garbage frame: {"not":json]');
      if (fault === 'drop') continue;
      if (fault === 'garbage') {
        server.publish(topic, symbol, () => `{"stream":"${topic}","data":{"e":"depthUpdate","E":${E},"s":"${s.native}","U":`);
        continue;
      }
      const data = R.depthUpdate(
        { E, T: E - 2, s: s.native, U: g.U, u: g.u, pu: g.pu, bids: this.lvl(g.diff.bids), asks: this.lvl(g.diff.asks) },
        this.v.futures,
      );
      this.publishData(topic, symbol, data);
    }
  }

  private publishData(topic: string, symbol: string, data: string): void {
    let wrapped: string | undefined;
    this.server?.publish(topic, symbol, (conn) => (conn.mode === 'raw' ? data : (wrapped ??= R.combined(topic, data))));
  }

  private publishTrade(s: Sym): void {
    const topic = `${s.lower}@trade`;
    const t = this.market.trade(s.spec.symbol);
    if (!this.server?.hasSubscribers(topic)) return;
    const data = R.trade(
      { E: t.time, T: t.time, s: s.native, t: t.id, p: this.px(t.price), q: this.px(t.size), m: t.side === 'sell' },
      this.v.futures,
    );
    this.publishData(topic, s.spec.symbol, data);
  }

  private publishTicker(s: Sym): void {
    const topic = `${s.lower}@ticker`;
    if (!this.server?.hasSubscribers(topic)) return;
    const best = this.market.best(s.spec.symbol);
    const [bid, ask] = best.bid && best.ask ? (this.lvl([best.bid, best.ask]) as [Level, Level]) : [undefined, undefined];
    const px = (v: string): string => this.px(v);
    const data = R.ticker24h(
      { E: Date.now(), s: s.native, stats: this.market.stats(s.spec.symbol), px, qty: px, bid, ask },
      this.v.futures,
    );
    this.publishData(topic, s.spec.symbol, data);
  }

  // ---- WebSocket ----
  acceptUpgrade(url: URL): boolean {
    const p = url.pathname;
    return p === this.v.combinedPath || p === this.v.rawPath || p.startsWith(`${this.v.rawPath}/`);
  }

  onOpen(conn: SimConnection, url: URL): void {
    const p = url.pathname;
    const server = this.server;
    if (!server) return;
    let streams: string[] = [];
    if (p === this.v.combinedPath) {
      conn.mode = 'combined';
      streams = (url.searchParams.get('streams') ?? '').split('/');
    } else {
      conn.mode = 'raw';
      streams = p.slice(this.v.rawPath.length + 1).split('/');
    }
    for (const st of streams) if (st && STREAM_RE.test(st) && conn.topics.size < MAX_STREAMS) server.subscribe(conn, st);
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
          for (const st of list) server.subscribe(conn, st);
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
  private weightHeaders(): Record<string, string> {
    return { 'X-MBX-USED-WEIGHT-1M': String(this.weightUsed) };
  }

  /** Charge `w`; false when it would exceed the per-minute budget. */
  private charge(w: number): boolean {
    const minute = Math.floor(Date.now() / 60_000);
    if (minute !== this.weightMinute) {
      this.weightMinute = minute;
      this.weightUsed = 0;
    }
    const limit = this.opts.restWeightLimit ?? this.v.weightLimit;
    if (this.weightUsed + w > limit) return false;
    this.weightUsed += w;
    return true;
  }

  restFaultResponse(fault: SimFault): RestResponse {
    const retry = String(faultNumber(fault, 'retryAfterSec') ?? 1);
    const h = this.weightHeaders();
    if (fault.kind === 'rest-429') {
      return { status: 429, headers: { ...h, 'Retry-After': retry }, body: { code: -1003, msg: 'Too many requests; current limit of IP is exceeded.' } };
    }
    if (fault.kind === 'rest-418') {
      const until = Date.now() + Number(retry) * 1000;
      return { status: 418, headers: { ...h, 'Retry-After': retry }, body: { code: -1003, msg: `Way too many requests; IP banned until ${until}.` } };
    }
    return { status: 500, headers: h, body: { code: -1000, msg: 'An unknown error occurred while processing the request.' } };
  }

  handleRest(req: RestRequest): RestResponse {
    const path = req.path;
    const base = this.v.rest;
    let weight: number;
    let answer: () => RestResponse;
    if (path === `${base}/depth`) {
      const parsed = this.depthParams(req.query);
      if ('error' in parsed) return { status: 400, headers: this.weightHeaders(), body: parsed.error };
      weight = parsed.weight;
      answer = () => this.depth(parsed.sym, parsed.limit);
    } else if (path === `${base}/exchangeInfo`) {
      weight = this.v.futures ? 1 : 20;
      answer = () => this.exchangeInfo(req.query);
    } else if (path === `${base}/ping`) {
      weight = 1;
      answer = () => ({ status: 200, body: {} });
    } else if (path === `${base}/time`) {
      weight = 1;
      answer = () => ({ status: 200, body: { serverTime: Date.now() } });
    } else {
      return { status: 404, body: '<html><body><h2>404 Not found</h2></body></html>' };
    }
    if (!this.charge(weight)) {
      const retry = String(60 - Math.floor((Date.now() % 60_000) / 1000));
      return {
        status: 429,
        headers: { ...this.weightHeaders(), 'Retry-After': retry },
        body: {
          code: -1003,
          msg: `Too much request weight used; current limit is ${this.opts.restWeightLimit ?? this.v.weightLimit} request weight per 1 MINUTE.`,
        },
      };
    }
    const r = answer();
    return { ...r, headers: { ...r.headers, ...this.weightHeaders() } };
  }

  private depthParams(q: URLSearchParams): { sym: Sym; limit: number; weight: number } | { error: object } {
    const symbol = q.get('symbol');
    if (!symbol) return { error: { code: -1102, msg: "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed." } };
    const sym = this.byNative.get(symbol);
    if (!sym) return { error: { code: -1121, msg: 'Invalid symbol.' } };
    const raw = q.get('limit');
    let limit = raw === null ? (this.v.futures ? 500 : 100) : Number(raw);
    if (!Number.isInteger(limit) || limit < 1) return { error: { code: -1100, msg: "Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'." } };
    if (this.v.futures) {
      if (!FUTURES_LIMITS.includes(limit)) return { error: { code: -1130, msg: "Data sent for parameter 'limit' is not valid." } };
      const weight = limit <= 50 ? 2 : limit === 100 ? 5 : limit === 500 ? 10 : 20;
      return { sym, limit, weight };
    }
    limit = Math.min(limit, 5000);
    const weight = limit <= 100 ? 5 : limit <= 500 ? 25 : limit <= 1000 ? 50 : 250;
    return { sym, limit, weight };
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
    const lastUpdateId = this.wireOf(s, internal);
    const bids = R.levelsJson(this.lvl(book.bids));
    const asks = R.levelsJson(this.lvl(book.asks));
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
    const limit = this.opts.restWeightLimit ?? this.v.weightLimit;
    const rateLimits = [
      { rateLimitType: 'REQUEST_WEIGHT', interval: 'MINUTE', intervalNum: 1, limit },
      { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
      { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
    ];
    const symbols = wanted.map((s) => this.symbolInfo(s));
    return { status: 200, body: { timezone: 'UTC', serverTime: Date.now(), rateLimits, exchangeFilters: [], symbols } };
  }

  private symbolInfo(s: Sym): object {
    const { base, quote } = splitUnified(s.spec.symbol);
    const tick = this.px(formatFixed(1, s.spec.tickDecimals));
    const step = this.px(formatFixed(1, s.spec.lotDecimals));
    const filters = [
      { filterType: 'PRICE_FILTER', minPrice: tick, maxPrice: this.px(formatFixed(10_000_000 * 10 ** s.spec.tickDecimals, s.spec.tickDecimals)), tickSize: tick },
      { filterType: 'LOT_SIZE', minQty: step, maxQty: this.px(formatFixed(9000 * 10 ** s.spec.lotDecimals, s.spec.lotDecimals)), stepSize: step },
    ];
    if (this.v.futures) {
      return {
        symbol: s.native,
        pair: s.native,
        contractType: 'PERPETUAL',
        status: 'TRADING',
        baseAsset: base,
        quoteAsset: quote,
        marginAsset: quote,
        pricePrecision: s.spec.tickDecimals,
        quantityPrecision: s.spec.lotDecimals,
        filters,
      };
    }
    return {
      symbol: s.native,
      status: 'TRADING',
      baseAsset: base,
      baseAssetPrecision: 8,
      quoteAsset: quote,
      quotePrecision: 8,
      quoteAssetPrecision: 8,
      filters,
      permissions: [],
      permissionSets: [['SPOT']],
    };
  }

  // ---- truth ----
  private render(book: SimBook, updateId: number): SimBook {
    return { symbol: book.symbol, updateId, bids: this.lvl(book.bids), asks: this.lvl(book.asks) };
  }

  trueBook(symbol: string): SimBook | undefined {
    const s = this.syms.get(symbol);
    if (!s) return undefined;
    const book = this.market.bookAt(symbol, s.lastEmitted);
    return book ? this.render(book, this.wireOf(s, s.lastEmitted)) : undefined;
  }

  trueBookAt(symbol: string, updateId: number): SimBook | undefined {
    const s = this.syms.get(symbol);
    if (!s) return undefined;
    const internal = this.internalOf(s, updateId);
    if (internal === undefined || internal > s.lastEmitted) return undefined;
    const book = this.market.bookAt(symbol, internal);
    return book ? this.render(book, updateId) : undefined;
  }

  /** Internal: the wire ids of the last emitted event of a symbol (tests). */
  lastEvent(symbol: string): { u: number } | undefined {
    const s = this.syms.get(symbol);
    return s ? { u: this.wireOf(s, s.lastEmitted) } : undefined;
  }

  async burst(opts: BurstOptions): Promise<BurstResult> {
    const server = this.server;
    if (!server) throw new Error('sim: server not started');
    const list = (opts.symbols ?? [...this.syms.keys()]).map((sym) => {
      const s = this.syms.get(sym);
      if (!s) throw new Error(`sim: unknown symbol ${sym}`);
      return s;
    });
    const t0 = performance.now();
    const r = await server.burst(() => {
      for (let i = 0; i < opts.diffs; i++) {
        const s = list[i % list.length] as Sym;
        this.emit(s, s.pending ?? this.gen(s));
      }
    });
    return { diffs: opts.diffs, frames: r.frames, bytes: r.bytes, ms: performance.now() - t0 };
  }
}

export function binanceSpotProtocol(opts: BinanceSimOptions): BinanceProtocol {
  return new BinanceProtocol(SPOT, opts);
}

export function binanceFuturesProtocol(opts: BinanceSimOptions): BinanceProtocol {
  return new BinanceProtocol(FUTURES, opts);
}
