/**
 * An L2 order book: pure data, no I/O. Keyed by the exchange's decimal price strings (canonicalized so
 * `"42499.00"` and `"42499.0"` are one level) and ordered numerically. Sizes are kept as the exchange's strings.
 *
 * Each side is a BookSide (book-side.ts): sorted chunks with the best price at the END, searched from that end.
 */
import type { Level } from '../schema/events.js';
import { BookSide } from './book-side.js';
import { compareDecimal } from './decimal.js';

export type Side = 'bid' | 'ask';

export { canonicalDecimal, compareDecimal, isZeroSize } from './decimal.js';

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
    return this.bidSide.best();
  }

  bestAsk(): Level | undefined {
    return this.askSide.best();
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
    if (this.bidSide.length === 0 || this.askSide.length === 0) return false;
    const bn = this.bidSide.bestNum();
    const an = this.askSide.bestNum();
    if (bn !== an) return bn > an;
    return compareDecimal(this.bidSide.bestPrice()!, this.askSide.bestPrice()!) >= 0;
  }

  /** Keep the best `depth` levels per side (for feeds that define the book at a fixed depth); returns the removed. */
  truncate(depth: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bidSide.truncate(depth), asks: this.askSide.truncate(depth) };
  }
}
