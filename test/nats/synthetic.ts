/**
 * A small seeded market for the NATS tests until the simulator lands: exchange-level facts (unstamped events with
 * the exchange's own ids: Binance-like update ids and trade ids) and "pipeline instances" that stamp seq/epoch
 * per stream key like the pipeline's Stamper (which mutates its input; this one copies, so two instances can
 * stamp the same facts). Two instances on the same market see the same facts (a restarted or
 * duplicate publisher); instances on different markets are disjoint shards. Every event is a valid MarketEvent.
 */
import { OrderBook } from '../../src/book/order-book.js';
import type { ExchangeId, Level, MarketEvent, UnstampedEvent } from '../../src/schema/events.js';
import { streamKey } from '../../src/schema/stream-key.js';
import { mulberry32 } from '../../src/util/prng.js';


interface SymState {
  symbol: string;
  market: string;
  mid: number;
  book: OrderBook;
  updateId: number;
  tradeId: number;
}

export class SyntheticMarket {
  private readonly rnd: () => number;
  private readonly syms: SymState[];
  private time = 1_700_000_000_000_000;
  /** Every fact so far, in order. */
  readonly facts: UnstampedEvent[] = [];

  constructor(
    readonly exchange: ExchangeId,
    symbols: string[],
    seed: number,
  ) {
    this.rnd = mulberry32(seed);
    this.syms = symbols.map((symbol, i) => {
      const s: SymState = { symbol, market: symbol.replace('/', ''), mid: 100 * (i + 1), book: new OrderBook(), updateId: 1000, tradeId: 5000 };
      const bids: Level[] = [];
      const asks: Level[] = [];
      for (let k = 1; k <= 10; k++) {
        bids.push([(s.mid - k * 0.5).toFixed(2), this.size()]);
        asks.push([(s.mid + k * 0.5).toFixed(2), this.size()]);
      }
      s.book.applySnapshot(bids, asks);
      return s;
    });
  }

  get symbols(): string[] {
    return this.syms.map((s) => s.symbol);
  }

  private size(): string {
    return (0.001 + this.rnd() * 5).toFixed(4);
  }

  /** A REST-style snapshot of a symbol's current true book. */
  snapshot(symbol: string): UnstampedEvent {
    const s = this.syms.find((x) => x.symbol === symbol)!;
    const { bids, asks } = s.book.snapshot();
    return {
      type: 'book_snapshot',
      exchange: this.exchange,
      symbol: s.symbol,
      market: s.market,
      exchangeTime: this.time,
      localTime: this.time + 500,
      integrity: 'chained',
      updateId: s.updateId,
      bids,
      asks,
    };
  }

  trueBook(symbol: string): { bids: Level[]; asks: Level[] } {
    return this.syms.find((x) => x.symbol === symbol)!.book.snapshot();
  }

  /** The next market fact: a book delta (70 %), a trade (20 %) or a ticker (10 %). */
  next(): UnstampedEvent {
    this.time += 1000 + Math.floor(this.rnd() * 1000);
    const s = this.syms[Math.floor(this.rnd() * this.syms.length)]!;
    const r = this.rnd();
    let e: UnstampedEvent;
    if (r < 0.7) {
      const bids: Level[] = [];
      const asks: Level[] = [];
      const n = 1 + Math.floor(this.rnd() * 3);
      for (let k = 0; k < n; k++) {
        const side = this.rnd() < 0.5 ? bids : asks;
        const off = (1 + Math.floor(this.rnd() * 12)) * 0.5;
        const price = (side === bids ? s.mid - off : s.mid + off).toFixed(2);
        side.push([price, this.rnd() < 0.2 ? '0' : this.size()]);
      }
      const first = s.updateId + 1;
      s.updateId += n;
      s.book.applyLevels(bids, asks);
      e = {
        type: 'book_delta',
        exchange: this.exchange,
        symbol: s.symbol,
        market: s.market,
        exchangeTime: this.time,
        localTime: this.time + 300,
        integrity: 'chained',
        firstUpdateId: first,
        updateId: s.updateId,
        bids,
        asks,
      };
    } else if (r < 0.9) {
      s.tradeId++;
      e = {
        type: 'trade',
        exchange: this.exchange,
        symbol: s.symbol,
        market: s.market,
        exchangeTime: this.time,
        localTime: this.time + 300,
        tradeId: String(s.tradeId),
        price: s.mid.toFixed(2),
        size: this.size(),
        side: this.rnd() < 0.5 ? 'buy' : 'sell',
      };
    } else {
      const bb = s.book.bestBid();
      const ba = s.book.bestAsk();
      e = {
        type: 'ticker',
        exchange: this.exchange,
        symbol: s.symbol,
        market: s.market,
        exchangeTime: this.time,
        localTime: this.time + 300,
        last: s.mid.toFixed(2),
        ...(bb ? { bidPrice: bb[0], bidSize: bb[1] } : {}),
        ...(ba ? { askPrice: ba[0], askSize: ba[1] } : {}),
      };
    }
    this.facts.push(e);
    return e;
  }
}

/** One tickwire process's stamping: seq per stream key, one epoch. */
export class Stamper {
  private readonly seqs = new Map<string, number>();
  constructor(readonly epoch: string) {}

  stamp(u: UnstampedEvent): MarketEvent {
    const e = { ...u, seq: 0, epoch: this.epoch } as MarketEvent;
    const key = streamKey(e);
    const seq = (this.seqs.get(key) ?? 0) + 1;
    this.seqs.set(key, seq);
    e.seq = seq;
    return e;
  }
}

/** What a pipeline instance emits when it starts on a market: a snapshot per symbol, then live facts. */
export function startInstance(m: SyntheticMarket, stamper: Stamper): MarketEvent[] {
  return m.symbols.map((s) => stamper.stamp(m.snapshot(s)));
}
