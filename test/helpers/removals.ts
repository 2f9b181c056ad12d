/** How the `book_delta` events of a replay spell their removals (sizes that are zero), by spelling. */
import { isZeroSize } from '../../src/book/decimal-string.js';
import type { UnstampedEvent } from '../../src/schema/events.js';

export function removalSpellings(events: readonly UnstampedEvent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'book_delta') continue;
    for (const l of e.bids) if (isZeroSize(l[1])) out.set(l[1], (out.get(l[1]) ?? 0) + 1);
    for (const l of e.asks) if (isZeroSize(l[1])) out.set(l[1], (out.get(l[1]) ?? 0) + 1);
  }
  return out;
}
