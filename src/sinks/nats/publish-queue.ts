/**
 * The bounded buffer between the market-data path and NATS. Pushing never blocks; when the buffer passes its
 * bounds (events or bytes) it sheds down to 90 % of them, oldest first, by this policy:
 *
 * 1. tickers, trades and book_top ladders are dropped; each stream that lost events gets ONE status event
 *    (`state: "gap"`, `TW_ERR_NATS`, `details: { streamKey, epoch, fromSeq, toSeq, dropped }`) in place of its
 *    last dropped event, so a consumer sees the loss explicitly and in order; an older marker of the same stream
 *    still in the buffer is merged into the new one, so markers never pile up (at most one per stream);
 * 2. if that is not enough, whole books are conflated: all their buffered events (their stream's status events
 *    included) are removed and replaced by one
 *    fresh `book_snapshot` (built by the caller from the publisher's book, carrying the seq of the last removed
 *    event) at the tail — the book state stays exact, only intermediate deltas are lost, and the consumer sees a
 *    seq hole healed by the snapshot;
 * 3. status events are kept; if only they remain over the bounds (a buffer smaller than the number of streams),
 *    the oldest are dropped (counted in the report).
 */
import type { MarketEvent } from '../../schema/events.js';

export interface QueueEntry {
  event: MarketEvent;
  /** The subject: one per data stream, shared by a book's events and its stream-scoped status events. */
  subject: string;
  msgId: string;
  data: Uint8Array;
  /** A gap marker made by the publisher: merged into the next marker of its subject instead of being dropped. */
  isMarker: boolean;
  /** Already applied to the publisher's books (a retried or tickwire-made entry). */
  applied: boolean;
  /** Made by the publisher itself (a healing or conflation snapshot, a gap marker), not an input event. */
  generated: boolean;
  /** Order of first enqueue (retries keep theirs). */
  ordinal: number;
}

export interface ShedHooks {
  /** The gap status declaring a subject's dropped events (undefined when none of them was a data event). */
  marker(removed: QueueEntry[]): QueueEntry | undefined;
  /** A snapshot replacing a book's removed events (applied to the book by the hook), or undefined if invalid. */
  conflate(removed: QueueEntry[]): QueueEntry | undefined;
}

export interface ShedReport {
  /** Dropped events per subject (conflated book events included). */
  dropped: Record<string, number>;
  conflatedBooks: number;
  droppedStatus: number;
}

/** A gap marker's serialized size, about. */
const MARKER_BYTES = 400;

function isBookEvent(e: MarketEvent): boolean {
  return e.type === 'book_snapshot' || e.type === 'book_delta';
}

export class PublishQueue {
  private items: QueueEntry[] = [];
  private head = 0;
  private bytesHeld = 0;

  constructor(
    private readonly maxEvents: number,
    private readonly maxBytes: number,
    private readonly hooks: ShedHooks,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get bytes(): number {
    return this.bytesHeld;
  }

  /** Append; returns a shed report when the bounds forced shedding. */
  push(entry: QueueEntry): ShedReport | undefined {
    this.items.push(entry);
    this.bytesHeld += entry.data.byteLength;
    if (this.length > this.maxEvents || this.bytesHeld > this.maxBytes) return this.shed();
    return undefined;
  }

  /** Put entries back at the front, in the given order (failed publishes to retry). */
  unshift(entries: QueueEntry[]): void {
    this.compact();
    this.items.unshift(...entries);
    for (const e of entries) this.bytesHeld += e.data.byteLength;
  }

  shift(): QueueEntry | undefined {
    if (this.head >= this.items.length) return undefined;
    const e = this.items[this.head]!;
    this.items[this.head] = undefined as unknown as QueueEntry;
    this.head++;
    this.bytesHeld -= e.data.byteLength;
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
    return e;
  }

  private compact(): void {
    if (this.head > 0) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  private over(events: number, bytes: number): boolean {
    return events > Math.floor(this.maxEvents * 0.9) || bytes > Math.floor(this.maxBytes * 0.9);
  }

  private shed(): ShedReport {
    this.compact();
    const report: ShedReport = { dropped: {}, conflatedBooks: 0, droppedStatus: 0 };
    let events = this.items.length;
    let bytes = this.bytesHeld;
    const count = (key: string, n: number): void => {
      report.dropped[key] = (report.dropped[key] ?? 0) + n;
    };

    // 1. oldest tickers / trades / ladders, per stream a contiguous run replaced by one marker
    const drop = new Set<QueueEntry>();
    const runs = new Map<string, QueueEntry[]>();
    for (const it of this.items) {
      if (!this.over(events, bytes)) break;
      const t = it.event.type;
      if (!it.isMarker && t !== 'ticker' && t !== 'trade' && t !== 'book_top') continue;
      drop.add(it);
      events--;
      bytes -= it.data.byteLength;
      const run = runs.get(it.subject);
      if (run === undefined) {
        runs.set(it.subject, [it]);
        events++; // the marker that will declare this run
        bytes += MARKER_BYTES;
      } else run.push(it);
    }
    if (drop.size > 0) {
      const lastOf = new Map<QueueEntry, string>();
      for (const [key, run] of runs) lastOf.set(run[run.length - 1]!, key);
      const next: QueueEntry[] = [];
      for (const it of this.items) {
        if (!drop.has(it)) next.push(it);
        else {
          const key = lastOf.get(it);
          if (key === undefined) continue;
          const run = runs.get(key)!;
          const m = this.hooks.marker(run);
          if (m !== undefined) next.push(m);
          count(key, run.length);
        }
      }
      this.items = next;
    }

    // 2. whole books, oldest first, conflated into one snapshot each
    if (this.over(this.items.length, this.sumBytes())) {
      const bookKeys = new Set<string>();
      for (const it of this.items) if (isBookEvent(it.event)) bookKeys.add(it.subject);
      // every entry of a book's stream (its status events too), so nothing of it stays ahead of the snapshot
      const byBook = new Map<string, QueueEntry[]>();
      for (const it of this.items) {
        if (bookKeys.has(it.subject)) {
          const list = byBook.get(it.subject);
          if (list === undefined) byBook.set(it.subject, [it]);
          else list.push(it);
        }
      }
      const removed = new Set<QueueEntry>();
      const tail: QueueEntry[] = [];
      events = this.items.length;
      bytes = this.sumBytes();
      for (const [key, list] of byBook) {
        if (!this.over(events + tail.length, bytes)) break;
        for (const it of list) {
          removed.add(it);
          events--;
          bytes -= it.data.byteLength;
        }
        const repl = this.hooks.conflate(list);
        if (repl !== undefined) {
          tail.push(repl);
          bytes += repl.data.byteLength;
          report.conflatedBooks++;
        } else {
          const m = this.hooks.marker(list);
          if (m !== undefined) tail.push(m);
        }
        count(key, list.length);
      }
      this.items = this.items.filter((it) => !removed.has(it)).concat(tail);
    }

    // 3. last resort: oldest of whatever remains
    while (this.items.length > 1 && this.over(this.items.length, this.sumBytes())) {
      this.items.shift();
      report.droppedStatus++;
    }
    this.bytesHeld = this.sumBytes();
    return report;
  }

  private sumBytes(): number {
    let b = 0;
    for (let i = this.head; i < this.items.length; i++) b += this.items[i]!.data.byteLength;
    return b;
  }
}
