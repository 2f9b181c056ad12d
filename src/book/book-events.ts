/**
 * The events of one book — `book_snapshot`, `book_delta`, stream-scoped `status` — built from the book's identity, its
 * rules and its state. Pure: BookSync decides when, these say what.
 */
import type { ExchangeId, Level, UnstampedEvent } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import { spellRemovalsZero } from './decimal-string.js';
import type { OrderBook } from './order-book.js';
import type { BookRules, DeltaMessage } from './rules.js';

/** Which book: what every event of it names (BookSyncOptions has these fields). */
export interface BookIdentity {
  exchange: ExchangeId;
  symbol: string;
  market: string;
  /** Contract value of a derivative whose sizes are contracts; carried on every book_snapshot. */
  contractValue?: string | undefined;
  /** Unit of the sizes where the instrument names one (Deribit); carried on every book_snapshot. */
  sizeUnit?: string | undefined;
}

export type BookSnapshotUnstamped = Extract<UnstampedEvent, { type: 'book_snapshot' }>;
export type BookStatusState = 'syncing' | 'live' | 'resyncing' | 'reconciled';

/** A `book_snapshot` event of `book` as it is: at `updateId`, exchange time `bookTime`. */
export function bookSnapshotEvent(
  id: BookIdentity,
  rules: BookRules,
  book: OrderBook,
  bookTime: number | undefined,
  updateId: number | undefined,
  localTime: number,
): BookSnapshotUnstamped {
  const { bids, asks } = book.snapshot();
  const e: BookSnapshotUnstamped = {
    type: 'book_snapshot',
    exchange: id.exchange,
    symbol: id.symbol,
    market: id.market,
    localTime,
    integrity: rules.integrity,
    bids,
    asks,
  };
  if (bookTime !== undefined) e.exchangeTime = bookTime;
  if (rules.integrity === 'checksum' && rules.checksumDepth !== undefined) e.integrityDepth = rules.checksumDepth;
  if (updateId !== undefined) e.updateId = updateId;
  if (id.contractValue !== undefined) e.contractValue = id.contractValue;
  if (id.sizeUnit !== undefined) e.sizeUnit = id.sizeUnit;
  return e;
}

/**
 * The `book_delta` event of a delta the book has applied. Its removals are spelled `"0"` from here on, in place,
 * whatever the exchange wrote. `cut`: levels the truncation to the subscribed depth removed (the exchange sends no
 * deletion for them, Kraken), appended as size "0" so that a consumer applying the deltas keeps exactly the book
 * tickwire verified.
 */
export function bookDeltaEvent(
  id: BookIdentity,
  rules: BookRules,
  d: DeltaMessage,
  cut: { bids: Level[]; asks: Level[] } | undefined,
  localTime: number,
): UnstampedEvent {
  spellRemovalsZero(d.bids);
  spellRemovalsZero(d.asks);
  const bids = cut === undefined || cut.bids.length === 0 ? d.bids : [...d.bids, ...cut.bids.map(([p]): Level => [p, '0'])];
  const asks = cut === undefined || cut.asks.length === 0 ? d.asks : [...d.asks, ...cut.asks.map(([p]): Level => [p, '0'])];
  const depth = rules.integrity === 'checksum' ? rules.checksumDepth : undefined;
  const { exchangeTime, updateId, firstUpdateId } = d;
  if (exchangeTime !== undefined && depth === undefined && updateId !== undefined && firstUpdateId !== undefined) {
    // the usual delta (Binance's: exchange time, first and last update id) as one literal — the same fields in the
    // same order as below, allocated with the object instead of added to it one by one
    const e: UnstampedEvent = {
      type: 'book_delta',
      exchange: id.exchange,
      symbol: id.symbol,
      market: id.market,
      localTime,
      integrity: rules.integrity,
      bids,
      asks,
      exchangeTime,
      updateId,
      firstUpdateId,
    };
    if (d.prevUpdateId !== undefined) e.prevUpdateId = d.prevUpdateId;
    return e;
  }
  const e: UnstampedEvent = {
    type: 'book_delta',
    exchange: id.exchange,
    symbol: id.symbol,
    market: id.market,
    localTime,
    integrity: rules.integrity,
    bids,
    asks,
  };
  if (exchangeTime !== undefined) e.exchangeTime = exchangeTime;
  if (depth !== undefined) e.integrityDepth = depth;
  if (d.updateId !== undefined) e.updateId = d.updateId;
  if (d.firstUpdateId !== undefined) e.firstUpdateId = d.firstUpdateId;
  if (d.prevUpdateId !== undefined) e.prevUpdateId = d.prevUpdateId;
  return e;
}

/** A stream-scoped `status` event of the book's channel. */
export function bookStatusEvent(
  id: BookIdentity,
  state: BookStatusState,
  code: TwCode,
  reason: string,
  localTime: number,
  details?: Record<string, unknown>,
): UnstampedEvent {
  const e: UnstampedEvent = {
    type: 'status',
    scope: 'stream',
    exchange: id.exchange,
    symbol: id.symbol,
    market: id.market,
    channel: 'book',
    state,
    code,
    reason,
    localTime,
  };
  if (details !== undefined) e.details = details;
  return e;
}
