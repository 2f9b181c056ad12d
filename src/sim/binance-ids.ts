/**
 * Wire update ids of one Binance symbol. Spot: the market's consecutive change ids (`U == prev u + 1`). USD-M
 * futures: ids are not contiguous between events — each event's `U` = previous `u` + 1 + a random skip, `pu` =
 * previous event's `u` — so internal change id k of an event renders as k + that event's offset.
 */
import type { SimDiff } from './types.js';

/** One generated event with its wire ids. */
export interface Gen {
  diff: SimDiff;
  off: number;
  U: number;
  u: number;
  pu: number;
}

interface EventSpan {
  iFirst: number;
  iLast: number;
  off: number;
}

export class EventIds {
  /** Wire `u` of the last generated event (the next event's `pu`). */
  private lastU: number;
  private readonly events: EventSpan[] = [];

  /**
   * @param startId internal change id of the initial book
   * @param baseOff wire offset of the initial book (0 for spot)
   * @param skip extra ids skipped before each event (futures), 0 for spot
   */
  constructor(
    private readonly startId: number,
    private readonly baseOff: number,
    private readonly skip: () => number,
  ) {
    this.lastU = startId + baseOff;
  }

  /** Assign wire ids to a freshly generated diff. */
  next(diff: SimDiff): Gen {
    const U = this.lastU + 1 + this.skip();
    const off = U - diff.firstId;
    const g: Gen = { diff, off, U, u: diff.lastId + off, pu: this.lastU };
    this.lastU = g.u;
    this.events.push({ iFirst: diff.firstId, iLast: diff.lastId, off });
    if (this.events.length > 60_000) this.events.splice(0, 10_000);
    return g;
  }

  /** Wire id of the book state after internal change `id`. */
  wireOf(id: number): number {
    const i = this.last((e) => e.iFirst <= id);
    return i < 0 ? id + this.baseOff : id + (this.events[i] as EventSpan).off;
  }

  /** Internal change id of the book state a wire id names (an id in a gap names the preceding event's end). */
  internalOf(wire: number): number | undefined {
    if (wire === this.startId + this.baseOff) return this.startId;
    const i = this.last((e) => e.iFirst + e.off <= wire);
    if (i < 0) return undefined;
    const e = this.events[i] as EventSpan;
    return Math.min(wire - e.off, e.iLast);
  }

  /** Index of the last event satisfying a predicate that is monotone (true…true false…false). */
  private last(pred: (e: EventSpan) => boolean): number {
    let lo = 0;
    let hi = this.events.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (pred(this.events[mid] as EventSpan)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }
}
