/**
 * Loss and duplicate detection by `seq` + `epoch` per stream key, for a consumer of a (possibly replayed,
 * possibly multi-publisher) event stream. Pure.
 *
 * - first event of a key: accepted, it sets the baseline (a consumer may join anywhere);
 * - another `epoch`: the stream restarted (a new publisher process): accepted, new baseline, not a loss;
 * - `seq` = last + 1: in order;
 * - `seq` <= last: a duplicate — dropped, except a `book_snapshot` with `seq` = last (a re-snapshot carrying the
 *   seq of the last event it includes) and status events (never dropped; they only move the baseline forward);
 * - `seq` > last + 1: a hole — the event is accepted and the hole reported, unless the event is a publisher's gap
 *   status (`details.fromSeq` = last + 1) that already declares exactly that loss.
 */
import type { MarketEvent } from '../schema/events.js';
import { streamKeyOf } from '../sinks/nats/subjects.js';

export type SeqVerdict =
  | { kind: 'ok'; key: string | undefined }
  | { kind: 'duplicate'; key: string }
  | { kind: 'gap'; key: string; fromSeq: number; toSeq: number; missing: number };

export class SeqTracker {
  private readonly last = new Map<string, { epoch: string; seq: number }>();

  check(e: MarketEvent): SeqVerdict {
    const key = streamKeyOf(e);
    if (key === undefined) return { kind: 'ok', key };
    const prev = this.last.get(key);
    if (prev === undefined || prev.epoch !== e.epoch) {
      this.last.set(key, { epoch: e.epoch, seq: e.seq });
      return { kind: 'ok', key };
    }
    if (e.seq <= prev.seq) {
      if (e.type === 'status') return { kind: 'ok', key };
      if (e.type === 'book_snapshot' && e.seq === prev.seq) return { kind: 'ok', key };
      return { kind: 'duplicate', key };
    }
    const expected = prev.seq + 1;
    prev.seq = e.seq;
    if (e.seq === expected) return { kind: 'ok', key };
    if (e.type === 'status' && e.state === 'gap' && e.details?.['fromSeq'] === expected) return { kind: 'ok', key };
    return { kind: 'gap', key, fromSeq: expected, toSeq: e.seq - 1, missing: e.seq - expected };
  }

  /** Set a key's position (a checkpoint: the book as of this event). */
  seed(e: MarketEvent): void {
    const key = streamKeyOf(e);
    if (key !== undefined) this.last.set(key, { epoch: e.epoch, seq: e.seq });
  }
}
