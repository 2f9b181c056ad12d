import type { Level } from '../schema/events.js';
import { compareDecimal, isZeroSize } from './decimal-string.js';
import type { ReadonlyLevel } from './readonly-level.js';

/**
 * One side: parallel arrays sorted so that the best price is LAST (bids ascending, asks descending) — the numeric
 * prices in one array of doubles (searched without touching any other memory), the price and size strings beside.
 * Searched from the best end (galloping, then binary search) since most updates land near the top. No hash map: a
 * level is found by its numeric value (ties, e.g. `"42499.00"` vs `"42499.0"` or floats too close to tell apart, by
 * exact decimal comparison), so no canonical key string is built per update.
 */
/** Inserts/removals at most this far from the best end move the elements in a loop instead of splice. */
const SHIFT_BY_HAND = 32;

export class StringSide {
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
