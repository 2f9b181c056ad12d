/**
 * How a book is synced and verified: the rules each exchange's adapter gives the book sync, and the message and
 * snapshot shapes they judge. They live with the book (book-sync.ts reads them; adapters implement them), so the book
 * does not depend on the adapters. Re-exported by src/exchanges/types.ts.
 */
import type { Integrity, Level } from '../schema/events.js';
import type { RestRequest } from '../rest/request.js';
import type { OrderBook } from './order-book.js';
import type { LevelCodes } from './level-codes.js';

/** One book message of an exchange, as its adapter's `parse` returns it (a `WireMessage` of kind `book`). */
export interface DeltaMessage {
  kind: 'book';
  market: string;
  action: 'snapshot' | 'delta';
  exchangeTime?: number;
  bids: Level[];
  asks: Level[];
  /** Last update id this message brings the book to (Binance `u`, OKX `seqId`, Bybit `u`). */
  updateId?: number;
  /** First update id in this message (Binance `U`). */
  firstUpdateId?: number;
  /** Id this message chains from (Binance futures `pu`, OKX `prevSeqId`). */
  prevUpdateId?: number;
  /** Exchange checksum, when the message carries one (0 = absent on OKX). */
  checksum?: number;
  /** A second ordering id that never goes down across the book's messages (Bybit `seq`, the cross sequence). */
  sequence?: number;
  /**
   * The levels in the book's numeric form, where a frame scanner computed them while reading (Binance's depthUpdate
   * scanner): its area and the frame it holds; valid while `codes.frame === codesFrame` (see level-codes.ts).
   */
  codes?: LevelCodes | undefined;
  codesFrame?: number | undefined;
}

/** What to do with a delta: apply it, drop it (already in the book) or declare a gap (resync). */
export type Continuity = 'apply' | 'drop' | 'gap';

export interface RestSnapshot {
  updateId: number;
  bids: Level[];
  asks: Level[];
  exchangeTime?: number;
  /**
   * The REST book's own version where it has one that cannot be spliced into the stream (Coinbase Exchange
   * `sequence`): it only tells whether the exchange's book changed between two REST books (src/book/top-compare.ts).
   */
  version?: number;
}

/** What the book sync keeps of the last applied message: its id, not its levels (those must die young). */
export interface PrevDelta {
  updateId?: number | undefined;
  sequence?: number | undefined;
}

/** How an exchange's books are synced and verified. */
export interface BookRules {
  readonly integrity: Integrity;
  /**
   * Where snapshots come from: a REST request spliced with buffered deltas, or in-band on the socket.
   * `inband-or-rest`: in-band when the exchange sends one as the first book message of a subscription, else the
   * REST path (buffer deltas, fetch, splice with `snapshotTooOld`/`first`) — OKX, whose initial snapshot is
   * announced to go away.
   */
  readonly snapshot: 'rest' | 'inband' | 'inband-or-rest';
  /** How a broken book is recovered: fetch a REST snapshot, or unsubscribe/resubscribe that book. */
  readonly resync: 'rest' | 'resubscribe';
  /** REST snapshot request (snapshot 'rest', and for periodic cross-checks). */
  snapshotRequest?(market: string, depth: number): RestRequest;
  parseSnapshot?(body: string): RestSnapshot;
  /** The snapshot is older than the first buffered delta: fetch again. */
  snapshotTooOld?(snapshotId: number, firstBuffered: DeltaMessage): boolean;
  /** Continuity of the first delta after a snapshot with id `snapshotId`. */
  first(snapshotId: number, delta: DeltaMessage): Continuity;
  /** Continuity of every following delta given the last applied message's id (`prev`) and the local id. */
  next(localId: number, delta: DeltaMessage, prev: PrevDelta | undefined): Continuity;
  /** Verify the exchange checksum after applying a message; undefined when the message carries none. */
  verifyChecksum?(book: OrderBook, msg: DeltaMessage): boolean | undefined;
  /** Depth over which the checksum is computed (for `integrityDepth`). */
  readonly checksumDepth?: number;
  /** Books defined at a fixed depth are truncated to it after every message (Kraken). */
  truncateTo?(subscribedDepth: number): number | undefined;
  /**
   * How the periodic REST cross-check compares (default `id`: splice/compare at the snapshot's update id).
   * `top-n`: the REST book carries no usable id (Coinbase), so the local book's top levels are compared with the
   * REST book's on arrival (src/book/top-compare.ts) and only a divergence that persists over several checks
   * triggers a resync; `parseSnapshot`'s `updateId` is then 0 and meaningless.
   */
  readonly reconcileBy?: 'id' | 'top-n';
  /**
   * In-band snapshots: deltas tolerated while waiting for the snapshot (stale ones of an earlier subscription); one
   * more means the snapshot went missing → gap, resync. Undefined: deltas before the snapshot are dropped forever.
   */
  readonly maxDeltasBeforeSnapshot?: number;
  /**
   * Where a `chained` book's continuity proof lives. `book` (default): per-book update ids, checked on every delta,
   * so data that resumes after a silence proves it missed nothing. `connection`: one sequence across every channel
   * of the connection (Coinbase Advanced Trade `sequence_num`): it proves no frame was lost, but not that the
   * exchange still sends this book (a channel it closed leaves the sequence contiguous through the heartbeats), so
   * the pipeline treats a silent book like an unchained one (see `silenceBreaksContinuity`, src/pipeline/continuity.ts).
   */
  readonly chainScope?: 'book' | 'connection';
  /**
   * Rules for a book whose in-band snapshot shows another variant of the feed, or undefined for these rules. OKX:
   * a snapshot without `seqId` but with a checksum (captures from before OKX sent `seqId`, replays of them) is
   * verified by its checksum (`integrity: checksum`, a checksum required on every message) instead of being
   * refused as a gap on every update. Re-decided on every in-band snapshot; a REST snapshot uses these rules.
   */
  variantFor?(snapshot: DeltaMessage): BookRules | undefined;
}
