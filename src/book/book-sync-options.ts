/** What BookSync gets from the pipeline that drives it (options, callbacks) and what it reports back. */
import type { UnstampedEvent } from '../schema/events.js';
import type { BookIdentity } from './book-events.js';
import type { BookRules } from './rules.js';

export interface BookSyncOptions extends BookIdentity {
  rules: BookRules;
  /** For `rules.truncateTo` (books defined at a fixed depth, Kraken). */
  subscribedDepth: number;
  /** Called when the sync needs a REST snapshot. The pipeline fetches and calls onSnapshot / onSnapshotError. */
  requestSnapshot: () => void;
  /** Called when the sync needs a fresh in-band snapshot: the pipeline unsubscribes + subscribes that book. */
  requestResubscribe: () => void;
  /** Emitted events (book_snapshot, book_delta, status) without seq/epoch (the pipeline stamps them). */
  emit: (e: UnstampedEvent) => void;
  /** Deltas kept while waiting for a REST snapshot; on overflow the buffer restarts from the newest delta. */
  maxBuffer?: number;
  /** Deltas kept for splicing a deep snapshot (`keepForDeepen`); past it the deep snapshot is given up. Default 1000. */
  maxDeepKeep?: number;
  /** Differing levels listed in a reconcile-mismatch status (the count is always given). */
  maxReportedDiffs?: number;
}

export type BookSyncState = 'syncing' | 'live' | 'resyncing';

/** What `reconcile` did with a snapshot right away. */
export type ReconcileResult =
  /** Compared now (the book is at the snapshot's id): a `reconciled` or mismatch status was emitted. */
  | 'compared'
  /** Kept: compared when the live book reaches the snapshot's id. */
  | 'pending'
  /** Not usable: the book is past the snapshot's id, or not live. Nothing emitted; fetch again later. */
  | 'skipped';

export const DEFAULT_MAX_BUFFER = 10_000;
export const DEFAULT_MAX_DIFFS = 20;
export const DEFAULT_MAX_DEEP_KEEP = 1000;
