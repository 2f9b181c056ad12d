/**
 * An L2 order book: pure data, no I/O. Keyed by the exchange's decimal price strings (canonicalized so
 * `"42499.00"` and `"42499.0"` are one level) and ordered numerically. Sizes are kept as the exchange's strings.
 *
 * Each side keeps a Map for O(1) size updates and an array sorted with the best price at the END, so the frequent
 * inserts and removals near the top move few elements.
 */
import type { Level } from '../schema/events.js';

export type Side = 'bid' | 'ask';

interface Entry {
  price: string;
  size: string;
  num: number;
}

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
  return size === '0' || parseFloat(size) === 0;
}

class BookSide {
  readonly map = new Map<string, Entry>();
  /** Sorted so that the best price is last: bids ascending, asks descending. */
  readonly sorted: Entry[] = [];
  constructor(private readonly ascending: boolean) {}

  /** Index where `num`/`price` is or would be inserted. */
  private indexOf(num: number, price: string): number {
    const arr = this.sorted;
    let lo = 0;
    let hi = arr.length;
    const asc = this.ascending;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = arr[mid]!;
      let c = e.num - num;
      if (c === 0) c = compareDecimal(e.price, price);
      if (!asc) c = -c;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  set(price: string, size: string): void {
    const key = canonicalDecimal(price);
    const existing = this.map.get(key);
    if (isZeroSize(size)) {
      if (existing === undefined) return; // deletes of absent levels are normal on several feeds
      this.map.delete(key);
      const i = this.indexOf(existing.num, existing.price);
      this.sorted.splice(i, 1);
      return;
    }
    if (existing !== undefined) {
      existing.size = size;
      existing.price = price;
      return;
    }
    const entry: Entry = { price, size, num: parseFloat(price) };
    this.map.set(key, entry);
    const arr = this.sorted;
    const n = arr.length;
    // fast paths: new best or new worst
    if (n === 0 || this.before(arr[n - 1]!, entry)) arr.push(entry);
    else arr.splice(this.indexOf(entry.num, price), 0, entry);
  }

  /** a sorts before b (b is better than a). */
  private before(a: Entry, b: Entry): boolean {
    let c = a.num - b.num;
    if (c === 0) c = compareDecimal(a.price, b.price);
    return this.ascending ? c < 0 : c > 0;
  }

  clear(): void {
    this.map.clear();
    this.sorted.length = 0;
  }

  best(): Entry | undefined {
    return this.sorted[this.sorted.length - 1];
  }

  top(n: number): Level[] {
    const arr = this.sorted;
    const out: Level[] = [];
    for (let i = arr.length - 1; i >= 0 && out.length < n; i--) out.push([arr[i]!.price, arr[i]!.size]);
    return out;
  }

  /** Keep only the best `depth` levels; returns the removed ones, best first. */
  truncate(depth: number): Level[] {
    const arr = this.sorted;
    if (arr.length <= depth) return [];
    const removed = arr.splice(0, arr.length - depth);
    const out: Level[] = [];
    for (let i = removed.length - 1; i >= 0; i--) {
      const e = removed[i]!;
      this.map.delete(canonicalDecimal(e.price));
      out.push([e.price, e.size]);
    }
    return out;
  }
}

export class OrderBook {
  private readonly bidSide = new BookSide(true);
  private readonly askSide = new BookSide(false);

  /** Replace the whole book. */
  applySnapshot(bids: readonly Level[], asks: readonly Level[]): void {
    this.clear();
    this.applyLevels(bids, asks);
  }

  /** Apply absolute sizes; size `"0"` removes a level (absent levels are ignored). */
  applyLevels(bids: readonly Level[], asks: readonly Level[]): void {
    for (let i = 0; i < bids.length; i++) this.bidSide.set(bids[i]![0], bids[i]![1]);
    for (let i = 0; i < asks.length; i++) this.askSide.set(asks[i]![0], asks[i]![1]);
  }

  set(side: Side, price: string, size: string): void {
    (side === 'bid' ? this.bidSide : this.askSide).set(price, size);
  }

  clear(): void {
    this.bidSide.clear();
    this.askSide.clear();
  }

  bestBid(): Level | undefined {
    const e = this.bidSide.best();
    return e === undefined ? undefined : [e.price, e.size];
  }

  bestAsk(): Level | undefined {
    const e = this.askSide.best();
    return e === undefined ? undefined : [e.price, e.size];
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
    return this.bidSide.sorted.length;
  }

  get askCount(): number {
    return this.askSide.sorted.length;
  }

  /** Size at a price, or undefined. */
  sizeAt(side: Side, price: string): string | undefined {
    return (side === 'bid' ? this.bidSide : this.askSide).map.get(canonicalDecimal(price))?.size;
  }

  /** Best bid >= best ask. */
  isCrossed(): boolean {
    const b = this.bidSide.best();
    const a = this.askSide.best();
    if (b === undefined || a === undefined) return false;
    if (b.num !== a.num) return b.num > a.num;
    return compareDecimal(b.price, a.price) >= 0;
  }

  /** Keep the best `depth` levels per side (for feeds that define the book at a fixed depth); returns the removed. */
  truncate(depth: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bidSide.truncate(depth), asks: this.askSide.truncate(depth) };
  }
}
