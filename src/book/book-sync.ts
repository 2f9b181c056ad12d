/**
 * The per-(exchange, market) book state machine: pure and synchronous (no timers, no I/O — the pipeline drives it
 * and performs the requests it asks for). Generic over `BookRules`: no exchange is named here.
 *
 * States: `syncing` (first sync) → `live` → `resyncing` (after a gap, checksum mismatch, crossed book, reconcile
 * mismatch or `invalidate`) → `live` …
 *
 * REST snapshots (`rules.snapshot === 'rest'`): deltas are buffered (bounded) until a snapshot arrives; the snapshot
 * is checked against the first buffered delta (`rules.snapshotTooOld` → fetched again), the buffered deltas are
 * spliced by update id (`rules.first` / `rules.next`) and the book goes live. A snapshot that arrives before any delta
 * is held until the first delta proves the stream continues from it (the REST snapshot may be older than the
 * stream): a quiet market therefore stays `syncing` until its first delta.
 *
 * In-band snapshots (`rules.snapshot === 'inband'`): deltas before the snapshot message are dropped (they belong to
 * an earlier subscription); the snapshot message makes the book live.
 *
 * Either (`rules.snapshot === 'inband-or-rest'`): an in-band snapshot makes the book live whenever it comes; a delta
 * that arrives while the book is not live is buffered and a REST snapshot is requested, then spliced as above (an
 * in-band snapshot arriving meanwhile wins and the REST answer is ignored).
 *
 * Continuity is checked on every delta, the checksum (where the rules have one) after every message, and a crossed
 * book after every message. Any failure → status `resyncing` with the code and details, then `rules.resync`.
 *
 * The book itself and the steps every path shares: synced-book.ts; the REST cross-checks and deepening: reconcile.ts.
 */
import type { TwCode, TwErrorCode } from '../errors.js';
import type { DeltaMessage, RestSnapshot } from './rules.js';
import type { OrderBook } from './order-book.js';
import { bookStatusEvent, type BookSnapshotUnstamped, type BookStatusState } from './book-events.js';
import { DEFAULT_MAX_BUFFER, DEFAULT_MAX_DEEP_KEEP, DEFAULT_MAX_DIFFS, type BookSyncOptions, type BookSyncState, type ReconcileResult } from './book-sync-options.js';
import { DeltaBuffer } from './delta-buffer.js';
import { Reconciler, type Verdict } from './reconcile.js';
import { SyncedBook } from './synced-book.js';
import { gapDetails } from './sync-problems.js';

export class BookSync {
  /** The local book (synced-book.ts: strings for books verified by a checksum of them, numbers for the others). */
  readonly book: OrderBook;
  private _state: BookSyncState = 'syncing';
  /** The book, its place in the stream and its rules. */
  private readonly local: SyncedBook;
  /** REST cross-checks and deepening of the live book. */
  private readonly rec: Reconciler;
  private readonly buffer = new DeltaBuffer();
  /** In-band: deltas seen while waiting for the snapshot since the last (re)sync (`rules.maxDeltasBeforeSnapshot`). */
  private deltasBeforeSnapshot = 0;
  /** A REST snapshot that arrived before any delta: held until the first delta. */
  private heldSnapshot: RestSnapshot | undefined;
  private awaitingSnapshot = false;
  private readonly maxBuffer: number;

  constructor(private readonly opts: BookSyncOptions) {
    this.local = new SyncedBook(opts.rules, opts.subscribedDepth);
    this.book = this.local.book;
    this.rec = new Reconciler(opts.maxDeepKeep ?? DEFAULT_MAX_DEEP_KEEP, opts.maxReportedDiffs ?? DEFAULT_MAX_DIFFS);
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
  }

  get state(): BookSyncState {
    return this._state;
  }

  /** Exchange id of the last update the book includes (undefined while not synced). */
  get updateId(): number | undefined {
    return this.local.localId;
  }

  /** True while a requested REST snapshot is still wanted (false again once any snapshot made the book live). */
  get wantsSnapshot(): boolean {
    return this.awaitingSnapshot;
  }

  /** Deltas buffered while waiting for a snapshot (for diagnostics and tests). */
  get bufferedCount(): number {
    return this.buffer.length;
  }

  /** Begin (or restart) the first sync: status `syncing`; a REST snapshot is requested when the rules want one. */
  start(localTime: number): void {
    this.reset();
    this._state = 'syncing';
    this.status('syncing', 'TW_OK', 'waiting for a book snapshot', localTime);
    if (this.local.rules.snapshot === 'rest') this.askSnapshot();
  }

  /** An in-band snapshot or a delta for this book. */
  onMessage(msg: DeltaMessage, localTime: number): void {
    if (msg.action === 'snapshot') {
      this.onInbandSnapshot(msg, localTime);
      return;
    }
    if (this._state === 'live') {
      this.applyLive(msg, localTime);
      return;
    }
    const rules = this.local.rules;
    if (rules.snapshot === 'inband' && rules.resync !== 'rest') {
      // wait for the snapshot; a few deltas of an earlier subscription are normal, a stream of them is not
      const max = rules.maxDeltasBeforeSnapshot;
      if (max !== undefined && ++this.deltasBeforeSnapshot > max) {
        this.resync('TW_ERR_SEQUENCE_GAP', 'updates keep arriving without a snapshot', localTime, {
          deltasBeforeSnapshot: this.deltasBeforeSnapshot,
          got: { updateId: msg.updateId },
        }, []);
      }
      return;
    }
    if (rules.snapshot === 'inband-or-rest' && !this.awaitingSnapshot && this.heldSnapshot === undefined) {
      this.askSnapshot(); // the subscription started with a delta: no in-band snapshot is coming
    }
    if (this.heldSnapshot !== undefined) {
      const snap = this.heldSnapshot;
      this.heldSnapshot = undefined;
      this.buffer.addNow(msg);
      this.splice(snap, localTime);
      return;
    }
    this.bufferDelta(msg, localTime);
  }

  /** A REST snapshot the sync asked for. Ignored unless the book is waiting for one. */
  onSnapshot(snap: RestSnapshot, localTime: number): void {
    if (!this.awaitingSnapshot || this._state === 'live') return;
    this.awaitingSnapshot = false;
    if (this.buffer.length === 0) {
      this.heldSnapshot = snap;
      return;
    }
    this.splice(snap, localTime);
  }

  /**
   * The REST snapshot request failed: a status event in the current (not live) state with `code`. The book stays
   * not live and the pipeline retries (and calls onSnapshot later). Ignored when live (a failed reconcile fetch is
   * reported by the pipeline's REST scheduler).
   */
  onSnapshotError(code: TwErrorCode, reason: string, localTime: number): void {
    if (this._state === 'live') return;
    this.status(this._state, code, reason, localTime);
  }

  /** The book can no longer be trusted (e.g. TW_ERR_RECONNECTED): `resyncing`, cleared, new snapshot awaited. */
  invalidate(code: TwErrorCode, reason: string, localTime: number, details?: Record<string, unknown>): void {
    this.reset();
    this._state = 'resyncing';
    this.status('resyncing', code, reason, localTime, details);
    if (this.local.rules.snapshot === 'rest' || this.local.rules.resync === 'rest') this.askSnapshot();
    // in-band: the pipeline re-subscribes on reconnect and the snapshot comes with it
  }

  /**
   * Periodic REST cross-check, compared once the book is provably at the snapshot's id (when: cross-check.ts). A
   * match emits status `reconciled` (TW_OK, details {updateId, levels}); a mismatch emits `resyncing` with
   * TW_ERR_RECONCILE_MISMATCH and the differing levels, then resyncs. If the book is already past the id, or not
   * live, nothing is emitted and `'skipped'` is returned: fetch again later.
   *
   * `adopt` (a deeper snapshot after a shallow sync): on a match the snapshot replaces the book; one the book is
   * already past may first be brought forward with the deltas kept since `keepForDeepen` (reconcile.ts).
   */
  reconcile(snap: RestSnapshot, localTime: number, adopt = false): ReconcileResult {
    const r = this.rec.reconcile(this.local, this._state === 'live', snap, adopt);
    if (typeof r === 'string') return r;
    this.settle(r, localTime, []);
    return 'compared';
  }

  /**
   * A deep snapshot's request is going out now: keep copies of the deltas applied from here on (at most
   * `maxDeepKeep`), until `reconcile(…, true)` settles that snapshot, `dropDeepKeep` or a resync.
   */
  keepForDeepen(): void {
    this.rec.keepForDeepen(this._state === 'live');
  }

  /** The deep snapshot will not come (its request failed): stop keeping deltas for it. */
  dropDeepKeep(): void {
    this.rec.dropDeepKeep();
  }

  /** Deltas kept for a deep snapshot in flight (for diagnostics and tests); undefined when none is kept. */
  get deepKeptCount(): number | undefined {
    return this.rec.deepKeptCount;
  }

  /** A deep snapshot newer than the book waits for the book to reach its id (`reconcile(…, true)` was `'pending'`). */
  get deepPending(): boolean {
    return this.rec.deepPending;
  }

  /** Keep only the last `keep` buffered deltas while the snapshot request waits (see DeltaBuffer.trim). */
  trimBuffer(keep: number): void {
    this.buffer.trim(keep);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private reset(): void {
    this.local.clear();
    this.buffer.clear();
    this.heldSnapshot = undefined;
    this.rec.reset();
    this.deltasBeforeSnapshot = 0;
  }

  private askSnapshot(): void {
    this.awaitingSnapshot = true;
    this.opts.requestSnapshot();
  }

  private bufferDelta(msg: DeltaMessage, localTime: number): void {
    const last = this.buffer.last;
    if (last !== undefined && last.updateId !== undefined) {
      const c = this.local.rules.next(last.updateId, msg, last);
      if (c === 'drop') return;
      if (c === 'gap') {
        // the stream broke while buffering: keep only what follows the break
        this.status(this._state, 'TW_ERR_SEQUENCE_GAP', 'gap in the buffered updates; buffering restarts', localTime, {
          phase: 'buffering',
          ...gapDetails(last.updateId, this.local.prev, msg),
        });
        this.buffer.restartWith(msg);
        return;
      }
    }
    if (this.buffer.length >= this.maxBuffer) {
      this.status(this._state, 'TW_ERR_BOOK_BUFFER_OVERFLOW', 'too many updates buffered while waiting for a snapshot', localTime, {
        buffered: this.buffer.length,
      });
      this.buffer.clear();
      if (!this.awaitingSnapshot) this.askSnapshot();
    }
    this.buffer.add(msg);
  }

  /** Splice a REST snapshot with the (non-empty) buffer. */
  private splice(snap: RestSnapshot, localTime: number): void {
    const local = this.local;
    const first = this.buffer.first!;
    if (local.rules.snapshotTooOld?.(snap.updateId, first) === true) {
      this.status(this._state, 'TW_ERR_SNAPSHOT_STALE', 'snapshot older than the buffered updates; fetching again', localTime, {
        snapshotUpdateId: snap.updateId,
        firstBufferedUpdateId: first.firstUpdateId ?? first.updateId,
        firstBufferedPrevUpdateId: first.prevUpdateId,
      });
      this.askSnapshot();
      return;
    }
    local.rules = this.opts.rules;
    local.setSnapshot(snap.bids, snap.asks, snap.updateId, undefined, snap.exchangeTime);
    this.rec.cross.noteKnownRange(snap.bids, snap.asks);
    const buffered = this.buffer.take();
    for (let i = 0; i < buffered.length; i++) {
      const d = buffered[i]!;
      const c = local.continuity(d);
      if (c === 'drop') continue;
      if (c === 'gap') {
        this.resync('TW_ERR_SEQUENCE_GAP', 'the buffered updates do not continue the snapshot', localTime, {
          snapshotUpdateId: snap.updateId,
          ...gapDetails(local.localId, local.prev, d),
        }, buffered.slice(i));
        return;
      }
      const problem = local.apply(d);
      if (problem !== undefined) {
        this.resync(problem.code, problem.reason, localTime, problem.details, buffered.slice(i + 1));
        return;
      }
    }
    this.goLive(localTime);
  }

  private onInbandSnapshot(msg: DeltaMessage, localTime: number): void {
    this.buffer.clear();
    this.deltasBeforeSnapshot = 0;
    this.heldSnapshot = undefined;
    this.awaitingSnapshot = false;
    this.rec.cross.pending = undefined;
    const local = this.local;
    local.rules = this.opts.rules.variantFor?.(msg) ?? this.opts.rules;
    local.setSnapshot(msg.bids, msg.asks, msg.updateId, { updateId: msg.updateId, sequence: msg.sequence }, msg.exchangeTime);
    this.rec.cross.noteKnownRange(msg.bids, msg.asks);
    const problem = local.check(msg);
    if (problem !== undefined) {
      this.resync(problem.code, problem.reason, localTime, problem.details, []);
      return;
    }
    this.goLive(localTime);
  }

  private goLive(localTime: number): void {
    this.local.truncated = undefined; // the snapshot event carries the truncated book itself
    const wasLive = this._state === 'live';
    this._state = 'live';
    this.opts.emit(this.snapshotEvent(localTime));
    if (!wasLive) this.status('live', 'TW_OK', 'book synced', localTime, { updateId: this.local.localId });
  }

  private applyLive(d: DeltaMessage, localTime: number): void {
    const local = this.local;
    const c = local.continuity(d);
    if (c === 'drop') return;
    if (c === 'gap') {
      this.resync('TW_ERR_SEQUENCE_GAP', 'update does not chain onto the book', localTime, gapDetails(local.localId, local.prev, d), [d]);
      return;
    }
    const rec = this.rec;
    if (rec.cross.pending !== undefined) {
      const before = rec.before(local, d);
      if (before !== undefined && !this.settle(before, localTime, [d])) return;
    }
    const problem = local.apply(d);
    if (problem !== undefined) {
      this.resync(problem.code, problem.reason, localTime, problem.details, []);
      return;
    }
    rec.keep(d);
    this.opts.emit(local.deltaEvent(this.opts, d, localTime));
    if (rec.cross.pending !== undefined) {
      const at = rec.after(local);
      if (at !== undefined) this.settle(at, localTime, []);
    }
  }

  /**
   * Resync after a problem: status `resyncing`, book cleared, then a REST snapshot (keeping `rebuffer`, the deltas
   * that follow the problem) or a resubscribe.
   */
  private resync(
    code: TwErrorCode,
    reason: string,
    localTime: number,
    details: Record<string, unknown>,
    rebuffer: DeltaMessage[],
  ): void {
    this.reset();
    this._state = 'resyncing';
    this.status('resyncing', code, reason, localTime, details);
    const rules = this.local.rules;
    if (rules.resync === 'resubscribe') {
      this.opts.requestResubscribe();
      if (rules.snapshot === 'rest') this.askSnapshot();
      return;
    }
    for (const d of rebuffer) this.bufferDelta(d, localTime);
    this.askSnapshot();
  }

  /**
   * Act on a comparison with a REST snapshot (reconcile.ts): on a match a `reconciled` status (after a `book_snapshot`
   * of the book when it adopted the snapshot); on a mismatch a resync keeping `rebuffer`. Returns true on a match.
   */
  private settle(v: Verdict, localTime: number, rebuffer: DeltaMessage[]): boolean {
    if (v.match) {
      if (v.adopted) this.opts.emit(this.snapshotEvent(localTime));
      const reason = v.adopted ? 'book deepened from a matching REST snapshot' : 'book matches the REST snapshot';
      this.status('reconciled', 'TW_OK', reason, localTime, v.details);
      return true;
    }
    this.resync('TW_ERR_RECONCILE_MISMATCH', 'book differs from the REST snapshot', localTime, v.details, rebuffer);
    return false;
  }

  /** A `book_snapshot` event of the current book (for consumers that join late or lost deltas). */
  snapshotEvent(localTime: number): BookSnapshotUnstamped {
    return this.local.snapshotEvent(this.opts, localTime);
  }

  private status(
    state: BookStatusState,
    code: TwCode,
    reason: string,
    localTime: number,
    details?: Record<string, unknown>,
  ): void {
    this.opts.emit(bookStatusEvent(this.opts, state, code, reason, localTime, details));
  }
}
