/**
 * Where each parsed message of a connection goes. Market data is routed by the market's state: data of a market
 * on the connection that carries it goes to the market's handlers; data of a market on the connection replacing its
 * current one (make-before-break) goes to the replacement handlers; anything else — a market no longer streamed, a
 * channel not subscribed, data of a connection being dropped — is ignored. Connection-level messages go to their
 * handler with the connection. Decides only; the calls do the work (`RouterSink`, the runtime).
 *
 * On the per-frame path: one switch, one map lookup and one call per message, no allocation.
 */
import type { DeltaMessage, WireMessage } from '../exchanges/types.js';
import type { ConnSlot } from './connection-pool.js';
import type { MarketHandover } from './handover.js';
import type { MarketState } from './market-state.js';

type Msg<K extends WireMessage['kind']> = Extract<WireMessage, { kind: K }>;

export interface RouterSink {
  /** A book message of `st` on its connection. */
  book(slot: ConnSlot, st: MarketState, msg: DeltaMessage, localTime: number): void;
  ticker(st: MarketState, msg: Msg<'ticker'>, localTime: number): void;
  trade(slot: ConnSlot, st: MarketState, msg: Msg<'trade'>, localTime: number): void;
  derivative(st: MarketState, msg: Msg<'derivative'>, localTime: number): void;
  liquidation(st: MarketState, msg: Msg<'liquidation'>, localTime: number): void;
  /** A book message of `st` on the connection replacing its current one (for its shadow book). */
  replacementBook(st: MarketState, mh: MarketHandover, msg: DeltaMessage, localTime: number): void;
  /**
   * The replacement's first ticker, derivative or liquidation data of `st`: these count from the switch (the merged
   * state carries over), which this first data lets a market without a book make.
   */
  replacementData(st: MarketState, mh: MarketHandover, localTime: number): void;
  replacementTrade(st: MarketState, mh: MarketHandover, msg: Msg<'trade'>, localTime: number): void;
  pong(slot: ConnSlot): void;
  heartbeat(slot: ConnSlot, msg: Msg<'heartbeat'>): void;
  ack(msg: Msg<'ack'>): void;
  reconnectNotice(slot: ConnSlot, msg: Msg<'reconnect'>): void;
  sequence(slot: ConnSlot, msg: Msg<'sequence'>, localTime: number): void;
  error(slot: ConnSlot, msg: Msg<'error'>, localTime: number): void;
  malformed(slot: ConnSlot, msg: Msg<'malformed'>, frame: string, localTime: number): void;
  unknown(slot: ConnSlot, msg: Msg<'unknown'>, frame: string, localTime: number): void;
}

/** What the router reads: the markets, and which market a replacement connection is taking over. */
export interface RouterState {
  readonly markets: ReadonlyMap<string, MarketState>;
  replacementFor(slot: ConnSlot, st: MarketState): MarketHandover | undefined;
}

export class FrameRouter {
  constructor(
    private readonly state: RouterState,
    private readonly sink: RouterSink,
  ) {}

  route(slot: ConnSlot, msg: WireMessage, localTime: number, frame: string): void {
    const sink = this.sink;
    switch (msg.kind) {
      case 'book': {
        const st = this.state.markets.get(msg.market);
        if (st?.book === undefined) return;
        if (st.slot === slot) {
          sink.book(slot, st, msg, localTime);
          return;
        }
        const mh = this.state.replacementFor(slot, st);
        if (mh?.shadow !== undefined) sink.replacementBook(st, mh, msg, localTime);
        return;
      }
      case 'ticker': {
        const st = this.state.markets.get(msg.market);
        if (st === undefined || !st.channels.has('ticker')) return;
        if (st.slot === slot) {
          sink.ticker(st, msg, localTime);
          return;
        }
        this.firstReplacementData(slot, st, localTime);
        return;
      }
      case 'trade': {
        const st = this.state.markets.get(msg.market);
        if (st === undefined || !st.channels.has('trades')) return;
        if (st.slot === slot) {
          sink.trade(slot, st, msg, localTime);
          return;
        }
        const mh = this.state.replacementFor(slot, st);
        if (mh !== undefined) sink.replacementTrade(st, mh, msg, localTime);
        return;
      }
      case 'derivative': {
        const st = this.state.markets.get(msg.market);
        if (st === undefined || !st.channels.has('derivative')) return;
        if (st.slot === slot) sink.derivative(st, msg, localTime);
        else this.firstReplacementData(slot, st, localTime);
        return;
      }
      case 'liquidation': {
        const st = this.state.markets.get(msg.market);
        if (st === undefined || !st.channels.has('liquidations')) return;
        if (st.slot === slot) sink.liquidation(st, msg, localTime);
        else this.firstReplacementData(slot, st, localTime);
        return;
      }
      case 'pong':
        sink.pong(slot);
        return;
      case 'heartbeat':
        sink.heartbeat(slot, msg);
        return;
      case 'ack':
        sink.ack(msg);
        return;
      case 'reconnect':
        sink.reconnectNotice(slot, msg);
        return;
      case 'sequence':
        sink.sequence(slot, msg, localTime);
        return;
      case 'error':
        sink.error(slot, msg, localTime);
        return;
      case 'malformed':
        sink.malformed(slot, msg, frame, localTime);
        return;
      case 'unknown':
        sink.unknown(slot, msg, frame, localTime);
        return;
    }
  }

  /** Data of `st` on another connection: the replacement's first (ticker, derivative, liquidation) counts once. */
  private firstReplacementData(slot: ConnSlot, st: MarketState, localTime: number): void {
    const mh = this.state.replacementFor(slot, st);
    if (mh !== undefined && !mh.seenData) this.sink.replacementData(st, mh, localTime);
  }
}
