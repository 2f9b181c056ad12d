/**
 * A read-only view of a book someone else maintains (the hub's verified book): every read goes to the current book,
 * nothing can change it. What a read returns is frozen (a level is `readonly [price, size]`): a copy, or for the best
 * bid/ask the book's own frozen level, shared until it changes — so holding or passing it on cannot touch the book
 * either. The book itself sits in a private field (`#`), out of reach at runtime.
 */
import type { OrderBook, Side } from './order-book.js';
import type { ReadonlyLevel } from './readonly-level.js';

/** One level as read from a view: the exchange's exact decimal strings. */
export type { ReadonlyLevel };

/** What a read-only book offers: the reads of `OrderBook`, no writes. */
export interface ReadonlyOrderBook {
  bestBid(): ReadonlyLevel | undefined;
  bestAsk(): ReadonlyLevel | undefined;
  /** Best `n` levels per side, best first (a frozen copy). */
  top(n: number): { readonly bids: readonly ReadonlyLevel[]; readonly asks: readonly ReadonlyLevel[] };
  /** Every level, best first (a frozen copy: costs one tuple per level — prefer `top(n)`). */
  snapshot(): { readonly bids: readonly ReadonlyLevel[]; readonly asks: readonly ReadonlyLevel[] };
  sizeAt(side: Side, price: string): string | undefined;
  readonly bidCount: number;
  readonly askCount: number;
  isCrossed(): boolean;
}

function frozen(levels: [string, string][]): readonly ReadonlyLevel[] {
  for (let i = 0; i < levels.length; i++) Object.freeze(levels[i]);
  return Object.freeze(levels);
}

export class BookReader implements ReadonlyOrderBook {
  readonly #current: () => OrderBook | undefined;

  /** `current`: the book to read now (undefined: none any more — reads as empty). */
  constructor(current: () => OrderBook | undefined) {
    this.#current = current;
  }

  /** The best bid, frozen (the same object on every read until the best bid changes: formatted once per change). */
  bestBid(): ReadonlyLevel | undefined {
    return this.#current()?.bestFrozen('bid');
  }

  bestAsk(): ReadonlyLevel | undefined {
    return this.#current()?.bestFrozen('ask');
  }

  top(n: number): { readonly bids: readonly ReadonlyLevel[]; readonly asks: readonly ReadonlyLevel[] } {
    const t = this.#current()?.top(n) ?? { bids: [], asks: [] };
    return Object.freeze({ bids: frozen(t.bids), asks: frozen(t.asks) });
  }

  snapshot(): { readonly bids: readonly ReadonlyLevel[]; readonly asks: readonly ReadonlyLevel[] } {
    return this.top(Number.MAX_SAFE_INTEGER);
  }

  sizeAt(side: Side, price: string): string | undefined {
    return this.#current()?.sizeAt(side, price);
  }

  get bidCount(): number {
    return this.#current()?.bidCount ?? 0;
  }

  get askCount(): number {
    return this.#current()?.askCount ?? 0;
  }

  isCrossed(): boolean {
    return this.#current()?.isCrossed() ?? false;
  }
}
