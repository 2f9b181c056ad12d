/**
 * The seeded random walk of a SimMarket book: one level change at a time (a level removed, a new one inserted — the
 * worst evicted at full depth —, or a size changed), each applied to the sides, recorded in the undo ring and added to
 * the diff being built. The book never crosses.
 */
import type { Level } from '../schema/events.js';
import { ASK, BID, type Side, type SymState } from './market-state.js';
import { formatFixed } from './prng.js';

/** The market's sizes a change needs. */
export interface WalkLimits {
  /** Levels per side at most. */
  readonly levels: number;
  /** No removal below this many levels per side. */
  readonly minCount: number;
  /** Undo ring capacity. */
  readonly historySize: number;
}

/** One random level change; returns the number of changes recorded (0 = nothing done, try again). */
export function changeLevel(s: SymState, lim: WalkLimits, touched: Set<number>, bids: Level[], asks: Level[]): number {
  const sideIdx = s.rng() < 0.5 ? BID : ASK;
  const side = s.sides[sideIdx];
  const n = side.keys.length;
  const r = s.rng();
  if (r < 0.2 && n > lim.minCount) {
    const key = side.keys[pick(s, n)] as number;
    if (touched.has(key * 2 + sideIdx)) return 0;
    touched.add(key * 2 + sideIdx);
    setLevel(s, lim.historySize, sideIdx, key, 0, bids, asks);
    return 1;
  }
  if (r < 0.42) {
    let key: number;
    const other = s.sides[1 - sideIdx] as Side;
    const best = side.keys[0] as number;
    const limit = -(other.keys[0] as number); // keys must stay > limit (uncrossed)
    if (s.rng() < 0.25 && best - limit - 1 >= 1) {
      key = best - 1 - Math.floor(s.rng() * Math.min(best - limit - 1, 3));
    } else {
      const i = pick(s, n);
      const here = side.keys[i] as number;
      const next = side.keys[i + 1];
      const gap = next === undefined ? 4 : next - here;
      if (gap <= 1) return 0;
      key = here + 1 + Math.floor(s.rng() * (gap - 1));
    }
    if (touched.has(key * 2 + sideIdx)) return 0;
    let evict: number | undefined;
    if (n >= lim.levels) {
      const worst = side.keys[n - 1] as number;
      if (key > worst || touched.has(worst * 2 + sideIdx)) return 0;
      evict = worst;
    }
    touched.add(key * 2 + sideIdx);
    setLevel(s, lim.historySize, sideIdx, key, 1 + Math.floor(s.rng() * s.lotsMax), bids, asks);
    if (evict === undefined) return 1;
    touched.add(evict * 2 + sideIdx);
    setLevel(s, lim.historySize, sideIdx, evict, 0, bids, asks);
    return 2;
  }
  const key = side.keys[pick(s, n)] as number;
  if (touched.has(key * 2 + sideIdx)) return 0;
  touched.add(key * 2 + sideIdx);
  const old = side.lots.get(key) ?? 0;
  let lots = 1 + Math.floor(s.rng() * s.lotsMax);
  if (lots === old) lots = (lots % s.lotsMax) + 1;
  setLevel(s, lim.historySize, sideIdx, key, lots, bids, asks);
  return 1;
}

function pick(s: SymState, n: number): number {
  if (s.rng() < 0.1) return Math.floor(s.rng() * n);
  return Math.min(n - 1, Math.floor(-Math.log(1 - s.rng()) * 8));
}

/** Apply one level change (lots 0 removes), record it in the undo ring and in the diff. */
export function setLevel(s: SymState, historySize: number, sideIdx: number, key: number, lots: number, bids: Level[], asks: Level[]): void {
  const side = s.sides[sideIdx] as Side;
  const prev = side.lots.get(key) ?? 0;
  if (lots === 0) {
    side.lots.delete(key);
    const i = lowerBound(side.keys, key);
    if (side.keys[i] === key) side.keys.splice(i, 1);
  } else {
    if (prev === 0) side.keys.splice(lowerBound(side.keys, key), 0, key);
    side.lots.set(key, lots);
  }
  const id = ++s.lastId;
  const tick = key * side.sign;
  const h = id % historySize;
  s.hSide[h] = sideIdx;
  s.hTick[h] = tick;
  s.hPrev[h] = prev;
  s.hCount++;
  const level: Level = [price(s, tick), lots === 0 ? zero(s) : formatFixed(lots, s.spec.lotDecimals)];
  (sideIdx === BID ? bids : asks).push(level);
}

function price(s: SymState, tick: number): string {
  let t = s.priceText.get(tick);
  if (t === undefined) {
    if (s.priceText.size > 100_000) s.priceText.clear();
    t = formatFixed(tick, s.spec.tickDecimals);
    s.priceText.set(tick, t);
  }
  return t;
}

function zero(s: SymState): string {
  return formatFixed(0, s.spec.lotDecimals);
}

/** First index i with keys[i] >= key (keys ascending). */
function lowerBound(keys: readonly number[], key: number): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as number) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
