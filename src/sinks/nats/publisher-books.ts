/**
 * The books a NATS publisher maintains from the events it hands to NATS (in publish order), so it can publish
 * checkpoints and, when it had to shed or retry book events, a fresh snapshot that replaces them.
 *
 * A book is valid from a `book_snapshot` until a status of its stream says it is not (resyncing, error, closed,
 * gap). Deltas are applied as absolute sizes; the pipeline emits explicit removals (size "0").
 */
import { OrderBook } from '../../book/order-book.js';
import type { BookSnapshotEvent, Integrity, MarketEvent } from '../../schema/events.js';
import type { Clock } from '../../util/clock.js';
import { bookKeyOf } from '../../nats/subjects.js';

interface Maintained {
  book: OrderBook;
  valid: boolean;
  exchange: BookSnapshotEvent['exchange'];
  symbol: string;
  market: string;
  integrity: Integrity;
  integrityDepth: number | undefined;
  contractValue: string | undefined;
  sizeUnit: string | undefined;
  updateId: number | undefined;
  exchangeTime: number | undefined;
  seq: number;
  epoch: string;
  /** Book events since the last checkpoint, and when it was taken (clock µs). */
  sinceCheckpoint: number;
  checkpointAt: number;
  /** Set by a snapshot: the next checkpoint is due at once. */
  fresh: boolean;
}

const INVALIDATING = new Set(['resyncing', 'error', 'closed', 'gap']);

export class PublisherBooks {
  private readonly books = new Map<string, Maintained>();

  constructor(
    private readonly clock: Clock,
    private readonly everyEvents: number,
    private readonly everyMicros: number,
  ) {}

  /** Apply one event (books only; others are ignored). Returns the book's key when it is a book event. */
  apply(e: MarketEvent): string | undefined {
    const key = bookKeyOf(e);
    if (key === undefined) return undefined;
    if (e.type === 'book_snapshot') {
      let m = this.books.get(key);
      if (m === undefined) {
        m = {
          book: new OrderBook(),
          valid: true,
          exchange: e.exchange,
          symbol: e.symbol,
          market: e.market,
          integrity: e.integrity,
          integrityDepth: e.integrityDepth,
          contractValue: e.contractValue,
          sizeUnit: e.sizeUnit,
          updateId: e.updateId,
          exchangeTime: e.exchangeTime,
          seq: e.seq,
          epoch: e.epoch,
          sinceCheckpoint: 0,
          checkpointAt: this.clock.nowMicros(),
          fresh: true,
        };
        this.books.set(key, m);
      }
      m.book.applySnapshot(e.bids, e.asks);
      Object.assign(m, {
        valid: true,
        market: e.market,
        integrity: e.integrity,
        integrityDepth: e.integrityDepth,
        contractValue: e.contractValue ?? m.contractValue,
        sizeUnit: e.sizeUnit ?? m.sizeUnit,
        updateId: e.updateId,
        exchangeTime: e.exchangeTime,
        fresh: true,
      });
      this.stamp(m, e);
      return key;
    }
    const m = this.books.get(key);
    if (m === undefined) return e.type === 'book_delta' ? key : undefined;
    if (e.type === 'book_delta') {
      if (m.valid) m.book.applyLevels(e.bids, e.asks);
      m.integrity = e.integrity;
      m.updateId = e.updateId ?? m.updateId;
      m.exchangeTime = e.exchangeTime ?? m.exchangeTime;
      this.stamp(m, e);
      return key;
    }
    if (e.type === 'status' && e.channel === 'book') {
      if (INVALIDATING.has(e.state)) m.valid = false;
      this.stamp(m, e);
      return key;
    }
    return undefined;
  }

  private stamp(m: Maintained, e: MarketEvent): void {
    m.seq = e.seq;
    m.epoch = e.epoch;
    m.sinceCheckpoint++;
  }

  isValid(key: string): boolean {
    return this.books.get(key)?.valid === true;
  }

  /** True when the book's checkpoint is due (after a snapshot, every N events, or every T). Resets the counters. */
  takeCheckpointDue(key: string): boolean {
    const m = this.books.get(key);
    if (m === undefined || !m.valid) return false;
    const now = this.clock.nowMicros();
    if (!m.fresh && m.sinceCheckpoint < this.everyEvents && now - m.checkpointAt < this.everyMicros) return false;
    m.fresh = false;
    m.sinceCheckpoint = 0;
    m.checkpointAt = now;
    return true;
  }

  /** The book as a `book_snapshot` carrying the seq/epoch of the last event it includes. */
  snapshot(key: string): BookSnapshotEvent | undefined {
    const m = this.books.get(key);
    if (m === undefined || !m.valid) return undefined;
    const { bids, asks } = m.book.snapshot();
    const e: BookSnapshotEvent = {
      type: 'book_snapshot',
      exchange: m.exchange,
      symbol: m.symbol,
      market: m.market,
      localTime: this.clock.nowMicros(),
      seq: m.seq,
      epoch: m.epoch,
      integrity: m.integrity,
      bids,
      asks,
    };
    if (m.exchangeTime !== undefined) e.exchangeTime = m.exchangeTime;
    if (m.updateId !== undefined) e.updateId = m.updateId;
    if (m.integrityDepth !== undefined) e.integrityDepth = m.integrityDepth;
    if (m.contractValue !== undefined) e.contractValue = m.contractValue;
    if (m.sizeUnit !== undefined) e.sizeUnit = m.sizeUnit;
    return e;
  }
}
