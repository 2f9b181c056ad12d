/**
 * One side of a book whose every price and size is a plain decimal of at most 15 significant digits (see
 * decimal-code.ts), kept as numbers in typed arrays: no string, array or object per level, so a level's lifetime
 * costs the garbage collector nothing, and moving levels moves plain bytes.
 *
 * Levels are sorted best LAST, by a key that ascends towards the best price (the price for bids, minus the price
 * for asks), and occupy `[lo, hi)` of arrays with free room at both ends, so a level inserted or removed near
 * either end (the top of the book, or the far end where a full book evicts its worst level) moves only the few
 * levels between it and that end.
 */
import type { Level } from '../schema/events.js';
import type { ReadonlyLevel } from './readonly-level.js';
import { CODE_BITS, DecimalScratch, decodeDecimal, decimalValue, encodeDecimal, mantissaOf } from './decimal-code.js';

const SIZE_BITS = CODE_BITS;
const SIZE_MASK = (1 << SIZE_BITS) - 1;
/** Moves of at most this many levels are done in a loop; longer ones with copyWithin (a memmove). */
const LOOP_MOVE = 24;
/** Levels from the best end that `lowerBound` scans one by one before it gallops. */
const TOP_SCAN = 16;
/** Free slots kept at each end of the levels when arrays are (re)sized: 16 + n / 16 (1000 levels: 78). */
const room = (n: number): number => 16 + (n >> 4);

export class NumericSide {
  /** Sort key per level: +price (bids) or -price (asks); ascending, best last. */
  private key = new Float64Array(64);
  /** Size mantissa per level. */
  private mant = new Float64Array(64);
  /** Price format code << SIZE_BITS | size format code. */
  private code = new Int32Array(64);
  private lo = 32;
  private hi = 32;
  private readonly sign: number;
  /**
   * The best level as last formatted (frozen, shared by every reader) and the numbers it was formatted from: a read
   * compares the current best's numbers with these, so no write has to invalidate anything.
   */
  private bestCache: ReadonlyLevel | undefined;
  private bestKey = NaN;
  private bestMant = NaN;
  private bestCode = -1;
  /**
   * The strings of the last write that made its level the best, and that level's numbers: `bestFrozen` takes a
   * string from here instead of formatting it when the current best's numbers are these (the numbers decide, so a
   * write, removal or respelling since then can only make them differ — never give a stale string).
   */
  private givenPrice = '';
  private givenSize = '';
  private givenKey = NaN;
  private givenMant = NaN;
  private givenCode = -1;

  /** encodeDecimal's working area (shared by the two sides of a book). */
  private readonly dec: DecimalScratch;

  constructor(ascending: boolean, dec: DecimalScratch = new DecimalScratch()) {
    this.sign = ascending ? 1 : -1;
    this.dec = dec;
  }

  get length(): number {
    return this.hi - this.lo;
  }

  /** The best level's price as a number (NaN when empty). */
  bestValue(): number {
    return this.hi > this.lo ? this.key[this.hi - 1]! * this.sign : NaN;
  }

  /**
   * First index in [lo, hi) whose key is >= k: a linear scan of the best TOP_SCAN levels (where most updates land: one
   * mispredicted branch, at the end), then galloping from there, then binary search.
   */
  private lowerBound(k: number): number {
    const key = this.key;
    let lo = this.lo;
    let j = this.hi - 1;
    const stop = j - TOP_SCAN < lo ? lo : j - TOP_SCAN;
    while (j >= stop && key[j]! >= k) j--;
    if (j >= stop) return j + 1;
    let hi = stop;
    let step = 1;
    while (hi - step >= lo) {
      const j = hi - step;
      if (key[j]! < k) {
        lo = j + 1;
        break;
      }
      hi = j;
      step <<= 1;
    }
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (key[mid]! < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Apply an absolute size (zero removes). False when price or size cannot be kept as numbers (nothing changed). */
  set(price: string, size: string): boolean {
    const dec = this.dec;
    const pc = encodeDecimal(price, dec);
    if (pc < 0) return false;
    const pm = dec.scanned[0]!;
    const sc = encodeDecimal(size, dec);
    if (sc < 0) return false;
    return this.setCoded(pm, dec.scanned[0]!, (pc << SIZE_BITS) | sc, price, size);
  }

  /**
   * `set` for a level already in numeric form (a frame scanner's LevelCodes): price and size mantissas, price
   * code << CODE_BITS | size code, or -1 (does not fit: false, nothing changed); `price` and `size`: the same level's
   * strings (kept when the level becomes the best, for `bestFrozen`).
   */
  setCoded(pm: number, sm: number, code: number, price: string, size: string): boolean {
    if (code < 0) return false;
    const k = decimalValue(pm, code >> SIZE_BITS) * this.sign;
    const hi = this.hi;
    const i = this.lowerBound(k);
    const hit = i < hi && this.key[i] === k;
    if (sm === 0) {
      if (hit) this.removeAt(i); // deletes of absent levels are normal on several feeds
      return true;
    }
    if (i >= hi - 1 && (hit || i === hi)) {
      // the best level is set: its strings are at hand
      this.givenPrice = price;
      this.givenSize = size;
      this.givenKey = k;
      this.givenMant = sm;
      this.givenCode = code;
    }
    if (hit) {
      this.mant[i] = sm;
      this.code[i] = code; // the latest spelling of the price wins, as with strings
      return true;
    }
    this.insertAt(i, k, sm, code);
    return true;
  }

  /** Size at a price, or undefined. */
  sizeAt(price: string): string | undefined {
    const pc = encodeDecimal(price, this.dec);
    if (pc < 0) return undefined; // never stored: every stored price encodes
    const k = decimalValue(this.dec.scanned[0]!, pc) * this.sign;
    const i = this.lowerBound(k);
    return i < this.hi && this.key[i] === k ? decodeDecimal(this.mant[i]!, this.code[i]! & SIZE_MASK) : undefined;
  }

  private insertAt(i: number, k: number, sm: number, c: number): void {
    if (this.hi - i <= i - this.lo) {
      if (this.hi === this.key.length) i += this.regrow();
      this.move(i, this.hi, i + 1);
      this.hi++;
    } else {
      if (this.lo === 0) i += this.regrow();
      this.move(this.lo, i, this.lo - 1);
      this.lo--;
      i--;
    }
    this.key[i] = k;
    this.mant[i] = sm;
    this.code[i] = c;
  }

  private removeAt(i: number): void {
    if (this.hi - 1 - i <= i - this.lo) {
      this.move(i + 1, this.hi, i);
      this.hi--;
    } else {
      this.move(this.lo, i, this.lo + 1);
      this.lo++;
    }
  }

  /** Move levels [from, to) so that they start at `dest` (overlapping moves are fine). */
  private move(from: number, to: number, dest: number): void {
    const n = to - from;
    if (n <= 0) return;
    const key = this.key;
    const mant = this.mant;
    const code = this.code;
    if (n > LOOP_MOVE) {
      key.copyWithin(dest, from, to);
      mant.copyWithin(dest, from, to);
      code.copyWithin(dest, from, to);
      return;
    }
    if (dest < from) {
      for (let j = 0; j < n; j++) {
        key[dest + j] = key[from + j]!;
        mant[dest + j] = mant[from + j]!;
        code[dest + j] = code[from + j]!;
      }
    } else {
      for (let j = n - 1; j >= 0; j--) {
        key[dest + j] = key[from + j]!;
        mant[dest + j] = mant[from + j]!;
        code[dest + j] = code[from + j]!;
      }
    }
  }

  /**
   * Re-centre the levels with ROOM(n) free slots at each end, in new arrays when the current ones are too small for
   * that (or more than twice that, e.g. after a deep book shrank). Returns the shift. A regrow runs when an insert
   * finds no room at its end, and leaves at least ROOM(n) ≥ n / 16 there: O(16) moves per insert amortized.
   */
  private regrow(): number {
    const n = this.hi - this.lo;
    const cap = this.capacityFor(n + 2 * room(n));
    return this.place(cap, (cap - n) >> 1);
  }

  /** Slots for arrays that should hold `want`: the current ones unless too small or more than twice too large. */
  private capacityFor(want: number): number {
    return want > this.key.length || 2 * want < this.key.length ? want : this.key.length;
  }

  /** Move the levels to start at `lo` of arrays of `cap` slots (new ones if `cap` differs). Returns the shift. */
  private place(cap: number, lo: number): number {
    const n = this.hi - this.lo;
    const shift = lo - this.lo;
    if (cap !== this.key.length) {
      const key = new Float64Array(cap);
      const mant = new Float64Array(cap);
      const code = new Int32Array(cap);
      key.set(this.key.subarray(this.lo, this.hi), lo);
      mant.set(this.mant.subarray(this.lo, this.hi), lo);
      code.set(this.code.subarray(this.lo, this.hi), lo);
      this.key = key;
      this.mant = mant;
      this.code = code;
    } else {
      this.key.copyWithin(lo, this.lo, this.hi);
      this.mant.copyWithin(lo, this.lo, this.hi);
      this.code.copyWithin(lo, this.lo, this.hi);
    }
    this.lo = lo;
    this.hi = lo + n;
    return shift;
  }

  /**
   * Before loading `n` levels into an empty side (a snapshot): arrays of n + 2 × ROOM(n) slots — the same when they
   * are already about that size — with the empty range placed so that levels given best first (as exchanges send
   * snapshots: each next one inserted at the worse end) fill it up to ROOM(n) from either end. Any other order is
   * correct too, only regrown on the way. Sizing to the snapshot keeps a deep book's arrays near its depth for good,
   * instead of the doubling of a book grown one insert at a time (1000 levels: 1 156 slots instead of 2 048).
   */
  reserve(n: number): void {
    if (this.hi !== this.lo) return;
    const r = room(n);
    const cap = this.capacityFor(n + 2 * r);
    this.place(cap, cap - r); // empty: nothing moves
  }

  /** Slots per array (free room included), for tests. */
  get capacity(): number {
    return this.key.length;
  }

  clear(): void {
    this.lo = this.hi = this.key.length >> 1;
    this.givenPrice = this.givenSize = '';
    this.givenKey = NaN;
  }

  private level(i: number): Level {
    const c = this.code[i]!;
    const pc = c >> SIZE_BITS;
    return [decodeDecimal(mantissaOf(this.key[i]! * this.sign, pc), pc), decodeDecimal(this.mant[i]!, c & SIZE_MASK)];
  }

  best(): Level | undefined {
    const l = this.bestFrozen();
    return l === undefined ? undefined : [l[0], l[1]];
  }

  /**
   * The best level, frozen and shared: made again only when its numbers changed since the last read, from the strings
   * that are still right — the last read's (a price string is kept when only the size changed, and the other way
   * round), else those of the write that made the level best — and formatted from the numbers only when neither is.
   */
  bestFrozen(): ReadonlyLevel | undefined {
    const i = this.hi - 1;
    if (i < this.lo) return undefined;
    const k = this.key[i]!;
    const m = this.mant[i]!;
    const c = this.code[i]!;
    const cached = this.bestCache;
    if (cached !== undefined && k === this.bestKey && m === this.bestMant && c === this.bestCode) return cached;
    const pc = c >> SIZE_BITS;
    const sc = c & SIZE_MASK;
    const price =
      cached !== undefined && k === this.bestKey && pc === this.bestCode >> SIZE_BITS
        ? cached[0]
        : k === this.givenKey && pc === this.givenCode >> SIZE_BITS
          ? this.givenPrice
          : decodeDecimal(mantissaOf(k * this.sign, pc), pc);
    const size =
      cached !== undefined && m === this.bestMant && sc === (this.bestCode & SIZE_MASK)
        ? cached[1]
        : m === this.givenMant && sc === (this.givenCode & SIZE_MASK)
          ? this.givenSize
          : decodeDecimal(m, sc);
    this.bestKey = k;
    this.bestMant = m;
    this.bestCode = c;
    return (this.bestCache = Object.freeze([price, size] as const));
  }

  /** Best `n` levels, best first. */
  top(n: number): Level[] {
    const out: Level[] = [];
    for (let i = this.hi - 1; i >= this.lo && out.length < n; i--) out.push(this.level(i));
    return out;
  }

  /** Keep only the best `depth` levels; returns the removed ones, best first. */
  truncate(depth: number): Level[] {
    const cut = this.hi - this.lo - depth;
    if (cut <= 0) return [];
    const out: Level[] = [];
    for (let i = this.lo + cut - 1; i >= this.lo; i--) out.push(this.level(i));
    this.lo += cut;
    return out;
  }
}
