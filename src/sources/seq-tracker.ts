/**
 * Loss and duplicate detection by `seq` + `epoch` per stream key, for a consumer of a (possibly replayed,
 * possibly multi-publisher) event stream. Pure.
 *
 * - first event of a key: accepted, it sets the baseline (a consumer may join anywhere);
 * - another `epoch`: the stream restarted (a new publisher process): accepted, new baseline, not a loss;
 * - `seq` = last + 1: in order;
 * - `seq` <= last: a duplicate — dropped, except a `book_snapshot` with `seq` = last (a re-snapshot carrying the
 *   seq of the last event it includes) and status events (never dropped; they only move the baseline forward);
 * - a gap status (GapDetails: a publisher's marker for events it had to drop) moves the baseline of the stream it
 *   names past the declared range, so that loss is reported once, by the marker;
 * - status events are otherwise not checked (they count in their own `@status` keys, and a filtered consumer sees
 *   only some of them);
 * - `seq` > last + 1: a hole — the event is accepted and the hole reported, unless
 *   - it is a book delta whose exchange ids chain onto the last update id seen (`prevUpdateId` = last, or
 *     `firstUpdateId` = last + 1): the book is provably intact; the hole is events JetStream dropped as
 *     duplicates of what an earlier publisher (previous epoch) had already stored.
 *   Holes after an epoch change are flagged `afterRestart`: during a restart overlap, events of the new epoch that
 *   JetStream dropped as duplicates of the old epoch's also leave holes there.
 */
import type { MarketEvent } from '../schema/events.js';
import { dataKeyOf, gapDetailsOf } from '../nats/subjects.js';

export type SeqVerdict =
  | { kind: 'ok'; key: string | undefined }
  | { kind: 'duplicate'; key: string }
  | { kind: 'gap'; key: string; fromSeq: number; toSeq: number; missing: number; afterRestart: boolean };

interface KeyState {
  epoch: string;
  seq: number;
  updateId: number | undefined;
  restarts: number;
}

export class SeqTracker {
  private readonly last = new Map<string, KeyState>();

  check(e: MarketEvent): SeqVerdict {
    const gap = gapDetailsOf(e);
    if (gap !== undefined) {
      const st = this.last.get(gap.streamKey);
      if (st !== undefined && st.epoch === gap.epoch && gap.fromSeq <= st.seq + 1 && gap.toSeq > st.seq) st.seq = gap.toSeq;
      return { kind: 'ok', key: gap.streamKey };
    }
    const key = dataKeyOf(e);
    if (key === undefined) return { kind: 'ok', key };
    const prev = this.last.get(key);
    if (prev === undefined || prev.epoch !== e.epoch) {
      // across publishers the book keeps the highest update id it has seen (rebuildBooks ignores an older snapshot)
      const u = updateIdOf(e, prev);
      const updateId = u !== undefined && prev?.updateId !== undefined ? Math.max(u, prev.updateId) : u;
      this.last.set(key, { epoch: e.epoch, seq: e.seq, updateId, restarts: prev === undefined ? 0 : prev.restarts + 1 });
      return { kind: 'ok', key };
    }
    if (e.seq <= prev.seq) {
      if (e.type === 'book_snapshot' && e.seq === prev.seq) {
        prev.updateId = updateIdOf(e, prev);
        return { kind: 'ok', key };
      }
      return { kind: 'duplicate', key };
    }
    const expected = prev.seq + 1;
    const lastUpdateId = prev.updateId;
    prev.seq = e.seq;
    prev.updateId = updateIdOf(e, prev);
    if (e.seq === expected) return { kind: 'ok', key };
    if (e.type === 'book_delta' && lastUpdateId !== undefined) {
      if (e.prevUpdateId !== undefined ? e.prevUpdateId === lastUpdateId : e.firstUpdateId === lastUpdateId + 1) {
        return { kind: 'ok', key };
      }
    }
    return { kind: 'gap', key, fromSeq: expected, toSeq: e.seq - 1, missing: e.seq - expected, afterRestart: prev.restarts > 0 };
  }

  /** Set a key's position (a checkpoint: the book as of this event). */
  seed(e: MarketEvent): void {
    const key = dataKeyOf(e);
    if (key !== undefined) this.last.set(key, { epoch: e.epoch, seq: e.seq, updateId: updateIdOf(e, undefined), restarts: 0 });
  }
}

function updateIdOf(e: MarketEvent, prev: KeyState | undefined): number | undefined {
  if (e.type === 'book_snapshot' || e.type === 'book_delta') return e.updateId ?? prev?.updateId;
  return prev?.updateId;
}
