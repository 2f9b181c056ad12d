/** Stamps `seq` (+1 per event per stream key) and the run's `epoch` onto events. */
import type { MarketEvent, UnstampedEvent } from '../schema/events.js';

/** The stream key of an event: `exchange:symbol@channel` (status: `exchange:symbol@status`, `exchange@status`). */
export function streamKey(e: UnstampedEvent | MarketEvent): string {
  switch (e.type) {
    case 'book_snapshot':
    case 'book_delta':
    case 'book_top':
      return `${e.exchange}:${e.symbol}@book`;
    case 'ticker':
      return `${e.exchange}:${e.symbol}@ticker`;
    case 'trade':
      return `${e.exchange}:${e.symbol}@trades`;
    case 'status':
      return e.symbol === undefined ? `${e.exchange}@status` : `${e.exchange}:${e.symbol}@status`;
  }
}

export class Stamper {
  private readonly seqs = new Map<string, number>();
  constructor(readonly epoch: string) {}

  stamp(e: UnstampedEvent): MarketEvent {
    const key = streamKey(e);
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    const out = e as MarketEvent;
    out.seq = seq;
    out.epoch = this.epoch;
    return out;
  }
}

/** An epoch id from the run's start time (µs, base 36) — reproducible under a recorded clock. */
export function makeEpoch(startMicros: number): string {
  return startMicros.toString(36);
}
