/** The deltas a book keeps while it waits for a REST snapshot, in arrival order. */
import type { Level } from '../schema/events.js';
import { CODE_BITS, decodeDecimal } from './decimal-code.js';
import { codesFor } from './level-codes.js';
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

/** The levels of a kept delta whose levels wait as numbers in the buffer's area (DeltaBuffer.add); never written. */
const PACKED: Level[] = [];
const SIZE_MASK = (1 << CODE_BITS) - 1;

/**
 * The deltas a book keeps while it waits for its snapshot. A delta that comes with its levels in numeric form (a
 * frame scanner's LevelCodes: Binance's diffs) is kept as a small copy of its ids plus those numbers, copied into one
 * area per buffer — not as level arrays and strings: at 1000 books waiting for the REST weight budget, the level
 * copies were ~1.5 KB per delta, every one outlived a few scavenges and was promoted (12–14 MB/s into old space at
 * 10 diffs/s per book), and V8 sized the old generation to that churn (bench/README, fifteenth pass). Its levels are
 * made again, as the same strings (decimal-code.ts round-trips them), when the buffer is taken to be spliced; the
 * area (24 bytes per level, outside the JS heap) goes with it.
 */
export class DeltaBuffer {
  private items: DeltaMessage[] = [];
  /** Per item: where its codes start in `area` (-1: the item holds its levels itself), its bid count, its ask count. */
  private spans: number[] = [];
  /** Codes of the packed items, three numbers per level (level-codes.ts), in item order from 0 to `used`. */
  private area: Float64Array | undefined;
  private used = 0;

  get length(): number {
    return this.items.length;
  }

  /** The first delta kept (its ids; a packed one's levels are not in it until `take`). */
  get first(): DeltaMessage | undefined {
    return this.items[0];
  }

  /** The last delta kept (its ids, as `first`). */
  get last(): DeltaMessage | undefined {
    return this.items[this.items.length - 1];
  }

  /** Keep a copy of `d` (see `kept`), its levels as numbers when it carries them. */
  add(d: DeltaMessage): void {
    const codes = codesFor(d);
    const n = 3 * (d.bids.length + d.asks.length);
    if (codes === undefined || !this.pack(codes, n)) {
      this.items.push(kept(d));
      this.spans.push(-1, 0, 0);
      return;
    }
    this.items.push({ ...d, bids: PACKED, asks: PACKED, codes: undefined, codesFrame: undefined });
    this.spans.push(this.used, d.bids.length, d.asks.length);
    this.used += n;
  }

  /** Copy `n` codes to the end of the area; false (nothing kept) when a level does not fit numbers (code -1). */
  private pack(codes: Float64Array, n: number): boolean {
    for (let j = 2; j < n; j += 3) if (codes[j]! < 0) return false;
    const at = this.used;
    let area = this.area;
    if (area === undefined || at + n > area.length) {
      const more = new Float64Array(Math.max(192, 2 * (at + n)));
      if (area !== undefined) more.set(area.subarray(0, at));
      this.area = area = more;
    }
    for (let j = 0; j < n; j++) area[at + j] = codes[j]!;
    return true;
  }

  /** Keep `d` itself: it is spliced right away, before the parser's next message. */
  addNow(d: DeltaMessage): void {
    this.items.push(d);
    this.spans.push(-1, 0, 0);
  }

  /** Drop everything, then keep a copy of `d`. */
  restartWith(d: DeltaMessage): void {
    this.clear();
    this.add(d);
  }

  /** Everything kept, in order, each with its levels; the buffer is empty after. */
  take(): DeltaMessage[] {
    const b = this.items;
    const spans = this.spans;
    const area = this.area;
    for (let i = 0; i < b.length; i++) {
      const at = spans[3 * i]!;
      if (at < 0 || area === undefined) continue;
      const nb = spans[3 * i + 1]!;
      const d = b[i]!;
      d.bids = levelsOf(area, at, nb);
      d.asks = levelsOf(area, at + 3 * nb, spans[3 * i + 2]!);
    }
    this.clear();
    return b;
  }

  clear(): void {
    this.items = [];
    this.spans = [];
    this.area = undefined;
    this.used = 0;
  }

  /**
   * While the snapshot request waits in the REST queue (weight budget), only the last `keep` buffered deltas can
   * matter: the snapshot will be at least as new as the newest delta when it goes out, so older ones would be
   * dropped on arrival. Keeping every delta of a long wait is what made waiting books grow (≈ 1 MB per book per
   * minute at 1000 levels × 10 diffs/s). A snapshot older than the first kept delta is a gap → a fresh snapshot.
   */
  trim(keep: number): void {
    const b = this.items;
    if (b.length <= 2 * keep) return;
    const cut = b.length - keep;
    this.items = b.slice(cut);
    const spans = this.spans.slice(3 * cut);
    this.spans = spans;
    // the packed items left move to the start of the area
    let from = -1;
    for (let j = 0; j < spans.length && from < 0; j += 3) from = spans[j]!;
    if (from < 0) {
      this.used = 0;
      return;
    }
    if (from > 0) {
      this.area!.copyWithin(0, from, this.used);
      this.used -= from;
      for (let j = 0; j < spans.length; j += 3) if (spans[j]! >= 0) spans[j] = spans[j]! - from;
    }
  }
}

/** `n` levels from their codes at `at` of `area`, as the strings they were read from. */
function levelsOf(area: Float64Array, at: number, n: number): Level[] {
  const out: Level[] = new Array(n);
  for (let i = 0, j = at; i < n; i++, j += 3) {
    const code = area[j + 2]!;
    out[i] = [decodeDecimal(area[j]!, code >> CODE_BITS), decodeDecimal(area[j + 1]!, code & SIZE_MASK)];
  }
  return out;
}
