/**
 * Ids of one OKX simulator instrument: its `instId` and index id, and its wire `seqId` — the market's change id minus
 * the offset of the current epoch (a maintenance reset, `okx-seq-reset`, starts a new epoch with a larger offset).
 */
import type { SimSymbolSpec } from './types.js';

export interface SeqEpoch {
  /** First market change id of this epoch. */
  fromId: number;
  /** wire seqId = market id − offset. */
  offset: number;
}

export interface SymState {
  spec: SimSymbolSpec;
  instId: string;
  /** The index (underlying) id, `BTC-USDT`: what `index-tickers` is subscribed by. */
  index: string;
  /** Wire seqId of the last message of this instrument (the next update's prevSeqId). */
  lastSeq: number;
  epochs: SeqEpoch[];
  ticks: number;
}

/** The state of a fresh instrument whose book is at market change id `startId`. */
export function symState(spec: SimSymbolSpec, swap: boolean, startId: number): SymState {
  const index = spec.symbol.replace('/', '-');
  const instId = index + (swap ? '-SWAP' : '');
  return { spec, instId, index, lastSeq: startId, epochs: [{ fromId: startId, offset: 0 }], ticks: 0 };
}

/** The wire seqId of market change id `id` (in the current epoch). */
export function toWire(st: SymState, id: number): number {
  const e = st.epochs[st.epochs.length - 1]!;
  return id - e.offset;
}

/** The market change id a wire seqId names (in the epoch that sent it); `lastId`: the market's last change id. */
export function fromWire(st: SymState, seq: number, lastId: number): number | undefined {
  for (let i = st.epochs.length - 1; i >= 0; i--) {
    const e = st.epochs[i]!;
    const id = seq + e.offset;
    const end = i + 1 < st.epochs.length ? st.epochs[i + 1]!.fromId - 1 : lastId;
    if (id >= e.fromId && id <= end) return id;
  }
  return undefined;
}
