/**
 * A REST snapshot brought forward with deltas applied after it, by the rules of a first sync: deltas at or before
 * the snapshot's id are dropped (`rules.first`), the first one after it must chain onto it, each next one onto the
 * previous (`rules.next`). Pure: a separate `OrderBook`, nothing shared with the live book.
 *
 * BookSync uses it to deepen a book synced from a shallow snapshot: the deep snapshot usually answers after the live
 * book has moved on (a fast book behind a slow REST queue), so instead of fetching it again until one lands exactly
 * on the book's id, the deltas applied since its request went out bring it to the live book's id, where the two are
 * compared.
 */
import type { Level } from '../schema/events.js';
import { OrderBook } from './order-book.js';
import type { BookRules, DeltaMessage, PrevDelta, RestSnapshot } from './rules.js';

export interface SplicedBook {
  bids: Level[];
  asks: Level[];
  /** Update id the spliced book is at (the last applied delta's). */
  updateId: number | undefined;
  /** Deltas applied on top of the snapshot. */
  applied: number;
}

/**
 * `snap` + `deltas` (in arrival order, each applied to the live book in turn). Undefined when they do not chain onto
 * the snapshot (it is older than the first delta, or a gap), or when no delta follows it.
 */
export function spliceSnapshot(
  snap: RestSnapshot,
  deltas: readonly DeltaMessage[],
  rules: Pick<BookRules, 'first' | 'next' | 'snapshotTooOld'>,
  strings: boolean,
): SplicedBook | undefined {
  if (deltas.length === 0) return undefined;
  if (rules.snapshotTooOld?.(snap.updateId, deltas[0]!) === true) return undefined;
  const book = new OrderBook({ strings });
  book.applySnapshot(snap.bids, snap.asks);
  let id: number | undefined = snap.updateId;
  let prev: PrevDelta | undefined;
  let applied = 0;
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i]!;
    const c = prev === undefined ? rules.first(id ?? 0, d) : rules.next(id ?? 0, d, prev);
    if (c === 'drop') continue;
    if (c === 'gap') return undefined;
    book.applyLevels(d.bids, d.asks);
    if (d.updateId !== undefined) id = d.updateId;
    prev = { updateId: d.updateId, sequence: d.sequence };
    applied++;
  }
  if (applied === 0) return undefined;
  return { ...book.snapshot(), updateId: id, applied };
}
