/**
 * Bybit v5 book rules (docs/protocols/bybit.md#book): snapshots arrive in-band and any `snapshot` replaces the book (including
 * the `u == 1` snapshot after a service restart, and the level-1 snapshot re-pushed every 3 s with the same `u`).
 * Bybit does not promise `u` + 1 continuity on `orderbook.{depth}`, only that `u` increases: a delta whose `u`
 * went down is a gap, a repeated `u` is dropped (sizes are absolute, so a repeat changes nothing). Recovery is an
 * unsubscribe/resubscribe, which brings a fresh snapshot. No truncation: Bybit deletes levels leaving its window.
 * `seq` (the cross sequence, shared by every depth of a symbol) must not go down either: a delta whose `seq` is
 * below the last applied message's is out of order → gap.
 *
 * The real capture (nautilus_trader `orderbook.500.XRPUSDT`, 2024-12-01) shows `u` going up by exactly 1 per message
 * of a topic and `seq` by 88…984; a `u + 1` chain would make Bybit `chained`, but Bybit does not document it and the
 * simulator's `u` (its change id) does not follow it yet, so the rule stays `monotonic` and the pipeline resyncs on
 * pauses (see ExchangeRuntime.pauseBreaksContinuity).
 */
import type { BookRules, Continuity, DeltaMessage, PrevDelta } from '../types.js';

function continuity(localId: number, delta: DeltaMessage, prev?: PrevDelta): Continuity {
  const u = delta.updateId;
  if (u === undefined) return 'gap';
  if (prev?.sequence !== undefined && delta.sequence !== undefined && delta.sequence < prev.sequence) return 'gap';
  if (u > localId) return 'apply';
  return u === localId ? 'drop' : 'gap';
}

export const bybitBookRules: BookRules = {
  integrity: 'monotonic',
  snapshot: 'inband',
  resync: 'resubscribe',
  first: (snapshotId, delta) => continuity(snapshotId, delta),
  next: (localId, delta, prev) => continuity(localId, delta, prev),
  // after a resubscribe a few deltas of the old subscription may still arrive (Bybit pushes every 10–200 ms)
  maxDeltasBeforeSnapshot: 30,
};
