/**
 * The REST cross-checks and deepening of a live book (BookSync.reconcile, keepForDeepen): when a snapshot is compared
 * with the book (cross-check.ts), the deltas kept to bring a deep snapshot forward (deep-splice.ts), and what the
 * comparison found. On a deep snapshot's match the book adopts it; the rest — events, a resync — is BookSync's.
 */
import type { Level } from '../schema/events.js';
import type { ReconcileResult } from './book-sync-options.js';
import { CrossCheck } from './cross-check.js';
import { spliceSnapshot } from './deep-splice.js';
import { kept } from './delta-buffer.js';
import type { DeltaMessage, RestSnapshot } from './rules.js';
import type { SyncedBook } from './synced-book.js';

/** What comparing the book with a snapshot found: the details of a `reconciled` status, or of a mismatch resync. */
export interface Verdict {
  match: boolean;
  /** A match replaced the book with the (deeper) snapshot: BookSync emits a `book_snapshot`. */
  adopted: boolean;
  details: Record<string, unknown>;
}

export class Reconciler {
  readonly cross = new CrossCheck();
  /**
   * Copies of the deltas applied since a deep snapshot's request went out (`keepForDeepen`), so that a deep snapshot
   * the book has already moved past is brought forward with them (`spliceDeep`) instead of being fetched again.
   */
  private deepKeep: DeltaMessage[] | undefined;

  constructor(
    private readonly maxDeepKeep: number,
    private readonly maxDiffs: number,
  ) {}

  /** The book was cleared: no snapshot waits, no deltas are kept. */
  reset(): void {
    this.cross.pending = undefined;
    this.deepKeep = undefined;
  }

  /** See BookSync.keepForDeepen. */
  keepForDeepen(live: boolean): void {
    this.deepKeep = live ? [] : undefined;
  }

  dropDeepKeep(): void {
    this.deepKeep = undefined;
  }

  get deepKeptCount(): number | undefined {
    return this.deepKeep?.length;
  }

  /** Fetching another deep snapshot while this is true would replace the pending one with a still newer one. */
  get deepPending(): boolean {
    return this.cross.pending !== undefined && this.cross.adopt;
  }

  /** `d` was applied to the live book: keep a copy while a deep snapshot is in flight (at most `maxDeepKeep`). */
  keep(d: DeltaMessage): void {
    const keep = this.deepKeep;
    if (keep !== undefined) {
      if (keep.length >= this.maxDeepKeep) this.deepKeep = undefined;
      else keep.push(kept(d));
    }
  }

  /**
   * BookSync.reconcile's decision for `snap` (`live`: the book is live): a verdict when compared now.
   *
   * `adopt` (a deeper snapshot after a shallow sync): on a match the snapshot replaces the book. When `keepForDeepen`
   * was called as its request went out, a snapshot the book is already past — or that a delta straddles — is
   * brought forward with the deltas applied since, as a first sync splices its snapshot (`spliceDeep`), and the
   * result is compared with the book at the book's own id; it is `'skipped'` only when those deltas do not chain
   * onto it (the snapshot is older than the first kept delta) or were given up (more than `maxDeepKeep`).
   */
  reconcile(local: SyncedBook, live: boolean, snap: RestSnapshot, adopt: boolean): Verdict | Exclude<ReconcileResult, 'compared'> {
    const localId = local.localId;
    if (!live || localId === undefined) {
      if (adopt) this.deepKeep = undefined;
      return 'skipped';
    }
    if (snap.updateId === localId) {
      if (adopt) this.deepKeep = undefined;
      return this.compare(local, snap, adopt);
    }
    if (snap.updateId < localId) {
      if (!adopt) return 'skipped';
      return this.spliceDeep(local, snap) ?? 'skipped';
    }
    this.cross.wait(snap, adopt);
    return 'pending';
  }

  /** Before the live book applies `d`: the verdict on a pending snapshot `d`'s ids jump over (cross-check.ts). */
  before(local: SyncedBook, d: DeltaMessage): Verdict | undefined {
    const before = this.cross.takeBefore(d);
    if (before === undefined) return undefined;
    const adopt = this.cross.adopt;
    if (adopt) this.deepKeep = undefined;
    return this.compare(local, before, adopt);
  }

  /** After the live book applied a delta: the verdict on a pending snapshot the book has reached. */
  after(local: SyncedBook): Verdict | undefined {
    const p = this.cross.pending;
    const localId = local.localId;
    if (p === undefined || localId === undefined || localId < p.updateId) return undefined;
    const adopt = this.cross.adopt;
    const at = this.cross.takeAt(localId);
    if (at !== undefined) {
      if (adopt) this.deepKeep = undefined;
      return this.compare(local, at, adopt);
    }
    if (adopt) return this.spliceDeep(local, p);
    return undefined; // this delta straddled the snapshot's id; unusable for a cross-check (cross-check.ts)
  }

  /**
   * Bring a deep snapshot older than the live book forward with the deltas kept since its request went out
   * (`keepForDeepen`), by the rules of a first sync (deep-splice.ts), on a separate book; then compare that book with
   * the live one where both know the book and, on a match, adopt it. Undefined (the live book untouched) when the
   * kept deltas do not chain onto the snapshot or do not reach the live book's id.
   */
  private spliceDeep(local: SyncedBook, snap: RestSnapshot): Verdict | undefined {
    const keptDeltas = this.deepKeep;
    this.deepKeep = undefined;
    if (keptDeltas === undefined || keptDeltas.length === 0) return undefined;
    const spliced = spliceSnapshot(snap, keptDeltas, local.rules, local.strings);
    if (spliced === undefined || spliced.updateId !== local.localId) return undefined;
    return this.compare(local, snap, true, { bids: spliced.bids, asks: spliced.asks, deltas: spliced.applied });
  }

  /**
   * Compare the book with a snapshot at the same id. `adopt`: on a match, the (deeper) snapshot replaces the book,
   * which is then known to its depth.
   */
  private compare(local: SyncedBook, snap: RestSnapshot, adopt: boolean, spliced?: { bids: Level[]; asks: Level[]; deltas: number }): Verdict {
    const diffs = this.cross.diff(local.book, snap, spliced);
    const at = spliced ? { updateId: local.localId, snapshotUpdateId: snap.updateId, splicedDeltas: spliced.deltas } : { updateId: snap.updateId };
    if (diffs.length === 0) {
      if (adopt) {
        const theirs = spliced ?? snap;
        local.book.applySnapshot(theirs.bids, theirs.asks);
        this.cross.noteKnownRange(snap.bids, snap.asks);
        local.truncated = undefined;
      }
      return { match: true, adopted: adopt, details: { ...at, levels: snap.bids.length + snap.asks.length, ...(adopt ? { deepened: true } : {}) } };
    }
    return { match: false, adopted: false, details: { ...at, differing: diffs.length, diffs: diffs.slice(0, this.maxDiffs) } };
  }
}
