/**
 * An L2 order book: pure data, no I/O. Levels are identified by their decimal price (`"42499.00"` and `"42499.0"` are
 * one level) and ordered numerically; prices and sizes come back as the exchange's strings.
 *
 * Each side is kept sorted with the best price at the END, searched from that end, so the frequent updates, inserts
 * and removals near the top touch few elements. Two storages, one behaviour:
 * - numbers (numeric-side.ts, the default): every price and size a plain decimal of ≤ 15 significant digits, kept as
 *   numbers that give the exact string back — no heap object per level;
 * - strings (below): the exchange's strings themselves — for books whose checksum is computed from the strings on
 *   every update (OKX, Kraken: `{ strings: true }`), and the fallback a book switches to for good the first time a
 *   price or size does not fit in numbers (more digits, another spelling).
 */
import type { Level } from '../schema/events.js';
import { NumericSide } from './numeric-side.js';
import { DecimalScratch } from './decimal-code.js';
import type { ReadonlyLevel } from './readonly-level.js';

export type Side = 'bid' | 'ask';

/** Canonical key of a decimal string: no leading zeros in the integer part, no trailing zeros in the fraction. */
export function canonicalDecimal(s: string): string {
  let end = s.length;
  if (s.indexOf('.') !== -1) {
    while (end > 0 && s.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (end > 0 && s.charCodeAt(end - 1) === 46 /* . */) end--;
  }
  let start = 0;
  while (start < end - 1 && s.charCodeAt(start) === 48 && s.charCodeAt(start + 1) !== 46) start++;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Exact comparison of two non-negative decimal strings (no exponent). */
export function compareDecimal(a: string, b: string): number {
  const ca = canonicalDecimal(a);
  const cb = canonicalDecimal(b);
  if (ca === cb) return 0;
  const ia = ca.indexOf('.');
  const ib = cb.indexOf('.');
  const intA = ia === -1 ? ca : ca.slice(0, ia);
  const intB = ib === -1 ? cb : cb.slice(0, ib);
  if (intA.length !== intB.length) return intA.length < intB.length ? -1 : 1;
  if (intA !== intB) return intA < intB ? -1 : 1;
  const fa = ia === -1 ? '' : ca.slice(ia + 1);
  const fb = ib === -1 ? '' : cb.slice(ib + 1);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** True when a decimal size string is zero (`"0"`, `"0.00000000"`). */
export function isZeroSize(size: string): boolean {
  // hot path: a plain decimal is zero iff it has only '0' and '.' (and at least one digit)
  let digit = false;
  for (let i = 0; i < size.length; i++) {
    const c = size.charCodeAt(i);
    if (c === 48) digit = true;
    else if (c !== 46) return c >= 49 && c <= 57 ? false : parseFloat(size) === 0;
  }
  return digit;
}

/**
 * Spell every removal of a delta as exactly `"0"` (the exchanges send `"0.00000000"`, `"0.00000"`…), in place, so a
 * consumer comparing strings sees a removal. One character read for almost every level (a size that does not start
 * with `0` is not zero).
 */
export function spellRemovalsZero(levels: readonly Level[]): void {
  for (let i = 0; i < levels.length; i++) {
    const l = levels[i]!;
    const s = l[1];
    if (s.charCodeAt(0) === 48 && s.length > 1 && isZeroSize(s)) l[1] = '0';
  }
}

/**
 * One side: parallel arrays sorted so that the best price is LAST (bids ascending, asks descending) — the numeric
 * prices in one array of doubles (searched without touching any other memory), the price and size strings beside.
 * Searched from the best end (galloping, then binary search) since most updates land near the top. No hash map: a
 * level is found by its numeric value (ties, e.g. `"42499.00"` vs `"42499.0"` or floats too close to tell apart, by
 * exact decimal comparison), so no canonical key string is built per update.
 */
/** Inserts/removals at most this far from the best end move the elements in a loop instead of splice. */
const SHIFT_BY_HAND = 32;

class StringSide {
  readonly nums: number[] = [];
  readonly prices: string[] = [];
  readonly sizes: string[] = [];
  /** The best level as last read (frozen, shared); still good while the best's strings are the same. */
  private bestCache: ReadonlyLevel | undefined;
  constructor(private readonly ascending: boolean) {}

  get length(): number {
    return this.nums.length;
  }

  /** Sign of level `i` against (num, price) in this side's sort order (0: the same level). */
  private cmp(i: number, num: number, price: string): number {
    let c = this.nums[i]! - num;
    if (c === 0) {
      const p = this.prices[i]!;
      if (p === price) return 0;
      c = compareDecimal(p, price);
    }
    return this.ascending ? c : -c;
  }

  /** First index whose level sorts at or after (num, price). */
  private lowerBound(num: number, price: string): number {
    const nums = this.nums;
    const asc = this.ascending;
    let hi = nums.length;
    let lo = 0;
    let step = 1;
    while (hi - step >= 0) {
      const j = hi - step;
      const d = nums[j]! - num;
      if (d === 0 ? this.cmp(j, num, price) < 0 : asc ? d < 0 : d > 0) {
        lo = j + 1;
        break;
      }
      hi = j;
      step <<= 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const d = nums[mid]! - num;
      if (d === 0 ? this.cmp(mid, num, price) < 0 : asc ? d < 0 : d > 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the level at `price`, or -1. */
  find(price: string): number {
    const num = parseFloat(price);
    const i = this.lowerBound(num, price);
    return i < this.nums.length && this.nums[i] === num && this.cmp(i, num, price) === 0 ? i : -1;
  }

  set(price: string, size: string): boolean {
    const nums = this.nums;
    const num = parseFloat(price);
    const i = this.lowerBound(num, price);
    const n = nums.length;
    const hit = i < n && nums[i] === num && this.cmp(i, num, price) === 0;
    if (isZeroSize(size)) {
      if (hit) this.removeAt(i); // deletes of absent levels are normal on several feeds
      return true;
    }
    if (hit) {
      this.sizes[i] = size;
      // the same spelling: keep the stored string, so the frame's copy dies young; another spelling: the latest wins
      if (this.prices[i] !== price) this.prices[i] = price;
      return true;
    }
    const prices = this.prices;
    const sizes = this.sizes;
    if (n - i > SHIFT_BY_HAND) {
      nums.splice(i, 0, num);
      prices.splice(i, 0, price);
      sizes.splice(i, 0, size);
      return true;
    }
    // near the best end: shift by hand (three splice calls would each allocate a result array)
    nums.push(num);
    prices.push(price);
    sizes.push(size);
    for (let k = n; k > i; k--) {
      nums[k] = nums[k - 1]!;
      prices[k] = prices[k - 1]!;
      sizes[k] = sizes[k - 1]!;
    }
    nums[i] = num;
    prices[i] = price;
    sizes[i] = size;
    return true;
  }

  sizeAt(price: string): string | undefined {
    const i = this.find(price);
    return i < 0 ? undefined : this.sizes[i];
  }

  bestValue(): number {
    const i = this.nums.length - 1;
    return i < 0 ? NaN : this.nums[i]!;
  }

  private removeAt(i: number): void {
    const nums = this.nums;
    const prices = this.prices;
    const sizes = this.sizes;
    const last = nums.length - 1;
    if (last - i > SHIFT_BY_HAND) {
      nums.splice(i, 1);
      prices.splice(i, 1);
      sizes.splice(i, 1);
      return;
    }
    for (let k = i; k < last; k++) {
      nums[k] = nums[k + 1]!;
      prices[k] = prices[k + 1]!;
      sizes[k] = sizes[k + 1]!;
    }
    nums.pop();
    prices.pop();
    sizes.pop();
  }

  clear(): void {
    this.nums.length = 0;
    this.prices.length = 0;
    this.sizes.length = 0;
  }

  best(): Level | undefined {
    const i = this.nums.length - 1;
    return i < 0 ? undefined : [this.prices[i]!, this.sizes[i]!];
  }

  bestFrozen(): ReadonlyLevel | undefined {
    const i = this.nums.length - 1;
    if (i < 0) return undefined;
    const c = this.bestCache;
    const p = this.prices[i]!;
    const q = this.sizes[i]!;
    return c !== undefined && c[0] === p && c[1] === q ? c : (this.bestCache = Object.freeze([p, q] as const));
  }

  top(n: number): Level[] {
    const out: Level[] = [];
    for (let i = this.nums.length - 1; i >= 0 && out.length < n; i--) out.push([this.prices[i]!, this.sizes[i]!]);
    return out;
  }

  /** Keep only the best `depth` levels; returns the removed ones, best first. */
  truncate(depth: number): Level[] {
    const cut = this.nums.length - depth;
    if (cut <= 0) return [];
    this.nums.splice(0, cut);
    const prices = this.prices.splice(0, cut);
    const sizes = this.sizes.splice(0, cut);
    const out: Level[] = [];
    for (let i = cut - 1; i >= 0; i--) out.push([prices[i]!, sizes[i]!]);
    return out;
  }
}

/** What a book side does, in either storage. */
interface SideStore {
  readonly length: number;
  /** False when the level cannot be kept in this storage (nothing changed). */
  set(price: string, size: string): boolean;
  sizeAt(price: string): string | undefined;
  bestValue(): number;
  best(): Level | undefined;
  /** The best level, frozen; the same object as long as the best level has not changed. */
  bestFrozen(): ReadonlyLevel | undefined;
  top(n: number): Level[];
  truncate(depth: number): Level[];
  clear(): void;
}

export interface OrderBookOptions {
  /** Keep the exchange's strings (for books that compute a checksum from them on every update). */
  strings?: boolean;
}

export class OrderBook {
  private bidSide: SideStore;
  private askSide: SideStore;
  private numeric: boolean;

  constructor(opts: OrderBookOptions = {}) {
    this.numeric = opts.strings !== true;
    const dec = this.numeric ? new DecimalScratch() : undefined;
    this.bidSide = dec ? new NumericSide(true, dec) : new StringSide(true);
    this.askSide = dec ? new NumericSide(false, dec) : new StringSide(false);
  }

  /** True while levels are kept as numbers (false: strings, by option or after a value that did not fit). */
  get numericStorage(): boolean {
    return this.numeric;
  }

  /** Replace the whole book. */
  applySnapshot(bids: readonly Level[], asks: readonly Level[]): void {
    this.clear();
    this.applyLevels(bids, asks);
  }

  /**
   * Apply absolute sizes; size `"0"` removes a level (absent levels are ignored). `codes`: the same levels in numeric
   * form (a frame scanner's LevelCodes, see level-codes.ts), which saves reading the strings while the book keeps numbers.
   */
  applyLevels(bids: readonly Level[], asks: readonly Level[], codes?: Float64Array): void {
    if (codes !== undefined && this.numeric) {
      this.applyCoded(bids, asks, codes);
      return;
    }
    let b = this.bidSide;
    for (let i = 0; i < bids.length; i++) {
      const l = bids[i]!;
      if (!b.set(l[0], l[1])) (b = this.toStrings().bidSide).set(l[0], l[1]);
    }
    let a = this.askSide;
    for (let i = 0; i < asks.length; i++) {
      const l = asks[i]!;
      if (!a.set(l[0], l[1])) (a = this.toStrings().askSide).set(l[0], l[1]);
    }
  }

  private applyCoded(bids: readonly Level[], asks: readonly Level[], codes: Float64Array): void {
    const b = this.bidSide as NumericSide;
    let j = 0;
    for (let i = 0; i < bids.length; i++, j += 3) {
      if (!b.setCoded(codes[j]!, codes[j + 1]!, codes[j + 2]!)) {
        // a level that does not fit: strings from here on (what applyLevels does), the rest from the strings
        this.applyLevels(bids.slice(i), asks);
        return;
      }
    }
    const a = this.askSide as NumericSide;
    for (let i = 0; i < asks.length; i++, j += 3) {
      if (!a.setCoded(codes[j]!, codes[j + 1]!, codes[j + 2]!)) {
        this.applyLevels([], asks.slice(i));
        return;
      }
    }
  }

  set(side: Side, price: string, size: string): void {
    if (!(side === 'bid' ? this.bidSide : this.askSide).set(price, size)) {
      this.toStrings();
      (side === 'bid' ? this.bidSide : this.askSide).set(price, size);
    }
  }

  /** Switch both sides to string storage for good, keeping every level. */
  private toStrings(): this {
    if (!this.numeric) return this;
    this.numeric = false;
    const convert = (from: SideStore, ascending: boolean): StringSide => {
      const to = new StringSide(ascending);
      for (const [p, q] of from.top(Number.MAX_SAFE_INTEGER)) to.set(p, q);
      return to;
    };
    this.bidSide = convert(this.bidSide, true);
    this.askSide = convert(this.askSide, false);
    return this;
  }

  clear(): void {
    this.bidSide.clear();
    this.askSide.clear();
  }

  bestBid(): Level | undefined {
    return this.bidSide.best();
  }

  bestAsk(): Level | undefined {
    return this.askSide.best();
  }

  /**
   * The best level of a side, frozen and shared between reads until it changes: formatted once per change, not per
   * read (for read-only views that hand levels out without copying them).
   */
  bestFrozen(side: Side): ReadonlyLevel | undefined {
    return (side === 'bid' ? this.bidSide : this.askSide).bestFrozen();
  }

  /** Best `n` levels per side, best first. */
  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bidSide.top(n), asks: this.askSide.top(n) };
  }

  /** All levels, best first. */
  snapshot(): { bids: Level[]; asks: Level[] } {
    return this.top(Number.MAX_SAFE_INTEGER);
  }

  get bidCount(): number {
    return this.bidSide.length;
  }

  get askCount(): number {
    return this.askSide.length;
  }

  /** Size at a price, or undefined. */
  sizeAt(side: Side, price: string): string | undefined {
    return (side === 'bid' ? this.bidSide : this.askSide).sizeAt(price);
  }

  /** Best bid >= best ask. */
  isCrossed(): boolean {
    const bn = this.bidSide.bestValue();
    const an = this.askSide.bestValue();
    if (bn !== bn || an !== an) return false; // a side is empty
    if (bn !== an) return bn > an;
    return compareDecimal(this.bidSide.best()![0], this.askSide.best()![0]) >= 0;
  }

  /** Keep the best `depth` levels per side (for feeds that define the book at a fixed depth); returns the removed. */
  truncate(depth: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bidSide.truncate(depth), asks: this.askSide.truncate(depth) };
  }
}
