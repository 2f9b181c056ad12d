/**
 * Bybit v5 book rules (docs/protocols/bybit.md#book): snapshots arrive in-band and any `snapshot` replaces the book and
 * restarts the chain (including the `u == 1` snapshot after a service restart, and the level-1 snapshot re-pushed
 * every 3 s with the same `u`). Every delta must carry `u == previous u + 1` (per topic): every real capture shows
 * exactly that (fixtures/bybit, test/exchanges/bybit-realdata.test.ts), so a missing or altered message is a gap, and
 * a delta repeating the last `u` is dropped (sizes are absolute, so a repeat changes nothing). A false gap would only
 * cost a resync; a missed one would leave a wrong book live, so the chain is required (`integrity: chained`).
 * Recovery is an unsubscribe/resubscribe, which brings a fresh snapshot. No truncation: Bybit deletes levels leaving
 * its window. `seq` (the cross sequence, shared by every depth of a symbol) must not go down either: a delta whose
 * `seq` is below the last applied message's is out of order → gap.
 */
import type { BookRules, Continuity, DeltaMessage, PrevDelta } from '../types.js';

/** A delta after the book's last `u` (`localId`, from the snapshot or the previous delta): the next `u`, or a gap. */
function continuity(localId: number, delta: DeltaMessage, prev?: PrevDelta): Continuity {
  const u = delta.updateId;
  if (u === undefined) return 'gap';
  if (prev?.sequence !== undefined && delta.sequence !== undefined && delta.sequence < prev.sequence) return 'gap';
  if (u === localId + 1) return 'apply';
  return u === localId ? 'drop' : 'gap';
}

export const bybitBookRules: BookRules = {
  integrity: 'chained',
  snapshot: 'inband',
  resync: 'resubscribe',
  first: (snapshotId, delta) => continuity(snapshotId, delta),
  next: (localId, delta, prev) => continuity(localId, delta, prev),
  // after a resubscribe a few deltas of the old subscription may still arrive (Bybit pushes every 10–200 ms)
  maxDeltasBeforeSnapshot: 30,
};
