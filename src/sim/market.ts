/**
 * SimMarket: a seeded market generator that evolves one true L2 book per symbol.
 *
 * - Deterministic for a seed, per symbol: every symbol has its own PRNGs (book and trades), so the sequence of
 *   diffs of one symbol does not depend on how timers interleave symbols.
 * - Prices and sizes are integers internally (ticks and lots) and rendered as fixed-decimal strings with the
 *   symbol's `tickDecimals` / `lotDecimals`. Never floats for values.
 * - Every changed level consumes one consecutive change id; `step()` returns the changes as a `SimDiff`
 *   (`firstId..lastId`). A level appears at most once per diff, with its absolute size ("0…" removes).
 * - The book never crosses and never holds more than `levels` levels per side, so a REST snapshot of `levels`
 *   levels is the whole true book.
 * - `bookAt(id)` rebuilds the exact book at a past change id from an undo ring of the last `historySize` changes.
 *
 * A symbol's state and initial book: ./market-state.ts; the level changes of `step()`: ./book-walk.ts.
 */
import type { Level } from '../schema/events.js';
import { changeLevel, setLevel, type WalkLimits } from './book-walk.js';
import { ASK, BID, initState, type Side, type SymState } from './market-state.js';
import { formatFixed } from './prng.js';
import type { SimBook, SimDiff, SimSymbolSpec, SimTrade } from './types.js';

export interface SimMarketOptions {
  seed?: number;
  symbols: readonly SimSymbolSpec[];
  /** Levels per side (the whole true book). Default 1000. */
  levels?: number;
  /** Changes kept for `bookAt` per symbol. Default 50_000. */
  historySize?: number;
  /** Max level changes per diff (min 1). Default 20. */
  maxChanges?: number;
  /** Market clock, epoch ms. Default Date.now. */
  now?: () => number;
}

/** Rolling statistics since the market started (rendered as the exchange's 24 h ticker). */
export interface SimStats {
  open: string;
  high: string;
  low: string;
  last: string;
  lastQty: string;
  priceChange: string;
  priceChangePercent: string;
  weightedAvg: string;
  volume: string;
  quoteVolume: string;
  openTime: number;
  firstTradeId: number;
  lastTradeId: number;
  count: number;
}

export class SimMarket {
  readonly levels: number;
  private readonly historySize: number;
  private readonly maxChanges: number;
  private readonly walk: WalkLimits;
  private readonly now: () => number;
  private readonly states = new Map<string, SymState>();
  private readonly specs: SimSymbolSpec[];

  constructor(opts: SimMarketOptions) {
    this.levels = Math.max(2, opts.levels ?? 1000);
    this.historySize = Math.max(16, opts.historySize ?? 50_000);
    this.maxChanges = Math.max(1, opts.maxChanges ?? 20);
    this.walk = { levels: this.levels, minCount: Math.max(1, Math.floor(this.levels * 0.9)), historySize: this.historySize };
    this.now = opts.now ?? Date.now;
    this.specs = [...opts.symbols];
    const seed = opts.seed ?? 1;
    for (const spec of this.specs) this.states.set(spec.symbol, initState(spec, seed, this.levels, this.historySize));
  }

  symbols(): readonly SimSymbolSpec[] {
    return this.specs;
  }

  has(symbol: string): boolean {
    return this.states.has(symbol);
  }

  spec(symbol: string): SimSymbolSpec {
    return this.st(symbol).spec;
  }

  /** Last change id applied to the true book of `symbol`. */
  lastId(symbol: string): number {
    return this.st(symbol).lastId;
  }

  /** Oldest change id `bookAt` can still rebuild. */
  oldestId(symbol: string): number {
    const s = this.st(symbol);
    return s.lastId - Math.min(s.hCount, this.historySize);
  }

  /** Evolve the book by 1..maxChanges level changes. */
  step(symbol: string): SimDiff {
    const s = this.st(symbol);
    const target = 1 + Math.floor(s.rng() * this.maxChanges);
    const touched = new Set<number>();
    const bids: Level[] = [];
    const asks: Level[] = [];
    const firstId = s.lastId + 1;
    let count = 0;
    for (let attempt = 0; count < target && attempt < target * 4 + 8; attempt++) {
      count += changeLevel(s, this.walk, touched, bids, asks);
    }
    if (count === 0) {
      // Practically unreachable; keep the "at least one change" promise.
      const side = s.sides[BID];
      const key = side.keys[0] as number;
      setLevel(s, this.historySize, BID, key, ((side.lots.get(key) ?? 1) % s.lotsMax) + 1, bids, asks);
    }
    return { symbol, firstId, lastId: s.lastId, bids, asks, time: this.now() };
  }

  /** A trade at the best bid (taker sell) or best ask (taker buy). Does not change the book. */
  trade(symbol: string): SimTrade {
    const s = this.st(symbol);
    const side: 'buy' | 'sell' = s.tradeRng() < 0.5 ? 'buy' : 'sell';
    const book = s.sides[side === 'buy' ? ASK : BID];
    const tick = (book.keys[0] as number) * book.sign;
    const lots = 1 + Math.floor(s.tradeRng() * Math.max(1, s.lotsMax / 10));
    const time = this.now();
    if (s.tradeCount === 0) {
      s.openTick = tick;
      s.highTick = tick;
      s.lowTick = tick;
      s.openTime = time;
      s.firstTradeId = s.tradeId + 1;
    }
    s.tradeId += 1;
    s.tradeCount += 1;
    s.highTick = Math.max(s.highTick, tick);
    s.lowTick = Math.min(s.lowTick, tick);
    s.lastTick = tick;
    s.lastLots = lots;
    s.volLots += lots;
    s.quoteUnits += BigInt(tick) * BigInt(lots);
    return {
      symbol,
      id: s.tradeId,
      price: formatFixed(tick, s.spec.tickDecimals),
      size: formatFixed(lots, s.spec.lotDecimals),
      side,
      time,
    };
  }

  stats(symbol: string): SimStats {
    const s = this.st(symbol);
    const td = s.spec.tickDecimals;
    const ld = s.spec.lotDecimals;
    const open = s.tradeCount ? s.openTick : this.midTick(s);
    const last = s.tradeCount ? s.lastTick : open;
    const wavg = s.volLots > 0 ? s.quoteUnits / BigInt(s.volLots) : BigInt(last);
    return {
      open: formatFixed(open, td),
      high: formatFixed(s.tradeCount ? s.highTick : open, td),
      low: formatFixed(s.tradeCount ? s.lowTick : open, td),
      last: formatFixed(last, td),
      lastQty: formatFixed(s.lastLots, ld),
      priceChange: formatFixed(last - open, td),
      priceChangePercent: open > 0 ? (((last - open) / open) * 100).toFixed(3) : '0.000',
      weightedAvg: formatFixed(wavg, td),
      volume: formatFixed(s.volLots, ld),
      quoteVolume: formatFixed(s.quoteUnits, td + ld),
      openTime: s.tradeCount ? s.openTime : this.now(),
      firstTradeId: s.tradeCount ? s.firstTradeId : -1,
      lastTradeId: s.tradeCount ? s.tradeId : -1,
      count: s.tradeCount,
    };
  }

  /** Best bid and ask (undefined only for an empty side, which the generator never produces). */
  best(symbol: string): { bid: Level | undefined; ask: Level | undefined; updateId: number } {
    const s = this.st(symbol);
    return { bid: this.levelAt(s, BID, 0), ask: this.levelAt(s, ASK, 0), updateId: s.lastId };
  }

  /** The current true book, best first, `depth` levels per side (default all). */
  book(symbol: string, depth = Infinity): SimBook {
    const s = this.st(symbol);
    return {
      symbol,
      updateId: s.lastId,
      bids: this.render(s, s.sides[BID].keys, s.sides[BID], depth),
      asks: this.render(s, s.sides[ASK].keys, s.sides[ASK], depth),
    };
  }

  /** The true book exactly after change `updateId`, or undefined when it is outside the kept history. */
  bookAt(symbol: string, updateId: number, depth = Infinity): SimBook | undefined {
    const s = this.st(symbol);
    if (!Number.isInteger(updateId) || updateId > s.lastId || updateId < this.oldestId(symbol)) return undefined;
    if (updateId === s.lastId) return this.book(symbol, depth);
    // the lots at `updateId` of every level changed since (walking the undo ring back, the oldest change after
    // `updateId` writes last); every other level is as it is now — no copy or sort of the whole book
    const over: [Map<number, number>, Map<number, number>] = [new Map(), new Map()];
    const cap = this.historySize;
    for (let id = s.lastId; id > updateId; id--) {
      const i = id % cap;
      const side = s.hSide[i] as number;
      const tick = s.hTick[i] as number;
      over[side]?.set(side === BID ? -tick : tick, s.hPrev[i] as number);
    }
    return {
      symbol,
      updateId,
      bids: this.renderAt(s, s.sides[BID], over[BID], depth),
      asks: this.renderAt(s, s.sides[ASK], over[ASK], depth),
    };
  }

  /** One side as it was, best first: the current levels with `over` (key → lots then, 0 = absent) applied. */
  private renderAt(s: SymState, side: Side, over: Map<number, number>, depth: number): Level[] {
    const keys = side.keys;
    // levels that existed then but not now, in key order, merged into the current keys
    const gone: number[] = [];
    for (const [key, lots] of over) if (lots !== 0 && !side.lots.has(key)) gone.push(key);
    gone.sort((a, b) => a - b);
    const out: Level[] = [];
    let i = 0;
    let j = 0;
    while (out.length < depth && (i < keys.length || j < gone.length)) {
      const key = j >= gone.length || (i < keys.length && (keys[i] as number) < (gone[j] as number)) ? (keys[i++] as number) : (gone[j++] as number);
      const lots = over.get(key) ?? side.lots.get(key) ?? 0;
      if (lots === 0) continue;
      out.push([formatFixed(key * side.sign, s.spec.tickDecimals), formatFixed(lots, s.spec.lotDecimals)]);
    }
    return out;
  }

  // ---- internals ----

  private st(symbol: string): SymState {
    const s = this.states.get(symbol);
    if (!s) throw new Error(`sim: unknown symbol ${symbol}`);
    return s;
  }

  private midTick(s: SymState): number {
    const bid = -(s.sides[BID].keys[0] as number);
    const ask = s.sides[ASK].keys[0] as number;
    return Math.floor((bid + ask) / 2);
  }

  private levelAt(s: SymState, sideIdx: number, i: number): Level | undefined {
    const side = s.sides[sideIdx] as Side;
    const key = side.keys[i];
    if (key === undefined) return undefined;
    return [formatFixed(key * side.sign, s.spec.tickDecimals), formatFixed(side.lots.get(key) ?? 0, s.spec.lotDecimals)];
  }

  private render(s: SymState, keys: readonly number[], side: Side, depth: number): Level[] {
    const n = Math.min(depth, keys.length);
    const out: Level[] = new Array<Level>(n);
    for (let i = 0; i < n; i++) {
      const key = keys[i] as number;
      out[i] = [formatFixed(key * side.sign, s.spec.tickDecimals), formatFixed(side.lots.get(key) ?? 0, s.spec.lotDecimals)];
    }
    return out;
  }
}
