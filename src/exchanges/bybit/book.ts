/**
 * Bybit v5 book rules (docs/protocols/bybit.md#book): snapshots arrive in-band and any `snapshot` replaces the book (including
 * the `u == 1` snapshot after a service restart, and the level-1 snapshot re-pushed every 3 s with the same `u`).
 * Bybit does not promise `u` + 1 continuity on `orderbook.{depth}`, only that `u` increases: a delta whose `u`
 * went down is a gap, a repeated `u` is dropped (sizes are absolute, so a repeat changes nothing). Recovery is an
 * unsubscribe/resubscribe, which brings a fresh snapshot. No truncation: Bybit deletes levels leaving its window.
 */
import type { BookRules, Continuity, DeltaMessage } from '../types.js';

function continuity(localId: number, delta: DeltaMessage): Continuity {
  const u = delta.updateId;
  if (u === undefined) return 'gap';
  if (u > localId) return 'apply';
  return u === localId ? 'drop' : 'gap';
}

export const bybitBookRules: BookRules = {
  integrity: 'monotonic',
  snapshot: 'inband',
  resync: 'resubscribe',
  first: (snapshotId, delta) => continuity(snapshotId, delta),
  next: (localId, delta) => continuity(localId, delta),
  // after a resubscribe a few deltas of the old subscription may still arrive (Bybit pushes every 10–200 ms)
  maxDeltasBeforeSnapshot: 30,
};
