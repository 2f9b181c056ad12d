/**
 * Drives one book's BookSync with I/O: REST snapshots through the host's scheduler (fetched after the next delta,
 * as Binance's procedure wants, or after a fallback delay for a quiet book), retries, in-band resubscribes and the
 * periodic REST cross-check. Timers run on the injected scheduler.
 */
import { interval, timer, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { ExchangeId, UnstampedEvent } from '../schema/events.js';
import type { TwErrorCode } from '../errors.js';
import { TwError } from '../errors.js';
import type { BookRules, DeltaMessage } from '../exchanges/types.js';
import { BookSync } from '../book/book-sync.js';
import { TopCrossCheck } from '../book/top-compare.js';
import type { RestScheduler } from '../rest/index.js';
import type { Clock } from '../util/clock.js';
import type { Metrics } from './metrics.js';

const SNAPSHOT_FALLBACK_MS = 3_000;
const SNAPSHOT_RETRY_MS = 1_000;
/** Top-N cross-check (`reconcileBy: 'top-n'`): levels compared per side, REST depth asked, checks to persist. */
const CROSS_CHECK = { depth: 10, requestDepth: 50, persistAfter: 3 } as const;
/**
 * Full-book check of books whose feed gives nothing to check (integrity `none`, Coinbase Exchange `level2_batch`):
 * every level of the REST book's price range compared; a difference seen identically in `persistAfter`
 * consecutive checks, the REST book's version moving between them, is a lost update. Detection within
 * `persistAfter` × the interval (+ REST time) of the loss.
 */
export const BOOK_CHECK = { persistAfter: 3 } as const;
/**
 * Deltas kept while a snapshot request waits in the REST queue (see BookSync.trimBuffer; it trims at twice this):
 * 1–2 s at 100 ms — the REST snapshot may lag the stream by that much when it goes out; an older one is refused as
 * stale and fetched again. Every kept delta outlives a few scavenges and is promoted, so what the waiting books hold
 * sets the live old space, and V8 lets the old space grow to a multiple of it before a full GC: at 1000 Binance books
 * with 1000-level first snapshots (905 waiting) 50 kept per book peaked at ~730 MB RSS, 10 at ~300 MB (bench/README,
 * fourteenth pass). A delta read by a frame scanner is kept as its ids and its levels' numbers (DeltaBuffer), not
 * as level arrays and strings: there the old space grew by 1.7 MB/s between scavenges instead of 12–14, and the
 * peak RSS of the whole sync was ~200 MB instead of ~295 (fifteenth pass).
 */
const BUFFER_WHILE_QUEUED = 10;
/** REST priority of the deep snapshot that follows a shallow first one (after every book's first sync, priority 1). */
const DEEPEN_PRIORITY = 4;
/**
 * Deep snapshots tried per live period. One is adopted when the book reaches its update id, or brought forward to
 * the book's id with the deltas kept since its request went out (BookSync.reconcile with adopt); a try misses when
 * those do not chain onto it. Each costs the full weight — so the tries are capped, and the book then stays verified
 * to the first depth.
 */
const DEEPEN_TRIES = 10;
/** Retry periods a deep snapshot newer than the book may wait for the book to reach it before another is fetched. */
const DEEPEN_PENDING_WAITS = 30;

/** A fixed offset in [0, every) per market (FNV-1a of its id): spreads periodic requests of many books. */
export function phaseOf(market: string, every: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < market.length; i++) h = Math.imul(h ^ market.charCodeAt(i), 0x01000193) >>> 0;
  return h % every;
}

export interface BookDriverOptions {
  exchange: ExchangeId;
  symbol: string;
  market: string;
  rules: BookRules;
  subscribedDepth: number;
  /** Contract value of a derivative whose sizes are contracts (carried on every book_snapshot). */
  contractValue?: string | undefined;
  /** Unit of the sizes where the instrument names one (carried on every book_snapshot). */
  sizeUnit?: string | undefined;
  snapshotDepth: number;
  /** Depth of the snapshot that (re)syncs the book, when shallower than `snapshotDepth`: a deep one then follows. */
  firstSnapshotDepth?: number | undefined;
  reconcileIntervalMs: number;
  /** Full-book REST check of an integrity-`none` book every this many ms (BOOK_CHECK); 0 = off. */
  bookCheckIntervalMs?: number;
  rest: RestScheduler;
  scheduler: SchedulerLike;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  emit: (e: UnstampedEvent) => void;
  /** Is the connection carrying this book open? */
  isOpen: () => boolean;
  /** Unsubscribe + subscribe this book (in-band snapshots). */
  resubscribe: () => void;
}

export class BookDriver {
  readonly sync: BookSync;
  private snapshotWanted = false;
  private snapshotInFlight = false;
  /** The in-flight snapshot request has left the REST queue (false while it waits for the weight budget). */
  private snapshotSent = false;
  private deepen: Subscription | undefined;
  /** The book was deepened since it last went live from a shallow snapshot. */
  private deepened = false;
  private deepTries = 0;
  private fallback: Subscription | undefined;
  private retry: Subscription | undefined;
  private readonly reconcileTimer: Subscription | undefined;
  /** Top-N cross-check state, reset whenever the book is re-snapshotted. */
  private crossCheck: TopCrossCheck | undefined;
  /** Full-book check state (integrity `none`), reset whenever the book is re-snapshotted. */
  private bookCheck: TopCrossCheck | undefined;
  private bookCheckTimer: Subscription | undefined;
  /** A full-book check request is queued or in flight (never more than one per book). */
  private bookCheckPending = false;
  /** Book messages received (the full-book check counts a check only if the book moved since the last one). */
  private messages = 0;
  private stopped = false;

  constructor(private readonly o: BookDriverOptions) {
    this.sync = new BookSync({
      exchange: o.exchange,
      symbol: o.symbol,
      market: o.market,
      rules: o.rules,
      subscribedDepth: o.subscribedDepth,
      contractValue: o.contractValue,
      sizeUnit: o.sizeUnit,
      requestSnapshot: () => this.wantSnapshot(),
      requestResubscribe: () => o.resubscribe(),
      emit: (e) => {
        if (e.type === 'book_snapshot') {
          this.crossCheck?.reset();
          this.bookCheck?.reset();
        }
        if (e.type === 'status' && e.state === 'resyncing') {
          o.metrics.inc('tickwire_resyncs_total', { exchange: o.exchange, cause: e.code });
        }
        o.emit(e);
        if (e.type === 'status' && e.state === 'reconciled' && e.details?.['deepened'] === true) this.deepened = true;
        if (e.type === 'status' && e.state === 'live' && this.shallow) {
          this.deepened = false;
          this.deepTries = 0;
          this.fetchDeep();
        }
      },
    });
    this.sync.start(o.clock.nowMicros());
    const check = o.bookCheckIntervalMs ?? 0;
    const fullCheck = check > 0 && o.rules.integrity === 'none' && o.rules.snapshotRequest !== undefined && o.rules.parseSnapshot !== undefined;
    if (fullCheck) {
      this.bookCheck = new TopCrossCheck({ depth: Infinity, persistAfter: BOOK_CHECK.persistAfter });
      // each book at its own phase of the interval (from its market id), so many books' checks do not go out at once
      this.bookCheckTimer = timer(check + phaseOf(o.market, check), check, o.scheduler).subscribe(() => this.checkFullBook());
    }
    const every = o.reconcileIntervalMs;
    // the full-book check covers what the top-N cross-check would
    if (!fullCheck && every > 0 && o.rules.snapshotRequest && o.rules.parseSnapshot) {
      this.reconcileTimer = interval(every, o.scheduler).subscribe(() => this.reconcile());
    }
  }

  get state(): string {
    return this.sync.state;
  }

  onMessage(msg: DeltaMessage, localTime: number): void {
    this.messages++;
    if (this.snapshotWanted && !this.snapshotInFlight) this.fetchSnapshot();
    this.sync.onMessage(msg, localTime);
    if (this.snapshotInFlight && !this.snapshotSent) this.sync.trimBuffer(BUFFER_WHILE_QUEUED);
  }

  /**
   * True when books (re)sync from a snapshot shallower than `snapshotDepth`: only for books whose REST snapshot
   * carries the update id the deep one is matched at (not the top-N cross-checked ones, e.g. Coinbase).
   */
  private get shallow(): boolean {
    const first = this.o.firstSnapshotDepth;
    return first !== undefined && first < this.o.snapshotDepth && this.o.rules.reconcileBy !== 'top-n';
  }

  /**
   * After a shallow (re)sync: one deep snapshot, at low priority, replaces the book once it matches it where both
   * know the book (BookSync.reconcile with adopt). A snapshot the book is already past is fetched again later.
   */
  private fetchDeep(): void {
    const { rules, rest, market } = this.o;
    if (this.stopped || !rules.snapshotRequest || !rules.parseSnapshot) return;
    this.deepen?.unsubscribe();
    this.deepen = undefined;
    if (++this.deepTries > DEEPEN_TRIES) {
      this.o.logger.warn({ market, tries: DEEPEN_TRIES }, 'no deep snapshot landed on the book; it stays verified to the first snapshot depth');
      return;
    }
    const again = (waits = 0): void => {
      // skipped (the book was past it), failed, or pending then straddled without a splice: fetch another. While a
      // deep snapshot newer than the book still waits for the book to reach it (a stream that lags the REST answer),
      // wait for it instead: a new request would replace it with a newer one, again and again while the lag lasts
      this.deepen = this.o.scheduler.schedule(() => {
        if (this.stopped || this.deepened || this.sync.state !== 'live') return;
        if (this.sync.deepPending && waits < DEEPEN_PENDING_WAITS) again(waits + 1);
        else this.fetchDeep();
      }, SNAPSHOT_RETRY_MS);
    };
    // from the moment the request leaves the queue, the sync keeps the deltas it applies: a snapshot the book is
    // past by the time it lands is brought forward with them (BookSync.reconcile with adopt)
    const onSend = (): void => this.sync.keepForDeepen();
    rest.request(rules.snapshotRequest(market, this.o.snapshotDepth), { priority: DEEPEN_PRIORITY, key: market, onSend }).then(
      (res) => {
        if (this.stopped || this.sync.state !== 'live') return; // a resync fetches its own, then deepens again
        try {
          this.sync.reconcile(rules.parseSnapshot!(res.body), this.o.clock.nowMicros(), true);
        } catch (err) {
          this.sync.dropDeepKeep();
          this.o.logger.warn({ err, market }, 'bad deep REST snapshot');
        }
        if (!this.deepened) again();
      },
      (err: unknown) => {
        this.sync.dropDeepKeep();
        this.o.logger.warn({ err, market }, 'deep snapshot failed');
        if (!this.stopped) again();
      },
    );
  }

  /**
   * The book can no longer be trusted. In-band books come back only with a fresh subscription: resubscribed now
   * when the connection is open (a per-connection sequence gap, an unreadable book message, a cross-check
   * divergence); after a reconnect the open re-sends every subscription anyway.
   */
  invalidate(code: TwErrorCode, reason: string, localTime: number, details?: Record<string, unknown>, resubscribe = true): void {
    this.sync.invalidate(code, reason, localTime, details);
    if (resubscribe && this.o.rules.resync === 'resubscribe' && this.o.isOpen()) this.o.resubscribe();
  }

  stop(): void {
    this.stopped = true;
    this.fallback?.unsubscribe();
    this.retry?.unsubscribe();
    this.deepen?.unsubscribe();
    this.reconcileTimer?.unsubscribe();
    this.bookCheckTimer?.unsubscribe();
  }

  /** Fetch a REST snapshot now and cross-check it against the live book. */
  reconcile(): void {
    const { rules, rest, market } = this.o;
    if (this.stopped || this.sync.state !== 'live' || !rules.snapshotRequest || !rules.parseSnapshot) return;
    const topN = rules.reconcileBy === 'top-n';
    const depth = topN ? Math.min(this.o.snapshotDepth, CROSS_CHECK.requestDepth) : this.o.snapshotDepth;
    rest.request(rules.snapshotRequest(market, depth), { priority: 5, key: market }).then(
      (res) => {
        if (this.stopped) return;
        try {
          const snap = rules.parseSnapshot!(res.body);
          if (topN) this.compareTop(snap);
          else this.sync.reconcile(snap, this.o.clock.nowMicros());
        } catch (err) {
          this.o.logger.warn({ err, market }, 'bad REST snapshot for reconciliation');
        }
      },
      (err: unknown) => this.o.logger.warn({ err, market }, 'reconciliation snapshot failed'),
    );
  }

  /**
   * Top-N cross-check for books whose REST snapshot has no usable id (Coinbase): the live book's top levels against
   * the REST book on arrival; only a difference seen identically in `persistAfter` consecutive checks resyncs.
   */
  private compareTop(snap: { bids: readonly [string, string][]; asks: readonly [string, string][] }): void {
    if (this.sync.state !== 'live') return;
    this.crossCheck ??= new TopCrossCheck({ depth: CROSS_CHECK.depth, persistAfter: CROSS_CHECK.persistAfter });
    const r = this.crossCheck.check(this.sync.book, snap);
    const now = this.o.clock.nowMicros();
    if (r.diverged) {
      this.crossCheck.reset();
      this.invalidate('TW_ERR_RECONCILE_MISMATCH', 'book top differs from the REST book in consecutive cross-checks', now, {
        depth: CROSS_CHECK.depth,
        checks: CROSS_CHECK.persistAfter,
        differing: r.persistent.length,
        diffs: r.persistent.slice(0, 20),
      });
      return;
    }
    if (r.differences.length === 0) {
      this.o.emit({
        type: 'status',
        scope: 'stream',
        exchange: this.o.exchange,
        symbol: this.o.symbol,
        market: this.o.market,
        channel: 'book',
        state: 'reconciled',
        code: 'TW_OK',
        reason: 'book top matches the REST book',
        details: { depth: CROSS_CHECK.depth },
        localTime: now,
      });
    }
  }

  /**
   * Full-book check (integrity `none`): the REST book (full depth) against the live book on arrival, at most one
   * request per book queued or in flight, at the lowest REST priority; a difference that persists identically over
   * BOOK_CHECK.persistAfter checks while the market moved (the REST version advancing, and the local book receiving
   * updates: a silent book is the no-data / book-pause watchdogs' case) resyncs the book.
   */
  private checkFullBook(): void {
    const { rules, rest, market } = this.o;
    if (this.stopped || this.bookCheckPending || this.sync.state !== 'live') return;
    this.bookCheckPending = true;
    rest.request(rules.snapshotRequest!(market, this.o.snapshotDepth), { priority: 6, key: market }).then(
      (res) => {
        this.bookCheckPending = false;
        if (this.stopped || this.sync.state !== 'live' || this.bookCheck === undefined) return;
        let snap;
        try {
          snap = rules.parseSnapshot!(res.body);
        } catch (err) {
          this.o.logger.warn({ err, market }, 'bad REST book for the full-book check');
          return;
        }
        const r = this.bookCheck.check(this.sync.book, snap, this.messages);
        if (!r.diverged) return;
        this.bookCheck.reset();
        this.invalidate(
          'TW_ERR_RECONCILE_MISMATCH',
          `lost update: the book differs from the exchange's REST book at the same ${r.persistent.length} level(s) in ${BOOK_CHECK.persistAfter} consecutive checks while the market moved (the feed carries no sequence)`,
          this.o.clock.nowMicros(),
          { check: 'full-book', checks: BOOK_CHECK.persistAfter, differing: r.persistent.length, diffs: r.persistent.slice(0, 20) },
        );
      },
      (err: unknown) => {
        this.bookCheckPending = false;
        this.o.logger.warn({ err, market }, 'full-book check request failed');
      },
    );
  }

  /**
   * The sync wants a REST snapshot. Binance's procedure fetches it after the first buffered delta, so the fetch
   * waits for the next delta of this market (or a fallback delay for a quiet book).
   */
  private wantSnapshot(): void {
    if (this.stopped) return;
    this.snapshotWanted = true;
    this.fallback?.unsubscribe();
    this.fallback = this.o.scheduler.schedule(() => {
      this.fallback = undefined;
      if (!this.snapshotWanted || this.snapshotInFlight) return;
      if (this.o.isOpen()) this.fetchSnapshot();
      else this.wantSnapshot();
    }, SNAPSHOT_FALLBACK_MS);
  }

  private fetchSnapshot(): void {
    const { rules, rest, market } = this.o;
    if (!rules.snapshotRequest || !rules.parseSnapshot) return;
    this.snapshotWanted = false;
    if (!this.sync.wantsSnapshot) {
      // an in-band snapshot made the book live meanwhile (rules.snapshot 'inband-or-rest')
      this.fallback?.unsubscribe();
      this.fallback = undefined;
      return;
    }
    this.snapshotInFlight = true;
    this.snapshotSent = false;
    this.fallback?.unsubscribe();
    this.fallback = undefined;
    const now = (): number => this.o.clock.nowMicros();
    const depth = this.shallow ? this.o.firstSnapshotDepth! : this.o.snapshotDepth;
    const onSend = (): void => {
      this.snapshotSent = true;
    };
    rest.request(rules.snapshotRequest(market, depth), { priority: 1, key: market, onSend }).then(
      (res) => {
        this.snapshotInFlight = false;
        if (this.stopped) return;
        let snap;
        try {
          snap = rules.parseSnapshot!(res.body);
        } catch (err) {
          this.sync.onSnapshotError('TW_ERR_MALFORMED_FRAME', `bad REST snapshot: ${(err as Error).message}`, now());
          this.retryLater();
          return;
        }
        this.sync.onSnapshot(snap, now());
      },
      (err: unknown) => {
        this.snapshotInFlight = false;
        if (this.stopped) return;
        const code = err instanceof TwError ? err.code : 'TW_ERR_REST_FAILED';
        this.sync.onSnapshotError(code, `REST snapshot failed: ${(err as Error).message}`, now());
        this.retryLater();
      },
    );
  }

  private retryLater(): void {
    this.retry?.unsubscribe();
    this.retry = this.o.scheduler.schedule(() => {
      if (!this.stopped && this.sync.state !== 'live') this.wantSnapshot();
    }, SNAPSHOT_RETRY_MS);
  }
}
