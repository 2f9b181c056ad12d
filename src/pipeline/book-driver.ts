/**
 * Drives one book's BookSync with I/O: REST snapshots through the host's scheduler (fetched after the next delta,
 * as Binance's procedure wants, or after a fallback delay for a quiet book), retries, in-band resubscribes and the
 * periodic REST cross-check. Timers run on the injected scheduler.
 */
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
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
/** Deltas kept while a snapshot request waits in the REST queue (see BookSync.trimBuffer): 5 s at 100 ms. */
const BUFFER_WHILE_QUEUED = 50;
/** REST priority of the deep snapshot that follows a shallow first one (after every book's first sync, priority 1). */
const DEEPEN_PRIORITY = 4;
/**
 * Deep snapshots tried per live period. One is adopted only when the book reaches its exact update id (a snapshot
 * the book is already past, or one a delta straddles, cannot be): on a fast book with slow REST most tries miss, and
 * each costs the full weight — so the tries are capped, and the book stays verified to the first depth.
 */
const DEEPEN_TRIES = 10;

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
        if (e.type === 'book_snapshot') this.crossCheck?.reset();
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
    const every = o.reconcileIntervalMs;
    if (every > 0 && o.rules.snapshotRequest && o.rules.parseSnapshot) {
      this.reconcileTimer = interval(every, o.scheduler).subscribe(() => this.reconcile());
    }
  }

  get state(): string {
    return this.sync.state;
  }

  onMessage(msg: DeltaMessage, localTime: number): void {
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
    const again = (): void => {
      // skipped (the book was past it), pending then straddled by a delta, failed: fetch another
      this.deepen = this.o.scheduler.schedule(() => {
        if (!this.stopped && !this.deepened && this.sync.state === 'live') this.fetchDeep();
      }, SNAPSHOT_RETRY_MS);
    };
    rest.request(rules.snapshotRequest(market, this.o.snapshotDepth), { priority: DEEPEN_PRIORITY, key: market }).then(
      (res) => {
        if (this.stopped || this.sync.state !== 'live') return; // a resync fetches its own, then deepens again
        try {
          this.sync.reconcile(rules.parseSnapshot!(res.body), this.o.clock.nowMicros(), true);
        } catch (err) {
          this.o.logger.warn({ err, market }, 'bad deep REST snapshot');
        }
        if (!this.deepened) again();
      },
      (err: unknown) => {
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
