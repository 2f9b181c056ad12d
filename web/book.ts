/**
 * The dashboard's local order book (pure: no DOM). Prices and sizes stay the exchange's decimal strings; levels are
 * ordered by an exact decimal comparison, never by floats. A `book_snapshot` (or `book_top`) replaces the book, a
 * `book_delta` applies level by level; a size that is numerically zero (`"0"`, `"0.00000000"`) removes the level.
 */

export type Level = [price: string, size: string];

const PLAIN = /^(\d*)(?:\.(\d*))?$/;
const ZERO = /^-?0*(?:\.0*)?(?:[eE][-+]?\d+)?$/;

/** True when the decimal string is zero (`"0"`, `"0.000"`). */
export function isZeroDecimal(s: string): boolean {
  return s.length > 0 && ZERO.test(s);
}

/** Exact comparison of two non-negative decimal strings (numbers for exponents/negatives, which prices never are). */
export function compareDecimal(a: string, b: string): number {
  const ma = PLAIN.exec(a);
  const mb = PLAIN.exec(b);
  if (ma === null || mb === null) return Number(a) - Number(b);
  const ia = (ma[1] ?? '').replace(/^0+/, '');
  const ib = (mb[1] ?? '').replace(/^0+/, '');
  if (ia.length !== ib.length) return ia.length - ib.length;
  if (ia !== ib) return ia < ib ? -1 : 1;
  const fa = ma[2] ?? '';
  const fb = mb[2] ?? '';
  const n = Math.max(fa.length, fb.length);
  const pa = fa.padEnd(n, '0');
  const pb = fb.padEnd(n, '0');
  return pa === pb ? 0 : pa < pb ? -1 : 1;
}

/** `"67000.10000000"` → `"67000.1"`; `"5.000"` → `"5"` (the same value, for display and comparison). */
export function trimDecimal(s: string): string {
  if (!s.includes('.') || /[eE]/.test(s)) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** One side of a book, kept sorted best-first (bids descending, asks ascending). */
export class BookSide {
  readonly levels: Level[] = [];
  constructor(private readonly descending: boolean) {}

  private cmp(a: string, b: string): number {
    return this.descending ? compareDecimal(b, a) : compareDecimal(a, b);
  }

  /** Index of `price`, or `-(insertion point) - 1` when absent. */
  private find(price: string): number {
    let lo = 0;
    let hi = this.levels.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.cmp((this.levels[mid] as Level)[0], price);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  set(price: string, size: string): void {
    const i = this.find(price);
    if (isZeroDecimal(size)) {
      if (i >= 0) this.levels.splice(i, 1);
    } else if (i >= 0) this.levels[i] = [price, size];
    else this.levels.splice(-i - 1, 0, [price, size]);
  }

  replace(levels: readonly Level[]): void {
    this.levels.length = 0;
    for (const [p, s] of levels) this.set(p, s);
  }
}

export interface BookMessage {
  type: 'book_snapshot' | 'book_delta' | 'book_top';
  bids: Level[];
  asks: Level[];
  updateId?: number;
  integrity?: string;
}

export class LocalBook {
  readonly bids = new BookSide(true);
  readonly asks = new BookSide(false);
  updateId: number | undefined;
  integrity: string | undefined;
  /** False until the first snapshot: a delta before it cannot be applied. */
  hasSnapshot = false;

  apply(m: BookMessage): void {
    if (m.type === 'book_delta') {
      if (!this.hasSnapshot) return;
      for (const [p, s] of m.bids) this.bids.set(p, s);
      for (const [p, s] of m.asks) this.asks.set(p, s);
    } else {
      this.bids.replace(m.bids);
      this.asks.replace(m.asks);
      this.hasSnapshot = true;
    }
    if (m.updateId !== undefined) this.updateId = m.updateId;
    if (m.integrity !== undefined) this.integrity = m.integrity;
  }

  top(n: number): { bids: Level[]; asks: Level[] } {
    return { bids: this.bids.levels.slice(0, n), asks: this.asks.levels.slice(0, n) };
  }

  /** Best ask − best bid, exact when both have the same number of decimals; undefined on an empty side. */
  spread(): string | undefined {
    const b = this.bids.levels[0];
    const a = this.asks.levels[0];
    if (b === undefined || a === undefined) return undefined;
    return subtractDecimal(a[0], b[0]);
  }
}

/** a − b for plain non-negative decimals, exact (scaled BigInt); via numbers otherwise. */
export function subtractDecimal(a: string, b: string): string {
  const ma = PLAIN.exec(a);
  const mb = PLAIN.exec(b);
  if (ma === null || mb === null) return String(Number(a) - Number(b));
  const n = Math.max((ma[2] ?? '').length, (mb[2] ?? '').length);
  const scaled = (m: RegExpExecArray): bigint => BigInt(`${m[1] || '0'}${(m[2] ?? '').padEnd(n, '0')}`);
  const d = scaled(ma) - scaled(mb);
  const neg = d < 0n;
  const digits = (neg ? -d : d).toString().padStart(n + 1, '0');
  const int = digits.slice(0, digits.length - n);
  const frac = digits.slice(digits.length - n);
  return trimDecimal(`${neg ? '-' : ''}${int}${n > 0 ? `.${frac}` : ''}`);
}

/** Cumulative depth of the best `n` levels per side, as the depth chart's aligned data (x ascending). */
export function depthSeries(book: LocalBook, n: number): [number[], (number | null)[], (number | null)[]] {
  const bids = book.bids.levels.slice(0, n);
  const asks = book.asks.levels.slice(0, n);
  const x: number[] = [];
  const bidY: (number | null)[] = [];
  const askY: (number | null)[] = [];
  const cumBids: number[] = [];
  let sum = 0;
  for (const [, s] of bids) cumBids.push((sum += Number(s)));
  for (let i = bids.length - 1; i >= 0; i--) {
    x.push(Number((bids[i] as Level)[0]));
    bidY.push(cumBids[i] as number);
    askY.push(null);
  }
  sum = 0;
  for (const [p, s] of asks) {
    x.push(Number(p));
    bidY.push(null);
    askY.push((sum += Number(s)));
  }
  return [x, bidY, askY];
}
