/**
 * One symbol's state inside SimMarket: both sides of the true book in integer ticks and lots, the undo ring of its
 * changes (for `bookAt`), the trade statistics; and its seeded initial book.
 */
import { mulberry32, parseFixed, subSeed } from './prng.js';
import type { SimSymbolSpec } from './types.js';

/** One side: keys ascending = best first. Bids store -tick, asks store tick. */
export interface Side {
  keys: number[];
  lots: Map<number, number>;
  /** -1 for bids (key = -tick), +1 for asks. */
  sign: number;
}

export interface SymState {
  spec: SimSymbolSpec;
  rng: () => number;
  tradeRng: () => number;
  sides: [Side, Side];
  lastId: number;
  startId: number;
  // undo ring, indexed by change id % capacity
  hSide: Uint8Array;
  hTick: Float64Array;
  hPrev: Float64Array;
  hCount: number;
  lotsMax: number;
  /** tick → price string (bounded). */
  priceText: Map<number, string>;
  tradeId: number;
  openTick: number;
  highTick: number;
  lowTick: number;
  lastTick: number;
  lastLots: number;
  volLots: number;
  quoteUnits: bigint;
  openTime: number;
  firstTradeId: number;
  tradeCount: number;
}

export const BID = 0;
export const ASK = 1;

/** A symbol's state with its seeded initial book: `levels` levels per side around `spec.mid`, ids from a random start. */
export function initState(spec: SimSymbolSpec, seed: number, levels: number, historySize: number): SymState {
  const rng = mulberry32(subSeed(seed, `book:${spec.symbol}`));
  const tradeRng = mulberry32(subSeed(seed, `trade:${spec.symbol}`));
  const mid = parseFixed(spec.mid, spec.tickDecimals);
  const lotsMax = Math.max(20, 5 * 10 ** spec.lotDecimals);
  const startId = 100_000_000 + Math.floor(rng() * 900_000_000);
  const bids: Side = { keys: [], lots: new Map(), sign: -1 };
  const asks: Side = { keys: [], lots: new Map(), sign: 1 };
  let b = mid - 1;
  let a = mid + 1;
  for (let i = 0; i < levels; i++) {
    bids.keys.push(-b);
    bids.lots.set(-b, 1 + Math.floor(rng() * lotsMax));
    asks.keys.push(a);
    asks.lots.set(a, 1 + Math.floor(rng() * lotsMax));
    b -= 1 + (rng() < 0.3 ? Math.floor(rng() * 3) : 0);
    a += 1 + (rng() < 0.3 ? Math.floor(rng() * 3) : 0);
  }
  if (b <= 0) throw new Error(`sim: ${spec.symbol} mid ${spec.mid} too low for ${levels} levels`);
  return {
    spec,
    rng,
    tradeRng,
    sides: [bids, asks],
    lastId: startId,
    startId,
    hSide: new Uint8Array(historySize),
    hTick: new Float64Array(historySize),
    hPrev: new Float64Array(historySize),
    hCount: 0,
    lotsMax,
    priceText: new Map(),
    tradeId: Math.floor(rng() * 1_000_000_000),
    openTick: mid,
    highTick: mid,
    lowTick: mid,
    lastTick: mid,
    lastLots: 0,
    volLots: 0,
    quoteUnits: 0n,
    openTime: 0,
    firstTradeId: 0,
    tradeCount: 0,
  };
}
