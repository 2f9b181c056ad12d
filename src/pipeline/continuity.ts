/**
 * What a feed's books can prove about data they did not get, from their `BookRules` alone. Pure; the runtime asks
 * once per exchange and acts on the answers (resync a book or not) when data pauses, goes silent or is unreadable.
 */
import type { BookRules } from '../exchanges/types.js';

/**
 * Can this feed's books not tell, from their next message, that a message was lost? Only a per-book chain or a
 * checksum catches the loss on the next message; every other book hit by an unreadable frame is resynced at once.
 */
export function unprovenAfterLoss(rules: BookRules): boolean {
  return rules.integrity !== 'chained' && rules.integrity !== 'checksum';
}

/**
 * Does any pause of a book's data (from `bookPauseMs`, shorter than the no-data timeout) break its trust? For
 * feeds whose messages carry no per-book proof — `monotonic`/`none` (Coinbase Exchange) and a chain carried
 * by the connection (Coinbase Advanced Trade): the exchange may have stopped and resumed sending this book (or
 * its updates were lost upstream) and nothing in the next message tells. A per-book chain proves it on the next
 * delta; a checksum verifies the book (its checksummed levels) after every message. A data pause of such a book
 * that resumes with a delta (not a snapshot) therefore resyncs it. The cost: a genuinely quiet book of these feeds
 * is re-snapshotted when it wakes up after `bookPauseMs`.
 */
export function pauseBreaksContinuity(rules: BookRules): boolean {
  return rules.integrity === 'monotonic' || rules.integrity === 'none' || rules.chainScope === 'connection';
}

/**
 * Does a silence break this book's trust? Not when its own update ids chain (`chained`, chain per book): data
 * that resumes then proves (or disproves, and resyncs) that nothing was missed, and a quiet book is just a quiet
 * market. Every other book cannot tell "no updates" from "updates lost" or "the exchange stopped sending this
 * stream": a checksum covers only its top levels, an unchained feed (`monotonic`/`none`) has no proof at all,
 * and a chain carried by the connection (`chainScope: 'connection'`) stays contiguous when the exchange closes
 * one channel (e.g. channels closed after a time without heartbeats), so the book would freeze while reported
 * live. Such books are invalidated (`resyncing`) and resubscribed (in-band) or re-snapshotted (REST) when they
 * go NO_DATA, and again when their data resumes with a delta instead of the fresh snapshot. A genuinely quiet
 * book of such a feed is therefore re-snapshotted once per no-data timeout: correct, and cheap next to serving a
 * frozen book as live.
 */
export function silenceBreaksContinuity(rules: BookRules): boolean {
  return rules.integrity !== 'chained' || rules.chainScope === 'connection';
}

/** The three answers for one feed, computed once. */
export interface ContinuityFacts {
  readonly unprovenAfterLoss: boolean;
  readonly pauseBreaks: boolean;
  readonly silenceBreaks: boolean;
}

export function continuityFacts(rules: BookRules): ContinuityFacts {
  return {
    unprovenAfterLoss: unprovenAfterLoss(rules),
    pauseBreaks: pauseBreaksContinuity(rules),
    silenceBreaks: silenceBreaksContinuity(rules),
  };
}
