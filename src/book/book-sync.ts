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
 */
import type { Level } from '../schema/events.js';
import type { TwCode, TwErrorCode } from '../errors.js';
import type { BookRules, DeltaMessage, PrevDelta, RestSnapshot } from './rules.js';
import { OrderBook } from './order-book.js';
import { bookDeltaEvent, bookSnapshotEvent, bookStatusEvent, type BookSnapshotUnstamped, type BookStatusState } from './book-events.js';
import { DEFAULT_MAX_BUFFER, DEFAULT_MAX_DEEP_KEEP, DEFAULT_MAX_DIFFS, type BookSyncOptions, type BookSyncState, type ReconcileResult } from './book-sync-options.js';
import { CrossCheck } from './cross-check.js';
import { DeltaBuffer } from './delta-buffer.js';
import { codesFor } from './level-codes.js';
import { spliceSnapshot } from './deep-splice.js';
import { kept } from './delta-buffer.js';
import { gapDetails, integrityProblem, type Problem } from './sync-problems.js';

export class BookSync {
  /** Books verified by a checksum of their strings on every update keep the strings; the others keep numbers. */
  readonly book: OrderBook;
  private _state: BookSyncState = 'syncing';
  private localId: number | undefined;
  /**
   * Id of the last applied delta (or in-band snapshot) since the last snapshot; undefined right after a REST
   * snapshot. Only the id: holding the message itself would keep its levels alive from one delta to the next, which
   * is what makes V8 allocate every parsed level directly in old space (allocation-site pretenuring) — then a burst
   * at 20 symbols runs at half speed with twice the memory.
   */
  private prev: PrevDelta | undefined;
  private readonly buffer = new DeltaBuffer();
  /** In-band: deltas seen while waiting for the snapshot since the last (re)sync (`rules.maxDeltasBeforeSnapshot`). */
  private deltasBeforeSnapshot = 0;
  /** A REST snapshot that arrived before any delta: held until the first delta. */
  private heldSnapshot: RestSnapshot | undefined;
  private awaitingSnapshot = false;
  private readonly cross = new CrossCheck();
  /**
   * Copies of the deltas applied since a deep snapshot's request went out (`keepForDeepen`), so that a deep snapshot
   * the book has already moved past is brought forward with them (`spliceDeep`) instead of being fetched again.
   */
  private deepKeep: DeltaMessage[] | undefined;
  private readonly maxDeepKeep: number;
  /** Exchange time of the book's state (last applied message, or the snapshot). */
  private bookTime: number | undefined;
  /** The rules of this book: the feed's, or the variant its last in-band snapshot showed (`rules.variantFor`). */
  private rules: BookRules;
  private readonly maxBuffer: number;
  private readonly maxDiffs: number;
  private readonly truncateDepth: number | undefined;
  /** Levels cut by the last truncation, for the delta event being emitted. */
  private truncated: { bids: Level[]; asks: Level[] } | undefined;

  constructor(private readonly opts: BookSyncOptions) {
    this.rules = opts.rules;
    this.maxBuffer = opts.maxBuffer ?? DEFAULT_MAX_BUFFER;
    this.maxDiffs = opts.maxReportedDiffs ?? DEFAULT_MAX_DIFFS;
    this.maxDeepKeep = opts.maxDeepKeep ?? DEFAULT_MAX_DEEP_KEEP;
    this.truncateDepth = opts.rules.truncateTo?.(opts.subscribedDepth);
    this.book = new OrderBook({ strings: opts.rules.verifyChecksum !== undefined });
  }

  get state(): BookSyncState {
    return this._state;
  }

  /** Exchange id of the last update the book includes (undefined while not synced). */
  get updateId(): number | undefined {
    return this.localId;
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
    if (this.rules.snapshot === 'rest') this.askSnapshot();
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
    if (this.rules.snapshot === 'inband' && this.rules.resync !== 'rest') {
      // wait for the snapshot; a few deltas of an earlier subscription are normal, a stream of them is not
      const max = this.rules.maxDeltasBeforeSnapshot;
      if (max !== undefined && ++this.deltasBeforeSnapshot > max) {
        this.resync('TW_ERR_SEQUENCE_GAP', 'updates keep arriving without a snapshot', localTime, {
          deltasBeforeSnapshot: this.deltasBeforeSnapshot,
          got: { updateId: msg.updateId },
        }, []);
      }
      return;
    }
    if (this.rules.snapshot === 'inband-or-rest' && !this.awaitingSnapshot && this.heldSnapshot === undefined) {
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
    if (this.rules.snapshot === 'rest' || this.rules.resync === 'rest') this.askSnapshot();
    // in-band: the pipeline re-subscribes on reconnect and the snapshot comes with it
  }

  /**
   * Periodic REST cross-check, compared once the book is provably at the snapshot's id (when: cross-check.ts). A
   * match emits status `reconciled` (TW_OK, details {updateId, levels}); a mismatch emits `resyncing` with
   * TW_ERR_RECONCILE_MISMATCH and the differing levels, then resyncs. If the book is already past the id, or not
   * live, nothing is emitted and `'skipped'` is returned: fetch again later.
   *
   * `adopt` (a deeper snapshot after a shallow sync): on a match the snapshot replaces the book. When `keepForDeepen`
   * was called as its request went out, a snapshot the book is already past — or that a delta straddles — is
   * brought forward with the deltas applied since, as a first sync splices its snapshot (`spliceDeep`), and the
   * result is compared with the book at the book's own id; it is `'skipped'` only when those deltas do not chain
   * onto it (the snapshot is older than the first kept delta) or were given up (more than `maxDeepKeep`).
   */
  reconcile(snap: RestSnapshot, localTime: number, adopt = false): ReconcileResult {
    if (this._state !== 'live' || this.localId === undefined) {
      if (adopt) this.deepKeep = undefined;
      return 'skipped';
    }
    if (snap.updateId === this.localId) {
      if (adopt) this.deepKeep = undefined;
      this.compare(snap, localTime, [], adopt);
      return 'compared';
    }
    if (snap.updateId < this.localId) {
      if (!adopt) return 'skipped';
      return this.spliceDeep(snap, localTime) ? 'compared' : 'skipped';
    }
    this.cross.wait(snap, adopt);
    return 'pending';
  }

  /**
   * A deep snapshot's request is going out now: keep copies of the deltas applied from here on (at most
   * `maxDeepKeep`), until `reconcile(…, true)` settles that snapshot, `dropDeepKeep` or a resync.
   */
  keepForDeepen(): void {
    this.deepKeep = this._state === 'live' ? [] : undefined;
  }

  /** The deep snapshot will not come (its request failed): stop keeping deltas for it. */
  dropDeepKeep(): void {
    this.deepKeep = undefined;
  }

  /** Deltas kept for a deep snapshot in flight (for diagnostics and tests); undefined when none is kept. */
  get deepKeptCount(): number | undefined {
    return this.deepKeep?.length;
  }

  /**
   * A deep snapshot newer than the book waits for the book to reach its id (`reconcile(…, true)` returned
   * `'pending'`); fetching another meanwhile would replace it with a still newer one.
   */
  get deepPending(): boolean {
    return this.cross.pending !== undefined && this.cross.adopt;
  }

  /** Keep only the last `keep` buffered deltas while the snapshot request waits (see DeltaBuffer.trim). */
  trimBuffer(keep: number): void {
    this.buffer.trim(keep);
  }

  // ---------------------------------------------------------------------------------------------------------------

  private reset(): void {
    this.truncated = undefined;
    this.book.clear();
    this.localId = undefined;
    this.prev = undefined;
    this.buffer.clear();
    this.heldSnapshot = undefined;
    this.cross.pending = undefined;
    this.deepKeep = undefined;
    this.deltasBeforeSnapshot = 0;
    this.bookTime = undefined;
  }

  private askSnapshot(): void {
    this.awaitingSnapshot = true;
    this.opts.requestSnapshot();
  }

  private bufferDelta(msg: DeltaMessage, localTime: number): void {
    const last = this.buffer.last;
    if (last !== undefined && last.updateId !== undefined) {
      const c = this.rules.next(last.updateId, msg, last);
      if (c === 'drop') return;
      if (c === 'gap') {
        // the stream broke while buffering: keep only what follows the break
        this.status(this._state, 'TW_ERR_SEQUENCE_GAP', 'gap in the buffered updates; buffering restarts', localTime, {
          phase: 'buffering',
          ...gapDetails(last.updateId, this.prev, msg),
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
    const rules = this.rules;
    const first = this.buffer.first!;
    if (rules.snapshotTooOld?.(snap.updateId, first) === true) {
      this.status(this._state, 'TW_ERR_SNAPSHOT_STALE', 'snapshot older than the buffered updates; fetching again', localTime, {
        snapshotUpdateId: snap.updateId,
        firstBufferedUpdateId: first.firstUpdateId ?? first.updateId,
        firstBufferedPrevUpdateId: first.prevUpdateId,
      });
      this.askSnapshot();
      return;
    }
    this.rules = this.opts.rules;
    this.book.applySnapshot(snap.bids, snap.asks);
    this.cross.noteKnownRange(snap.bids, snap.asks);
    this.localId = snap.updateId;
    this.prev = undefined;
    this.bookTime = snap.exchangeTime;
    const buffered = this.buffer.take();
    for (let i = 0; i < buffered.length; i++) {
      const d = buffered[i]!;
      const c = this.continuity(d);
      if (c === 'drop') continue;
      if (c === 'gap') {
        this.resync('TW_ERR_SEQUENCE_GAP', 'the buffered updates do not continue the snapshot', localTime, {
          snapshotUpdateId: snap.updateId,
          ...gapDetails(this.localId, this.prev, d),
        }, buffered.slice(i));
        return;
      }
      const problem = this.apply(d);
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
    this.cross.pending = undefined;
    this.rules = this.opts.rules.variantFor?.(msg) ?? this.opts.rules;
    this.book.applySnapshot(msg.bids, msg.asks);
    this.cross.noteKnownRange(msg.bids, msg.asks);
    this.localId = msg.updateId;
    this.prev = { updateId: msg.updateId, sequence: msg.sequence };
    this.bookTime = msg.exchangeTime;
    const problem = this.check(msg);
    if (problem !== undefined) {
      this.resync(problem.code, problem.reason, localTime, problem.details, []);
      return;
    }
    this.goLive(localTime);
  }

  private goLive(localTime: number): void {
    this.truncated = undefined; // the snapshot event carries the truncated book itself
    const wasLive = this._state === 'live';
    this._state = 'live';
    this.opts.emit(this.snapshotEvent(localTime));
    if (!wasLive) this.status('live', 'TW_OK', 'book synced', localTime, { updateId: this.localId });
  }

  private applyLive(d: DeltaMessage, localTime: number): void {
    const c = this.continuity(d);
    if (c === 'drop') return;
    if (c === 'gap') {
      this.resync('TW_ERR_SEQUENCE_GAP', 'update does not chain onto the book', localTime, gapDetails(this.localId, this.prev, d), [d]);
      return;
    }
    if (this.cross.pending !== undefined) {
      const before = this.cross.takeBefore(d);
      if (before !== undefined && this.cross.adopt) this.deepKeep = undefined;
      if (before !== undefined && !this.compare(before, localTime, [d], this.cross.adopt)) return;
    }
    const problem = this.apply(d);
    if (problem !== undefined) {
      this.resync(problem.code, problem.reason, localTime, problem.details, []);
      return;
    }
    const keep = this.deepKeep;
    if (keep !== undefined) {
      if (keep.length >= this.maxDeepKeep) this.deepKeep = undefined;
      else keep.push(kept(d));
    }
    this.emitDelta(d, localTime);
    const p = this.cross.pending;
    if (p !== undefined && this.localId !== undefined && this.localId >= p.updateId) {
      const adopt = this.cross.adopt;
      const at = this.cross.takeAt(this.localId);
      if (at !== undefined) {
        if (adopt) this.deepKeep = undefined;
        this.compare(at, localTime, [], adopt);
      } else if (adopt) this.spliceDeep(p, localTime);
      // else: this delta straddled the snapshot's id; unusable for a cross-check (cross-check.ts)
    }
  }

  /**
   * Bring a deep snapshot older than the live book forward with the deltas kept since its request went out
   * (`keepForDeepen`), by the rules of a first sync (deep-splice.ts), on a separate book; then compare that book with
   * the live one where both know the book and, on a match, adopt it. Returns false (nothing emitted, the live book
   * untouched) when the kept deltas do not chain onto the snapshot or do not reach the live book's id; true when
   * compared (a `reconciled` status, or a mismatch resync).
   */
  private spliceDeep(snap: RestSnapshot, localTime: number): boolean {
    const keptDeltas = this.deepKeep;
    this.deepKeep = undefined;
    if (keptDeltas === undefined || keptDeltas.length === 0) return false;
    const spliced = spliceSnapshot(snap, keptDeltas, this.rules, this.opts.rules.verifyChecksum !== undefined);
    if (spliced === undefined || spliced.updateId !== this.localId) return false;
    this.compare(snap, localTime, [], true, { bids: spliced.bids, asks: spliced.asks, deltas: spliced.applied });
    return true;
  }

  private continuity(d: DeltaMessage): 'apply' | 'drop' | 'gap' {
    const rules = this.rules;
    // no base yet (no snapshot). Feeds without update ids (Kraken, Coinbase level2) have a base (`prev`, the in-band
    // snapshot) but no id: their rules ignore the id, so 0 stands in for it.
    if (this.localId === undefined && this.prev === undefined) return 'gap';
    const id = this.localId ?? 0;
    return this.prev === undefined ? rules.first(id, d) : rules.next(id, d, this.prev);
  }

  /** Apply a delta that passed the continuity check; returns the integrity problem, if any. */
  private apply(d: DeltaMessage): Problem | undefined {
    this.book.applyLevels(d.bids, d.asks, codesFor(d));
    if (d.updateId !== undefined) this.localId = d.updateId;
    if (d.exchangeTime !== undefined) this.bookTime = d.exchangeTime;
    const prev = this.prev;
    if (prev === undefined) this.prev = { updateId: d.updateId, sequence: d.sequence };
    else {
      prev.updateId = d.updateId;
      prev.sequence = d.sequence;
    }
    return this.check(d);
  }

  private check(d: DeltaMessage): Problem | undefined {
    const rules = this.rules;
    if (this.truncateDepth !== undefined) {
      const cut = this.book.truncate(this.truncateDepth);
      this.truncated = cut.bids.length > 0 || cut.asks.length > 0 ? cut : undefined;
    }
    return integrityProblem(this.book, rules, d);
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
    const rules = this.rules;
    if (rules.resync === 'resubscribe') {
      this.opts.requestResubscribe();
      if (rules.snapshot === 'rest') this.askSnapshot();
      return;
    }
    for (const d of rebuffer) this.bufferDelta(d, localTime);
    this.askSnapshot();
  }

  /**
   * Compare the book with a snapshot at the same id; returns true when they match. `adopt`: on a match, the
   * (deeper) snapshot replaces the book, which is then known to its depth.
   */
  private compare(
    snap: RestSnapshot,
    localTime: number,
    rebuffer: DeltaMessage[] = [],
    adopt = false,
    spliced?: { bids: Level[]; asks: Level[]; deltas: number },
  ): boolean {
    const diffs = this.cross.diff(this.book, snap, spliced);
    const at = spliced ? { updateId: this.localId, snapshotUpdateId: snap.updateId, splicedDeltas: spliced.deltas } : { updateId: snap.updateId };
    if (diffs.length === 0) {
      if (adopt) {
        const theirs = spliced ?? snap;
        this.book.applySnapshot(theirs.bids, theirs.asks);
        this.cross.noteKnownRange(snap.bids, snap.asks);
        this.truncated = undefined;
        this.opts.emit(this.snapshotEvent(localTime));
      }
      this.status('reconciled', 'TW_OK', adopt ? 'book deepened from a matching REST snapshot' : 'book matches the REST snapshot', localTime, {
        ...at,
        levels: snap.bids.length + snap.asks.length,
        ...(adopt ? { deepened: true } : {}),
      });
      return true;
    }
    this.resync('TW_ERR_RECONCILE_MISMATCH', 'book differs from the REST snapshot', localTime, {
      ...at,
      differing: diffs.length,
      diffs: diffs.slice(0, this.maxDiffs),
    }, rebuffer);
    return false;
  }

  /** A `book_snapshot` event of the current book (for consumers that join late or lost deltas). */
  snapshotEvent(localTime: number): BookSnapshotUnstamped {
    return bookSnapshotEvent(this.opts, this.rules, this.book, this.bookTime, this.localId, localTime);
  }

  private emitDelta(d: DeltaMessage, localTime: number): void {
    const cut = this.truncated;
    this.truncated = undefined;
    this.opts.emit(bookDeltaEvent(this.opts, this.rules, d, cut, localTime));
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
