/**
 * The book a BookSync keeps: its levels, where it is in the exchange's stream (last update id, last applied delta,
 * exchange time), the rules it is judged by, and the steps every path shares — the continuity check, applying a delta
 * and the integrity checks after it. Decides nothing and emits nothing: BookSync acts on what it returns.
 */
import type { Level, UnstampedEvent } from '../schema/events.js';
import { bookDeltaEvent, bookSnapshotEvent, type BookIdentity, type BookSnapshotUnstamped } from './book-events.js';
import { codesFor } from './level-codes.js';
import { OrderBook } from './order-book.js';
import type { BookRules, DeltaMessage, PrevDelta } from './rules.js';
import { integrityProblem, type Problem } from './sync-problems.js';

export class SyncedBook {
  /** Books verified by a checksum of their strings on every update keep the strings; the others keep numbers. */
  readonly book: OrderBook;
  /** Exchange id of the last update the book includes (undefined while not synced). */
  localId: number | undefined;
  /**
   * Id of the last applied delta (or in-band snapshot) since the last snapshot; undefined right after a REST
   * snapshot. Only the id: holding the message itself would keep its levels alive from one delta to the next, which
   * is what makes V8 allocate every parsed level directly in old space (allocation-site pretenuring) — then a burst
   * at 20 symbols runs at half speed with twice the memory.
   */
  prev: PrevDelta | undefined;
  /** Exchange time of the book's state (last applied message, or the snapshot). */
  bookTime: number | undefined;
  /** The rules of this book: the feed's, or the variant its last in-band snapshot showed (`rules.variantFor`). */
  rules: BookRules;
  /** Levels cut by the last truncation, for the delta event being emitted. */
  truncated: { bids: Level[]; asks: Level[] } | undefined;
  /** The feed's rules verify a checksum of the strings: the book keeps the strings. */
  readonly strings: boolean;
  private readonly truncateDepth: number | undefined;

  constructor(rules: BookRules, subscribedDepth: number) {
    this.rules = rules;
    this.truncateDepth = rules.truncateTo?.(subscribedDepth);
    this.strings = rules.verifyChecksum !== undefined;
    this.book = new OrderBook({ strings: this.strings });
  }

  /** Nothing known: no levels, no position. */
  clear(): void {
    this.truncated = undefined;
    this.book.clear();
    this.localId = undefined;
    this.prev = undefined;
    this.bookTime = undefined;
  }

  /** The book becomes a snapshot at `updateId` (`prev`: the in-band snapshot as the last applied message). */
  setSnapshot(bids: Level[], asks: Level[], updateId: number | undefined, prev: PrevDelta | undefined, time: number | undefined): void {
    this.book.applySnapshot(bids, asks);
    this.localId = updateId;
    this.prev = prev;
    this.bookTime = time;
  }

  continuity(d: DeltaMessage): 'apply' | 'drop' | 'gap' {
    const rules = this.rules;
    // no base yet (no snapshot). Feeds without update ids (Kraken, Coinbase level2) have a base (`prev`, the in-band
    // snapshot) but no id: their rules ignore the id, so 0 stands in for it.
    if (this.localId === undefined && this.prev === undefined) return 'gap';
    const id = this.localId ?? 0;
    return this.prev === undefined ? rules.first(id, d) : rules.next(id, d, this.prev);
  }

  /** Apply a delta that passed the continuity check; returns the integrity problem, if any. */
  apply(d: DeltaMessage): Problem | undefined {
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

  /** Truncate to the subscribed depth (where the rules say so), then the integrity checks after `d`. */
  check(d: DeltaMessage): Problem | undefined {
    const rules = this.rules;
    if (this.truncateDepth !== undefined) {
      const cut = this.book.truncate(this.truncateDepth);
      this.truncated = cut.bids.length > 0 || cut.asks.length > 0 ? cut : undefined;
    }
    return integrityProblem(this.book, rules, d);
  }

  /** A `book_snapshot` event of the current book. */
  snapshotEvent(id: BookIdentity, localTime: number): BookSnapshotUnstamped {
    return bookSnapshotEvent(id, this.rules, this.book, this.bookTime, this.localId, localTime);
  }

  /** The `book_delta` event of `d`, just applied (with the levels its truncation cut). */
  deltaEvent(id: BookIdentity, d: DeltaMessage, localTime: number): UnstampedEvent {
    const cut = this.truncated;
    this.truncated = undefined;
    return bookDeltaEvent(id, this.rules, d, cut, localTime);
  }
}
