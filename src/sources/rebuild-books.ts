/**
 * Rebuilds order books from a MarketEvent stream (e.g. `fromNats`): a book is valid from a `book_snapshot` until a
 * status of its stream invalidates it (gap, resyncing, error, closed); deltas apply only to a valid book.
 * Pure: no I/O, no exchange knowledge.
 *
 * Several publishers (epochs) of one book — a rolling restart — need care, because JetStream keeps the first copy
 * of each fact and drops the other publisher's copy as a duplicate:
 * - books with update ids: a snapshot of another epoch with a lower update id than the book's is ignored (a
 *   restarted publisher's older snapshot arriving after the previous publisher's newer deltas);
 * - books WITHOUT update ids (Kraken, Coinbase `level2_batch`): nothing orders a snapshot of another epoch against
 *   the deltas already applied. If it has the book's current levels, nothing changes. Otherwise it is applied on
 *   probation: the book is untrusted (`valid: false`, `untrusted` says why, a `TW_ERR_BOOK_UNTRUSTED` status) until
 *   the very next book delta proves it — a delta of the snapshot's own epoch with the next `seq`. That delta was
 *   not dropped as a duplicate, so no publisher had stored it, so no stored delta is newer than the snapshot: the
 *   book is exact again (a `live` status). `book_top` ladders in between count (they share the book's seq), so a
 *   consumer of the book subject alone of a stream with ladders cannot prove it. Any other next delta (the other
 *   epoch's, or a hole left by a dropped duplicate) leaves the book untrusted until a snapshot passes the same test;
 * - a delta of another epoch on an id-less book applies only when its exchange time is strictly later than the
 *   book's last one (a stale delta from a lagging publisher would otherwise be applied); else the book is untrusted.
 */
import { defer, filter, map, type OperatorFunction } from 'rxjs';
import { OrderBook } from '../book/order-book.js';
import type { BookDeltaEvent, BookSnapshotEvent, MarketEvent, StatusEvent } from '../schema/events.js';
import { bookKeyOf } from '../nats/subjects.js';

export interface RebuiltBook {
  key: string;
  exchange: string;
  symbol: string;
  book: OrderBook;
  valid: boolean;
  /** Why the book cannot be trusted (set only while `valid` is false for that reason). */
  untrusted: string | undefined;
  updateId: number | undefined;
  /** Exchange time of the last applied delta or snapshot (µs), when the exchange gave one. */
  exchangeTime: number | undefined;
  seq: number;
  epoch: string;
}

export interface BookRebuilderOptions {
  /** Status events about trust (`TW_ERR_BOOK_UNTRUSTED` when a book becomes untrusted, `live` when proven again). */
  onStatus?: (s: StatusEvent) => void;
}

/** The epoch of the status events the rebuilder makes (it is not a publisher). */
export const REBUILDER_EPOCH = 'rebuild-books';

const INVALIDATING = new Set(['gap', 'resyncing', 'error', 'closed']);

interface Probation {
  epoch: string;
  seq: number;
}

export class BookRebuilder {
  readonly books = new Map<string, RebuiltBook>();
  private readonly probation = new Map<string, Probation>();
  /** Books that had a snapshot (their first one is never on probation). */
  private readonly started = new Set<string>();
  private statusSeq = 0;

  constructor(private readonly options: BookRebuilderOptions = {}) {}

  /** Applies one event; returns the book it touched, if any. */
  apply(e: MarketEvent): RebuiltBook | undefined {
    if (e.type === 'book_top') {
      // ladders count in their book's seq: the one right after a snapshot on probation moves the expected seq on
      const p = this.probation.get(`${e.exchange}:${e.symbol}@book`);
      if (p !== undefined && p.epoch === e.epoch && e.seq === p.seq + 1) p.seq = e.seq;
      return undefined;
    }
    if (e.type !== 'book_snapshot' && e.type !== 'book_delta' && !(e.type === 'status' && e.channel === 'book')) {
      return undefined;
    }
    const key = bookKeyOf(e);
    if (key === undefined || e.symbol === undefined) return undefined;
    let b = this.books.get(key);
    if (b === undefined) {
      b = {
        key,
        exchange: e.exchange,
        symbol: e.symbol,
        book: new OrderBook(),
        valid: false,
        untrusted: undefined,
        updateId: undefined,
        exchangeTime: undefined,
        seq: e.seq,
        epoch: e.epoch,
      };
      this.books.set(key, b);
    }
    if (e.type === 'book_snapshot') this.snapshot(b, e);
    else if (e.type === 'book_delta') this.delta(b, e);
    else if (INVALIDATING.has(e.state)) b.valid = false;
    return b;
  }

  private snapshot(b: RebuiltBook, e: BookSnapshotEvent): void {
    const foreign = e.epoch !== b.epoch;
    if (e.updateId !== undefined) {
      // an older snapshot of another publisher: applying it would roll the book back while the deltas after it
      // were dropped as duplicates
      if (b.valid && foreign && b.updateId !== undefined && e.updateId < b.updateId) return;
    } else if (this.started.has(b.key) && (foreign || b.untrusted !== undefined)) {
      const same = b.valid && JSON.stringify(b.book.snapshot()) === JSON.stringify({ bids: e.bids, asks: e.asks });
      if (!same) {
        const from = b.epoch;
        this.take(b, e);
        this.probation.set(b.key, { epoch: e.epoch, seq: e.seq });
        this.distrust(b, e, `a snapshot of publisher ${e.epoch} cannot be ordered against the deltas of ${from} already applied (no update ids); waiting for proof`);
        return;
      }
      // the same levels: nothing changes but the epoch; the book's last exchange time still bounds what follows
      const t = b.exchangeTime;
      this.take(b, e);
      b.exchangeTime = e.exchangeTime ?? t;
      return;
    }
    this.probation.delete(b.key);
    this.take(b, e);
    this.trust(b, e);
  }

  private delta(b: RebuiltBook, e: BookDeltaEvent): void {
    const p = this.probation.get(b.key);
    const prevEpoch = b.epoch;
    const prevTime = b.exchangeTime;
    b.seq = e.seq;
    b.epoch = e.epoch;
    b.updateId = e.updateId ?? b.updateId;
    if (e.exchangeTime !== undefined) b.exchangeTime = e.exchangeTime;
    if (p !== undefined) {
      this.probation.delete(b.key);
      b.book.applyLevels(e.bids, e.asks);
      if (e.epoch === p.epoch && e.seq === p.seq + 1) this.trust(b, e);
      else this.distrust(b, e, `after publisher ${p.epoch}'s snapshot came ${e.epoch === p.epoch ? `a hole in its seq (${p.seq} → ${e.seq})` : `a delta of ${e.epoch}`}: the snapshot may be older than deltas already applied (no update ids)`);
      return;
    }
    if (!b.valid) return;
    if (e.updateId === undefined && e.epoch !== prevEpoch && !(e.exchangeTime !== undefined && prevTime !== undefined && e.exchangeTime > prevTime)) {
      this.distrust(b, e, `a delta of publisher ${e.epoch} after ${prevEpoch}'s is not provably newer (no update ids, exchange time not later)`);
      return;
    }
    b.book.applyLevels(e.bids, e.asks);
  }

  private take(b: RebuiltBook, e: BookSnapshotEvent): void {
    this.started.add(b.key);
    b.seq = e.seq;
    b.epoch = e.epoch;
    b.book.applySnapshot(e.bids, e.asks);
    b.updateId = e.updateId;
    b.exchangeTime = e.exchangeTime;
  }

  private trust(b: RebuiltBook, e: MarketEvent): void {
    const was = b.untrusted;
    b.valid = true;
    b.untrusted = undefined;
    if (was !== undefined) this.status(b, e, 'live', 'TW_OK', 'book proven current again', {});
  }

  private distrust(b: RebuiltBook, e: MarketEvent, reason: string): void {
    const was = b.untrusted;
    b.valid = false;
    b.untrusted = reason;
    if (was === undefined) this.status(b, e, 'error', 'TW_ERR_BOOK_UNTRUSTED', reason, { epoch: e.epoch, seq: e.seq });
  }

  private status(b: RebuiltBook, e: MarketEvent, state: StatusEvent['state'], code: string, reason: string, details: Record<string, unknown>): void {
    const onStatus = this.options.onStatus;
    if (onStatus === undefined) return;
    const s: StatusEvent = {
      type: 'status',
      scope: 'stream',
      exchange: e.exchange,
      symbol: b.symbol,
      channel: 'book',
      state,
      code,
      reason,
      details: { streamKey: b.key, ...details },
      localTime: e.localTime,
      seq: ++this.statusSeq,
      epoch: REBUILDER_EPOCH,
    };
    if ('market' in e && e.market !== undefined) s.market = e.market;
    onStatus(s);
  }
}

/**
 * Operator: each book event → the rebuilt book it touched (the same mutable object; copy what you keep).
 * A book with `valid: false` must not be used; `untrusted` says when that is because of a restart overlap.
 */
export function rebuildBooks(options: BookRebuilderOptions = {}): OperatorFunction<MarketEvent, RebuiltBook> {
  return (source) =>
    defer(() => {
      const r = new BookRebuilder(options);
      return source.pipe(
        map((e) => r.apply(e)),
        filter((b): b is RebuiltBook => b !== undefined),
      );
    });
}
