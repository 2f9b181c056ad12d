/**
 * An L2 order book: pure data, no I/O. Levels are identified by their decimal price (`"42499.00"` and `"42499.0"` are
 * one level) and ordered numerically; prices and sizes come back as the exchange's strings.
 *
 * Each side is kept sorted with the best price at the END, searched from that end, so the frequent updates, inserts
 * and removals near the top touch few elements. Two storages, one behaviour:
 * - numbers (numeric-side.ts, the default): every price and size a plain decimal of ≤ 15 significant digits, kept as
 *   numbers that give the exact string back — no heap object per level;
 * - strings (string-side.ts): the exchange's strings themselves — for books whose checksum is computed from the
 *   strings on every update (OKX, Kraken: `{ strings: true }`), and the fallback a book switches to for good the
 *   first time a price or size does not fit in numbers (more digits, another spelling).
 * Decimal strings are compared exactly by decimal-string.ts.
 */
import type { Level } from '../schema/events.js';
import { compareDecimal } from './decimal-string.js';
import { NumericSide } from './numeric-side.js';
import { DecimalScratch } from './decimal-code.js';
import type { ReadonlyLevel } from './readonly-level.js';
import { StringSide } from './string-side.js';

export type Side = 'bid' | 'ask';

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
  /** About to load `n` levels into the empty side (numbers: arrays sized to them, see NumericSide.reserve). */
  reserve?(n: number): void;
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
    this.bidSide.reserve?.(bids.length);
    this.askSide.reserve?.(asks.length);
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
      const l = bids[i]!;
      if (!b.setCoded(codes[j]!, codes[j + 1]!, codes[j + 2]!, l[0], l[1])) {
        // a level that does not fit: strings from here on (what applyLevels does), the rest from the strings
        this.applyLevels(bids.slice(i), asks);
        return;
      }
    }
    const a = this.askSide as NumericSide;
    for (let i = 0; i < asks.length; i++, j += 3) {
      const l = asks[i]!;
      if (!a.setCoded(codes[j]!, codes[j + 1]!, codes[j + 2]!, l[0], l[1])) {
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

  /** Slots the numeric storage holds per side (levels and free room; 0 for strings), for tests. */
  get capacity(): { bids: number; asks: number } {
    const cap = (s: SideStore): number => (s instanceof NumericSide ? s.capacity : 0);
    return { bids: cap(this.bidSide), asks: cap(this.askSide) };
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
