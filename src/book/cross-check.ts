/**
 * The periodic REST cross-check of a live book (BookSync.reconcile), its pure part: which snapshot waits for the book
 * to reach its update id, the price range the book knows for sure, and the comparison of a book with a snapshot at
 * the same id (level by level, exact decimal comparison, only where both know the book). BookSync acts on the result.
 *
 * When: the snapshot is compared with the book over its own depth (top min(snapshot levels) per side) once the book
 * is provably at the snapshot's id — right now if the book is at that id; otherwise when a delta brings it there, or
 * when the next delta starts after that id (ids that jump over it belong to other books, so the book at the
 * snapshot's id is the book before that delta). A delta whose own range straddles the id makes the snapshot unusable
 * (dropped silently).
 */
import type { Level } from '../schema/events.js';
import { canonicalDecimal, compareDecimal } from './decimal-string.js';
import type { OrderBook } from './order-book.js';
import type { DeltaMessage, RestSnapshot } from './rules.js';

export interface LevelDiff {
  side: 'bid' | 'ask';
  price: string;
  /** Size in the local book, null when the level is absent there. */
  book: string | null;
  /** Size in the REST snapshot, null when absent there. */
  snapshot: string | null;
}

export class CrossCheck {
  /** A snapshot ahead of the book: compared when the book reaches its id. */
  pending: RestSnapshot | undefined;
  /** The pending snapshot replaces the book when it matches (a deeper snapshot: `reconcile(…, true)`). */
  adopt = false;
  private knownBidFloor: string | undefined;
  private knownAskCeil: string | undefined;

  /** Keep `snap` until the book reaches its id. */
  wait(snap: RestSnapshot, adopt: boolean): void {
    this.pending = snap;
    this.adopt = adopt;
  }

  /**
   * The price range the local book knows for sure: down to the deepest bid / up to the deepest ask of the last
   * snapshot. Beyond it, levels no delta has touched since are unknown locally (the exchange's book is deeper than
   * its snapshot), so a cross-check must not compare them.
   */
  noteKnownRange(bids: readonly Level[], asks: readonly Level[]): void {
    this.knownBidFloor = bids.length > 0 ? bids[bids.length - 1]![0] : undefined;
    this.knownAskCeil = asks.length > 0 ? asks[asks.length - 1]![0] : undefined;
  }

  /**
   * Before the live book applies `d`: the pending snapshot (taken) when `d`'s ids jump over its id — the book before
   * `d` is then the book at that id.
   */
  takeBefore(d: DeltaMessage): RestSnapshot | undefined {
    const pending = this.pending;
    // first id this delta covers: `U`, else just after the id it chains from (OKX `prevSeqId`), else its own id
    const start = d.firstUpdateId ?? (d.prevUpdateId !== undefined ? d.prevUpdateId + 1 : d.updateId);
    if (pending === undefined || start === undefined || pending.updateId >= start) return undefined;
    this.pending = undefined;
    return pending;
  }

  /**
   * After the book reached `updateId`: the pending snapshot (taken) when the book is at its id. One the last delta
   * straddled is unusable and dropped (see above).
   */
  takeAt(updateId: number | undefined): RestSnapshot | undefined {
    const p = this.pending;
    if (p === undefined || updateId === undefined || updateId < p.updateId) return undefined;
    this.pending = undefined;
    return updateId === p.updateId ? p : undefined;
  }

  /**
   * Where `book` differs from `snap` (a snapshot at the book's update id), within what both know. `spliced`: the
   * snapshot brought forward to the book's id (deep-splice.ts), compared instead over the same range.
   */
  diff(book: OrderBook, snap: RestSnapshot, spliced?: { bids: Level[]; asks: Level[] }): LevelDiff[] {
    return diffWithSnapshot(book, snap, this.knownBidFloor, this.knownAskCeil, spliced);
  }
}

/**
 * The levels where `book` and `snap` differ, compared only where both sides know the book: within the snapshot's
 * depth, and within the price range the local book knows for sure (`knownBidFloor`/`knownAskCeil`: the deepest
 * levels of its last snapshot; beyond them the exchange's book is deeper than anything tickwire saw).
 */
export function diffWithSnapshot(
  book: OrderBook,
  snap: RestSnapshot,
  knownBidFloor: string | undefined,
  knownAskCeil: string | undefined,
  spliced?: { bids: Level[]; asks: Level[] },
): LevelDiff[] {
  const bidFloor = narrower('bid', snap.bids.at(-1)?.[0], knownBidFloor);
  const askCeil = narrower('ask', snap.asks.at(-1)?.[0], knownAskCeil);
  const inBids = (l: Level): boolean => bidFloor === undefined || compareDecimal(l[0], bidFloor) >= 0;
  const inAsks = (l: Level): boolean => askCeil === undefined || compareDecimal(l[0], askCeil) <= 0;
  const theirs = spliced ?? snap;
  // a spliced book may hold more levels than the snapshot (deltas added some): compare every level in range
  const depth = spliced
    ? Math.max(book.bidCount, book.askCount, spliced.bids.length, spliced.asks.length)
    : Math.max(snap.bids.length, snap.asks.length);
  const top = book.top(depth);
  const diffs: LevelDiff[] = [];
  diffLevels('bid', top.bids.filter(inBids), theirs.bids.filter(inBids), diffs);
  diffLevels('ask', top.asks.filter(inAsks), theirs.asks.filter(inAsks), diffs);
  return diffs;
}

/** Of two boundary prices, the one nearer the top of the book (the narrower range); undefined = unbounded. */
function narrower(side: 'bid' | 'ask', a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const c = compareDecimal(a, b);
  return side === 'bid' ? (c >= 0 ? a : b) : c <= 0 ? a : b;
}

/** Differences between two best-first ladders of one side (both sorted, same length cap). */
function diffLevels(side: 'bid' | 'ask', book: readonly Level[], snap: readonly Level[], out: LevelDiff[]): void {
  const bookMap = new Map<string, string>();
  for (const [p, s] of book) bookMap.set(canonicalDecimal(p), s);
  const seen = new Set<string>();
  for (const [p, s] of snap) {
    const key = canonicalDecimal(p);
    seen.add(key);
    const mine = bookMap.get(key);
    if (mine === undefined) out.push({ side, price: p, book: null, snapshot: s });
    else if (compareDecimal(mine, s) !== 0) out.push({ side, price: p, book: mine, snapshot: s });
  }
  for (const [p, s] of book) if (!seen.has(canonicalDecimal(p))) out.push({ side, price: p, book: s, snapshot: null });
}
