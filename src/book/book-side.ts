/**
 * One side of an L2 book, kept in sorted chunks of at most CHUNK_MAX levels. The chunks, and the levels inside each,
 * are ordered so that the best price is LAST (bids ascending, asks descending). A chunk holds parallel arrays: the
 * numeric prices (doubles, searched without touching any other memory), the price strings and the size strings.
 *
 * Why chunks: real and simulated feeds change levels anywhere in a deep book (removals of the worst level when a
 * new one enters, updates deep in the book). In one flat array every insert/removal far from the best end moved
 * up to ~1000 elements in three arrays; in a chunk it moves at most CHUNK_MAX, plus (rarely) one splice in the short
 * chunk list when a chunk splits, empties or merges.
 *
 * No hash map: a level is found by its numeric value (ties, e.g. `"42499.00"` vs `"42499.0"` or floats too close to
 * tell apart, by exact decimal comparison), so no canonical key string is built per update.
 */
import type { Level } from '../schema/events.js';
import { compareDecimal, isZeroSize } from './decimal.js';

/** A chunk reaching this many levels is split in two. */
const CHUNK_MAX = 64;
/** A chunk falling below this many levels is merged into a neighbour when the two fit in one chunk. */
const CHUNK_MIN = 16;

class Chunk {
  constructor(
    readonly nums: number[],
    readonly prices: string[],
    readonly sizes: string[],
  ) {}
}

export class BookSide {
  private chunks: Chunk[] = [];
  private count = 0;
  /** Result of `locate`: chunk index and index inside it (reused, no allocation per lookup). */
  private ci = 0;
  private ii = 0;

  constructor(private readonly ascending: boolean) {}

  get length(): number {
    return this.count;
  }

  /** Does the level (n, p) sort strictly before (num, price) in this side's order (worst first)? */
  private before(n: number, p: string, num: number, price: string): boolean {
    let d = n - num;
    if (d === 0) {
      if (p === price) return false;
      d = compareDecimal(p, price);
    }
    return this.ascending ? d < 0 : d > 0;
  }

  /**
   * Position of the first level that sorts at or after (num, price): sets `ci`/`ii`. Past the best level: the last
   * chunk, `ii` = its length. Searched from the best end (galloping over chunks, then binary search).
   */
  private locate(num: number, price: string): void {
    const chunks = this.chunks;
    const m = chunks.length;
    let hi = m;
    let lo = 0;
    let step = 1;
    // first chunk whose last (best) level does not sort before the target
    while (hi - step >= 0) {
      const j = hi - step;
      const ch = chunks[j]!;
      const l = ch.nums.length - 1;
      if (this.before(ch.nums[l]!, ch.prices[l]!, num, price)) {
        lo = j + 1;
        break;
      }
      hi = j;
      step <<= 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ch = chunks[mid]!;
      const l = ch.nums.length - 1;
      if (this.before(ch.nums[l]!, ch.prices[l]!, num, price)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === m) {
      this.ci = m - 1;
      this.ii = m === 0 ? 0 : chunks[m - 1]!.nums.length;
      return;
    }
    const ch = chunks[lo]!;
    const nums = ch.nums;
    let a = 0;
    let b = nums.length - 1; // the last level does not sort before the target
    while (a < b) {
      const mid = (a + b) >>> 1;
      if (this.before(nums[mid]!, ch.prices[mid]!, num, price)) a = mid + 1;
      else b = mid;
    }
    this.ci = lo;
    this.ii = a;
  }

  /** The chunk holding the level at `price` (and `ii` its index there), or undefined. */
  private findChunk(num: number, price: string): Chunk | undefined {
    if (this.count === 0) return undefined;
    this.locate(num, price);
    const ch = this.chunks[this.ci]!;
    const i = this.ii;
    if (i >= ch.nums.length || ch.nums[i] !== num) return undefined;
    const p = ch.prices[i]!;
    return p === price || compareDecimal(p, price) === 0 ? ch : undefined;
  }

  /** Size at `price`, or undefined. */
  sizeAt(price: string): string | undefined {
    const ch = this.findChunk(parseFloat(price), price);
    return ch === undefined ? undefined : ch.sizes[this.ii];
  }

  /** Set an absolute size; a zero size removes the level (absent levels are ignored). */
  set(price: string, size: string): void {
    const num = parseFloat(price);
    const zero = isZeroSize(size);
    if (this.count === 0) {
      if (!zero) {
        this.chunks.push(new Chunk([num], [price], [size]));
        this.count = 1;
      }
      return;
    }
    this.locate(num, price);
    const ci = this.ci;
    const i = this.ii;
    const ch = this.chunks[ci]!;
    const nums = ch.nums;
    const n = nums.length;
    let hit = false;
    if (i < n && nums[i] === num) {
      const p = ch.prices[i]!;
      hit = p === price || compareDecimal(p, price) === 0;
    }
    if (zero) {
      if (hit) this.removeAt(ci, ch, i); // deletes of absent levels are normal on several feeds
      return;
    }
    if (hit) {
      ch.sizes[i] = size;
      ch.prices[i] = price;
      return;
    }
    const prices = ch.prices;
    const sizes = ch.sizes;
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
    this.count++;
    if (n + 1 >= CHUNK_MAX) this.split(ci, ch);
  }

  private split(ci: number, ch: Chunk): void {
    const half = ch.nums.length >>> 1;
    const upper = new Chunk(ch.nums.splice(half), ch.prices.splice(half), ch.sizes.splice(half));
    this.chunks.splice(ci + 1, 0, upper);
  }

  private removeAt(ci: number, ch: Chunk, i: number): void {
    const { nums, prices, sizes } = ch;
    const last = nums.length - 1;
    for (let k = i; k < last; k++) {
      nums[k] = nums[k + 1]!;
      prices[k] = prices[k + 1]!;
      sizes[k] = sizes[k + 1]!;
    }
    nums.pop();
    prices.pop();
    sizes.pop();
    this.count--;
    if (last === 0) {
      this.chunks.splice(ci, 1);
      return;
    }
    if (last >= CHUNK_MIN) return;
    // small: merge with a neighbour when both fit in one chunk (keeps the chunk list short)
    const chunks = this.chunks;
    const next = chunks[ci + 1];
    if (next !== undefined && last + next.nums.length < CHUNK_MAX) {
      this.append(ch, next);
      chunks.splice(ci + 1, 1);
      return;
    }
    const prev = chunks[ci - 1];
    if (prev !== undefined && last + prev.nums.length < CHUNK_MAX) {
      this.append(prev, ch);
      chunks.splice(ci, 1);
    }
  }

  /** Append `b`'s levels (which sort after `a`'s) to `a`. */
  private append(a: Chunk, b: Chunk): void {
    for (let k = 0; k < b.nums.length; k++) {
      a.nums.push(b.nums[k]!);
      a.prices.push(b.prices[k]!);
      a.sizes.push(b.sizes[k]!);
    }
  }

  clear(): void {
    this.chunks = [];
    this.count = 0;
  }

  /** Numeric price of the best level (NaN when empty). */
  bestNum(): number {
    const ch = this.chunks[this.chunks.length - 1];
    return ch === undefined ? NaN : ch.nums[ch.nums.length - 1]!;
  }

  best(): Level | undefined {
    const ch = this.chunks[this.chunks.length - 1];
    if (ch === undefined) return undefined;
    const i = ch.nums.length - 1;
    return [ch.prices[i]!, ch.sizes[i]!];
  }

  /** Best `n` levels, best first. */
  top(n: number): Level[] {
    const out: Level[] = [];
    for (let c = this.chunks.length - 1; c >= 0 && out.length < n; c--) {
      const ch = this.chunks[c]!;
      for (let i = ch.nums.length - 1; i >= 0 && out.length < n; i--) out.push([ch.prices[i]!, ch.sizes[i]!]);
    }
    return out;
  }

  /** Keep only the best `depth` levels; returns the removed ones, best first. */
  truncate(depth: number): Level[] {
    let cut = this.count - depth;
    if (cut <= 0) return [];
    const removed: Level[] = []; // worst first
    this.count -= cut;
    let drop = 0;
    const chunks = this.chunks;
    while (cut > 0) {
      const ch = chunks[drop]!;
      const k = Math.min(cut, ch.nums.length);
      for (let i = 0; i < k; i++) removed.push([ch.prices[i]!, ch.sizes[i]!]);
      cut -= k;
      if (k === ch.nums.length) drop++;
      else {
        ch.nums.splice(0, k);
        ch.prices.splice(0, k);
        ch.sizes.splice(0, k);
      }
    }
    if (drop > 0) chunks.splice(0, drop);
    return removed.reverse();
  }

  /** Price string of the best level (undefined when empty). */
  bestPrice(): string | undefined {
    const ch = this.chunks[this.chunks.length - 1];
    return ch === undefined ? undefined : ch.prices[ch.prices.length - 1];
  }
}
