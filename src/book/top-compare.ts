/**
 * Periodic REST cross-check for books whose REST snapshot carries no id that could be spliced or compared at an
 * exact point (BookRules `reconcileBy: 'top-n'`, e.g. Coinbase). Pure: the pipeline fetches the REST book on its
 * schedule and calls `check` when the response arrives, with the local book as it is at that moment.
 *
 * A single comparison is racy (the book moves between the exchange taking the REST snapshot and the response
 * arriving), so one divergence proves nothing. What a lost update leaves behind is a level that stays wrong: a
 * local level the exchange no longer has (a ghost), or one the exchange has and the local book lacks, or a size
 * that differs — unchanged on both sides check after check. `TopCrossCheck` reports a book as diverged only when
 * the same difference (side, price, local size, REST size) is seen in `persistAfter` consecutive checks.
 *
 * When the REST book carries a version (Coinbase Exchange `sequence`), a check counts only if the version moved
 * past the previous counted check's: a REST book served again unchanged (a cache, a quiet market) is no new
 * evidence, so a difference persists only across checks between which the market moved. Likewise, given a count
 * of the local book's messages, a check counts only if the local book received updates since the previous one: a
 * book whose data stopped is the silence watchdogs' case (no-data, book pause), not a lost update.
 */
import type { Level } from '../schema/events.js';
import { canonicalDecimal, compareDecimal } from './decimal-string.js';
import type { OrderBook } from './order-book.js';

export interface LevelDifference {
  side: 'bid' | 'ask';
  price: string;
  /** Size in the local book; absent = level missing locally. */
  local?: string;
  /** Size in the REST book; absent = level missing in REST. */
  remote?: string;
}

/**
 * Differences between the best `depth` levels of the local book and of the REST book, per side, over the price
 * range both cover (down to the less deep of the two ladders' last level), so a shorter REST ladder never counts
 * as missing levels. Sizes are compared as decimals (`"1.50"` equals `"1.5"`).
 */
export function compareTop(
  book: OrderBook,
  remote: { bids: readonly Level[]; asks: readonly Level[] },
  depth: number,
): LevelDifference[] {
  const local = book.top(depth);
  return [
    ...compareSide('bid', local.bids, sortSide(remote.bids, 'bid').slice(0, depth)),
    ...compareSide('ask', local.asks, sortSide(remote.asks, 'ask').slice(0, depth)),
  ];
}

/** Best first: bids descending, asks ascending (REST ladders are, but do not trust it). */
function sortSide(levels: readonly Level[], side: 'bid' | 'ask'): Level[] {
  const out = levels.filter((l) => parseFloat(l[1]) !== 0);
  out.sort((a, b) => (side === 'bid' ? compareDecimal(b[0], a[0]) : compareDecimal(a[0], b[0])));
  return out;
}

function compareSide(side: 'bid' | 'ask', local: Level[], remote: Level[]): LevelDifference[] {
  if (local.length === 0 && remote.length === 0) return [];
  // worse = further from the top; the common range ends at the better of the two ladders' last prices
  const worse = (a: string, b: string): boolean => (side === 'bid' ? compareDecimal(a, b) < 0 : compareDecimal(a, b) > 0);
  let limit: string | undefined;
  if (local.length > 0 && remote.length > 0) {
    const l = local[local.length - 1]![0];
    const r = remote[remote.length - 1]![0];
    limit = worse(l, r) ? r : l;
  }
  const inRange = (price: string): boolean => limit === undefined || !worse(price, limit);
  const remoteMap = new Map<string, string>();
  for (const [p, s] of remote) if (inRange(p)) remoteMap.set(canonicalDecimal(p), s);
  const out: LevelDifference[] = [];
  const seen = new Set<string>();
  for (const [p, s] of local) {
    if (!inRange(p)) continue;
    const key = canonicalDecimal(p);
    seen.add(key);
    const r = remoteMap.get(key);
    if (r === undefined) out.push({ side, price: p, local: s });
    else if (compareDecimal(r, s) !== 0) out.push({ side, price: p, local: s, remote: r });
  }
  for (const [p, s] of remote) {
    const key = canonicalDecimal(p);
    if (!inRange(p) || seen.has(key)) continue;
    out.push({ side, price: p, remote: s });
  }
  return out;
}

export interface CrossCheckResult {
  /** Differences found by this check. */
  differences: LevelDifference[];
  /** Differences also found, identical, in each of the previous `persistAfter - 1` checks. */
  persistent: LevelDifference[];
  /** `persistent` is not empty: resync this book. */
  diverged: boolean;
  /** The REST book's version did not move past the previous check's: not counted (streaks kept as they were). */
  stale?: boolean;
}

export interface TopCrossCheckOptions {
  /** Levels per side compared (≤ the REST request's depth; Infinity: every level of the common price range). */
  depth: number;
  /** Consecutive checks a difference must survive before the book counts as diverged (≥ 1). */
  persistAfter: number;
}

const keyOf = (d: LevelDifference): string =>
  `${d.side}|${canonicalDecimal(d.price)}|${d.local === undefined ? '-' : canonicalDecimal(d.local)}|${
    d.remote === undefined ? '-' : canonicalDecimal(d.remote)
  }`;

/** One per book. `reset()` after every (re)snapshot of the book: earlier differences are then meaningless. */
export class TopCrossCheck {
  /** Difference key → consecutive checks it has been seen in. */
  private streaks = new Map<string, number>();
  /** Version of the REST book of the last counted check. */
  private lastVersion: number | undefined;
  private lastLocal: number | undefined;

  constructor(private readonly options: TopCrossCheckOptions) {
    if (options.persistAfter < 1 || options.depth < 1) throw new RangeError('persistAfter and depth must be >= 1');
  }

  check(book: OrderBook, remote: { bids: readonly Level[]; asks: readonly Level[]; version?: number | undefined }, localMessages?: number): CrossCheckResult {
    const differences = compareTop(book, remote, this.options.depth);
    const v = remote.version;
    const still = (now: number | undefined, last: number | undefined): boolean => now !== undefined && last !== undefined && now <= last;
    if (still(v, this.lastVersion) || still(localMessages, this.lastLocal)) {
      return { differences, persistent: [], diverged: false, stale: true };
    }
    if (v !== undefined) this.lastVersion = v;
    if (localMessages !== undefined) this.lastLocal = localMessages;
    const next = new Map<string, number>();
    const persistent: LevelDifference[] = [];
    for (const d of differences) {
      const key = keyOf(d);
      const n = (this.streaks.get(key) ?? 0) + 1;
      next.set(key, n);
      if (n >= this.options.persistAfter) persistent.push(d);
    }
    this.streaks = next;
    return { differences, persistent, diverged: persistent.length > 0 };
  }

  reset(): void {
    this.streaks.clear();
    this.lastVersion = undefined;
    this.lastLocal = undefined;
  }
}
