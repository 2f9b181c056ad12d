/** The deltas a book keeps while it waits for a REST snapshot, in arrival order. */
import type { Level } from '../schema/events.js';
import type { DeltaMessage } from './rules.js';

/**
 * A copy of a delta for the buffer (levels copied too, strings shared). The parsers' allocation sites must see their
 * objects die young: V8 allocates straight into old space at a site whose objects mostly survive a scavenge
 * (allocation-site pretenuring), and deltas buffered while a snapshot is fetched would teach it that for good —
 * after which every parsed level is collected by full GCs (half the throughput, twice the memory at 20 symbols).
 */
export function kept(d: DeltaMessage): DeltaMessage {
  const copy = (levels: readonly Level[]): Level[] => {
    const out: Level[] = new Array(levels.length);
    for (let i = 0; i < levels.length; i++) out[i] = [levels[i]![0], levels[i]![1]];
    return out;
  };
  // applied later from its strings: the scanner's area (codes) will describe another frame by then
  return { ...d, bids: copy(d.bids), asks: copy(d.asks), codes: undefined, codesFrame: undefined };
}

export class DeltaBuffer {
  private items: DeltaMessage[] = [];

  get length(): number {
    return this.items.length;
  }

  get first(): DeltaMessage | undefined {
    return this.items[0];
  }

  get last(): DeltaMessage | undefined {
    return this.items[this.items.length - 1];
  }

  /** Keep a copy of `d` (see `kept`). */
  add(d: DeltaMessage): void {
    this.items.push(kept(d));
  }

  /** Keep `d` itself: it is spliced right away, before the parser's next message. */
  addNow(d: DeltaMessage): void {
    this.items.push(d);
  }

  /** Drop everything, then keep a copy of `d`. */
  restartWith(d: DeltaMessage): void {
    this.items = [kept(d)];
  }

  /** Everything kept, in order; the buffer is empty after. */
  take(): DeltaMessage[] {
    const b = this.items;
    this.items = [];
    return b;
  }

  clear(): void {
    this.items = [];
  }

  /**
   * While the snapshot request waits in the REST queue (weight budget), only the last `keep` buffered deltas can
   * matter: the snapshot will be at least as new as the newest delta when it goes out, so older ones would be
   * dropped on arrival. Keeping every delta of a long wait is what made waiting books grow (≈ 1 MB per book per
   * minute at 1000 levels × 10 diffs/s). A snapshot older than the first kept delta is a gap → a fresh snapshot.
   */
  trim(keep: number): void {
    const b = this.items;
    if (b.length > 2 * keep) this.items = b.slice(b.length - keep);
  }
}
