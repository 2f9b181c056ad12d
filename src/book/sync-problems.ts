/** What makes a book untrustworthy, found after each message it applies: the checks and the details they report. */
import type { TwErrorCode } from '../errors.js';
import type { OrderBook } from './order-book.js';
import type { BookRules, DeltaMessage, PrevDelta } from './rules.js';

/** A failed check: the status code, a human reason and the details a `resyncing` status carries. */
export interface Problem {
  code: TwErrorCode;
  reason: string;
  details: Record<string, unknown>;
}

/** The exchange's checksum (where the rules have one), then a crossed book, after `d` was applied to `book`. */
export function integrityProblem(book: OrderBook, rules: BookRules, d: DeltaMessage): Problem | undefined {
  if (rules.verifyChecksum !== undefined && rules.verifyChecksum(book, d) === false) {
    return {
      code: 'TW_ERR_CHECKSUM',
      reason: 'exchange checksum does not match the local book',
      details: { updateId: d.updateId, checksum: d.checksum },
    };
  }
  if (book.isCrossed()) {
    return {
      code: 'TW_ERR_CROSSED_BOOK',
      reason: 'best bid >= best ask',
      details: { updateId: d.updateId, bestBid: book.bestBid(), bestAsk: book.bestAsk() },
    };
  }
  return undefined;
}

/** Details of a sequence gap: where the book was (`localId`, the last applied delta) and what came. */
export function gapDetails(localId: number | undefined, prev: PrevDelta | undefined, d: DeltaMessage): Record<string, unknown> {
  return {
    localUpdateId: localId,
    prevAppliedUpdateId: prev?.updateId,
    got: { firstUpdateId: d.firstUpdateId, updateId: d.updateId, prevUpdateId: d.prevUpdateId },
  };
}
