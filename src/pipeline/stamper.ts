/** Stamps `seq` (+1 per event per stream key) and the run's `epoch` onto events. */
import type { MarketEvent, UnstampedEvent } from '../schema/events.js';

interface Seqs {
  book: number;
  ticker: number;
  trades: number;
  bars: number;
  derivative: number;
  liquidations: number;
  status: number;
}

const NO_SYMBOL = '\u0000';

export class Stamper {
  /** exchange → symbol (NO_SYMBOL for exchange-wide statuses) → last seq per stream: the same keys as streamKey() (src/schema/stream-key.ts), without building that string per event. */
  private readonly seqs = new Map<string, Map<string, Seqs>>();
  constructor(readonly epoch: string) {}

  stamp(e: UnstampedEvent): MarketEvent {
    let bySymbol = this.seqs.get(e.exchange);
    if (bySymbol === undefined) this.seqs.set(e.exchange, (bySymbol = new Map()));
    const symbol = e.symbol ?? NO_SYMBOL;
    let s = bySymbol.get(symbol);
    if (s === undefined) bySymbol.set(symbol, (s = { book: 0, ticker: 0, trades: 0, bars: 0, derivative: 0, liquidations: 0, status: 0 }));
    let seq: number;
    switch (e.type) {
      case 'book_snapshot':
      case 'book_delta':
      case 'book_top':
        seq = ++s.book;
        break;
      case 'ticker':
        seq = ++s.ticker;
        break;
      case 'trade':
        seq = ++s.trades;
        break;
      case 'trade_bar':
        seq = ++s.bars;
        break;
      case 'derivative_ticker':
        seq = ++s.derivative;
        break;
      case 'liquidation':
        seq = ++s.liquidations;
        break;
      case 'status':
        seq = ++s.status;
        break;
    }
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
