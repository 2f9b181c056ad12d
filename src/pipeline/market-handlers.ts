/**
 * What the runtime does with each routed message (the `RouterSink` of frame-router.ts) and with each connection
 * event: market data into events and books, the replacement's data into its handover, connection-level messages
 * (pongs, heartbeats, acks, shutdown notices, sequence numbers, errors, unreadable data) to their unit, and per
 * stream the data clock behind the no-data watchdog (no-data.ts). The state is the runtime's.
 */
import type { SchedulerLike } from 'rxjs';
import type { Channel, UnstampedEvent } from '../schema/events.js';
import type { DeltaMessage, WireMessage } from '../exchanges/types.js';
import type { ConnectionEvent } from '../connection/index.js';
import type { ConnSlot } from './connection-pool.js';
import type { ExchangeRuntime } from './exchange-runtime.js';
import type { RouterSink } from './frame-router.js';
import type { MarketHandover } from './handover.js';
import type { Handovers } from './handovers.js';
import type { MarketState } from './market-state.js';
import type { Refusals } from './refusals.js';
import type { StreamErrors } from './stream-errors.js';
import type { StreamRef } from '../exchanges/types.js';
import { mergeTicker, tickerEvent, tradeEvent } from './market-events.js';
import { derivativeEvent, liquidationEvent } from './derivative-events.js';

type Msg<K extends WireMessage['kind']> = Extract<WireMessage, { kind: K }>;

export class MarketHandlers implements RouterSink {
  /** Set by the runtime once built (it needs the runtime too). */
  errors!: StreamErrors;
  private readonly scheduler: SchedulerLike;
  private readonly refusals: Refusals;
  private readonly handovers: Handovers;
  private readonly emit: (e: UnstampedEvent) => void;
  private readonly bookPauseMs: number;
  private readonly pauseBreaks: boolean;
  private readonly silenceBreaks: boolean;

  constructor(private readonly rt: ExchangeRuntime) {
    this.scheduler = rt.scheduler;
    this.refusals = rt.refusals;
    this.emit = rt.deps.emit;
    this.bookPauseMs = rt.config.bookPauseMs;
    this.pauseBreaks = rt.facts.pauseBreaks;
    this.silenceBreaks = rt.facts.silenceBreaks;
    this.handovers = rt.handovers;
  }

  // ---- market data on the market's own connection ----

  book(slot: ConnSlot, st: MarketState, msg: DeltaMessage, localTime: number): void {
    this.touch(st, 'book', localTime, msg);
    st.book!.onMessage(msg, localTime);
    const ho = this.handovers;
    if (!ho.any) return;
    const mh = ho.of(slot)?.markets.get(st.market);
    if (mh !== undefined) ho.trySwitch(st, mh, localTime);
  }

  ticker(st: MarketState, msg: Msg<'ticker'>, localTime: number): void {
    this.touch(st, 'ticker', localTime);
    st.ticker = mergeTicker(st.ticker, msg);
    this.emit(tickerEvent(this.rt.id, st.symbol, st.market, st.ticker, msg, localTime, this.rt.sizeUnitOf(st.market)));
  }

  trade(slot: ConnSlot, st: MarketState, msg: Msg<'trade'>, localTime: number): void {
    const trade = tradeEvent(this.rt.id, st.symbol, st.market, msg, localTime, this.rt.sizeUnitOf(st.market));
    this.touch(st, 'trades', localTime);
    const h = this.handovers.of(slot);
    const mh = h?.markets.get(st.market);
    if (h !== undefined && mh !== undefined) {
      if (h.from === slot) mh.noteOldTrade(msg.tradeId);
      else if (mh.onNewTrade(trade) === undefined) return; // the old connection delivered it
    } else if (st.handedOver !== undefined && st.handedOver.lateTrade(msg.tradeId)) {
      return; // a replacement lagging behind the closed connection: delivered already
    }
    this.emit(trade);
  }

  derivative(st: MarketState, msg: Msg<'derivative'>, localTime: number): void {
    this.touch(st, 'derivative', localTime);
    this.mergeDerivative(st, msg, localTime);
  }

  /** A derivative update from a REST poll (rest-poller.ts: fields the exchange gives only there). */
  derivativeUpdate(msg: Msg<'derivative'>, localTime: number): void {
    const st = this.rt.markets.get(msg.market);
    if (st !== undefined && st.channels.has('derivative')) this.mergeDerivative(st, msg, localTime);
  }

  private mergeDerivative(st: MarketState, msg: Msg<'derivative'>, localTime: number): void {
    const r = derivativeEvent(this.rt.id, st.symbol, st.derivative, msg, localTime);
    st.derivative = r.state;
    this.emit(r.event);
  }

  liquidation(st: MarketState, msg: Msg<'liquidation'>, localTime: number): void {
    this.touch(st, 'liquidations', localTime);
    this.emit(liquidationEvent(this.rt.id, st.symbol, msg, localTime));
  }

  // ---- market data on the connection replacing the market's (make-before-break) ----

  replacementBook(st: MarketState, mh: MarketHandover, msg: DeltaMessage, localTime: number): void {
    mh.seenData = true;
    mh.shadow!.onMessage(msg, localTime);
    this.handovers.trySwitch(st, mh, localTime);
  }

  replacementData(st: MarketState, mh: MarketHandover, localTime: number): void {
    mh.seenData = true;
    this.handovers.trySwitch(st, mh, localTime);
  }

  replacementTrade(st: MarketState, mh: MarketHandover, msg: Msg<'trade'>, localTime: number): void {
    // held until the switch, then deduplicated against the old connection's
    mh.seenData = true;
    const pass = mh.onNewTrade(tradeEvent(this.rt.id, st.symbol, st.market, msg, localTime, this.rt.sizeUnitOf(st.market)));
    if (pass) this.emit(pass);
    else this.handovers.trySwitch(st, mh, localTime);
  }

  // ---- connection-level messages ----

  pong(slot: ConnSlot): void {
    slot.conn.notePong();
  }

  heartbeat(slot: ConnSlot, msg: Msg<'heartbeat'>): void {
    if (msg.reply !== undefined) slot.conn.send(msg.reply); // Deribit test_request → public/test
  }

  ack(msg: Msg<'ack'>): void {
    this.rt.requests.ack(msg.id);
  }

  reconnectNotice(slot: ConnSlot, msg: Msg<'reconnect'>): void {
    // make-before-break where possible; otherwise (a replacement itself, nothing subscribed) an early reconnect
    if (!this.handovers.start(slot, 'notice', msg.reason)) slot.conn.reconnect('TW_ERR_SERVER_SHUTDOWN', msg.reason, { immediate: true });
  }

  sequence(slot: ConnSlot, msg: Msg<'sequence'>, localTime: number): void {
    const prev = slot.lastSeq;
    slot.lastSeq = msg.value;
    if (prev === undefined || msg.value <= prev + 1) return;
    // A per-connection sequence gap: every book on this connection may have missed updates.
    for (const m of slot.markets) {
      const book = this.rt.bookOn(slot, m);
      if (book && book.state !== 'resyncing') {
        book.invalidate('TW_ERR_SEQUENCE_GAP', `connection sequence jumped from ${prev} to ${msg.value}`, localTime, {
          connectionId: slot.conn.id,
          from: prev,
          to: msg.value,
        });
      }
    }
  }

  error(slot: ConnSlot, msg: Msg<'error'>, localTime: number): void {
    this.rt.deps.metrics.inc('tickwire_exchange_errors_total', { exchange: this.rt.id });
    this.errors.onError(slot, msg, localTime);
  }

  malformed(slot: ConnSlot, msg: Msg<'malformed'>, frame: string, localTime: number): void {
    this.rt.deps.metrics.inc('tickwire_malformed_frames_total', { exchange: this.rt.id });
    this.rt.report(slot, 'TW_ERR_MALFORMED_FRAME', `malformed message skipped: ${msg.reason}`, localTime, {
      frame: frame.length > 200 ? `${frame.slice(0, 200)}…` : frame,
    });
    if (msg.channel === 'book') this.errors.unreadableBookData(slot, frame, msg.market, `unreadable book message: ${msg.reason}`, localTime);
  }

  unknown(slot: ConnSlot, msg: Msg<'unknown'>, frame: string, localTime: number): void {
    this.rt.deps.metrics.inc('tickwire_unknown_messages_total', { exchange: this.rt.id });
    this.rt.report(slot, 'TW_ERR_UNKNOWN_MESSAGE', `unknown message skipped: ${msg.reason}`, localTime, {
      frame: frame.length > 200 ? `${frame.slice(0, 200)}…` : frame,
    });
  }

  // ---- connections ----

  /** The subscribe messages of every stream of `slot` (sent by the connection on each open). */
  subscribeAll(slot: ConnSlot): string[] {
    const refs: StreamRef[] = [];
    for (const market of slot.markets) {
      const st = this.rt.markets.get(market);
      if (st) for (const channel of st.channels) refs.push({ market, channel });
    }
    return refs.length === 0 ? [] : this.rt.requests.build(this.rt.adapter, 'subscribe', refs, this.rt.ctx);
  }

  onConnectionEvent(slot: ConnSlot, ev: ConnectionEvent): void {
    const rt = this.rt;
    if (ev.kind === 'frame') {
      rt.onFrameEvent(slot, ev.data, ev.localTime);
      return;
    }
    if (ev.kind === 'sent') return;
    const { kind: _kind, ...rest } = ev;
    this.emit({ type: 'status', scope: 'connection', exchange: rt.id, connectionId: slot.conn.id, ...rest });
    if (ev.state === 'open') {
      slot.opens++;
      slot.lastSeq = undefined;
      slot.reports.reset();
      const now = this.scheduler.now();
      for (const m of slot.markets) {
        const st = rt.markets.get(m);
        if (st && st.slot === slot) st.activity.restart(st.channels, now);
      }
      this.handovers.armAgeLimit(slot, rt.config.maxConnectionAgeMs);
    } else if (ev.state === 'closed' || ev.state === 'reconnecting') {
      if (ev.state === 'reconnecting') rt.deps.metrics.inc('tickwire_reconnects_total', { exchange: rt.id, cause: ev.code });
      slot.ageTimer?.unsubscribe();
      slot.ageTimer = undefined;
      const { handled, h } = this.handovers.onSlotDown(slot, ev.localTime);
      if (handled) return;
      // Every book on this connection may have missed updates: untrustworthy until resynced.
      for (const m of slot.markets) {
        const st = rt.markets.get(m);
        if (st?.book && st.book.state === 'live') {
          st.book.invalidate('TW_ERR_RECONNECTED', `connection ${slot.conn.id} ${ev.state}: ${ev.reason}`, ev.localTime);
        }
      }
      // closed before every market moved over: the rest move now (their books said `resyncing` above)
      if (h !== undefined && this.handovers.has(h)) this.handovers.finish(h, ev.localTime);
    }
  }

  // ---- the data clock of each stream (no-data.ts) ----

  private touch(st: MarketState, channel: Channel, localTime: number, bookMsg?: DeltaMessage): void {
    const now = this.scheduler.now();
    const before = st.activity.seen(channel, now);
    if (this.refusals.size > 0) this.refusals.clear(st.market, channel);
    // A pause of a book's data shorter than the no-data timeout (continuity.ts, pauseBreaksContinuity)
    const pauseMs = this.bookPauseMs;
    if (bookMsg?.action === 'delta' && pauseMs > 0 && before !== undefined && now - before >= pauseMs && st.book?.state === 'live' && this.pauseBreaks) {
      st.book.invalidate(
        'TW_ERR_NO_DATA',
        `book data paused ${now - before} ms (book pause limit ${pauseMs} ms): this feed cannot prove nothing was missed`,
        localTime,
        { connectionId: st.slot.conn.id, pauseMs: now - before },
      );
    }
    if (st.activity.resumed(channel)) {
      // `subscribed`, not `live`: for a book, only its sync says whether the data that resumed still chains
      this.rt.status(
        { scope: 'stream', state: 'subscribed', code: 'TW_OK', reason: `${channel} data resumed`, symbol: st.symbol, market: st.market, channel },
        localTime,
      );
      // A book that cannot prove continuity across a silence (continuity.ts, silenceBreaksContinuity) and resumes
      // with a delta — not with the snapshot of the resubscribe sent when it went silent — may have missed updates:
      // what it missed is unknowable, so it is resynced (again, also when a resubscribe's snapshot never came).
      if (bookMsg?.action === 'delta' && st.book && this.silenceBreaks) {
        st.book.invalidate('TW_ERR_NO_DATA', 'book data resumed after a silence this feed cannot prove was lossless', localTime, {
          connectionId: st.slot.conn.id,
        });
      }
    }
  }

  /** The watchdog's tick: streams silent for `timeout` on an open connection get `no_data`. */
  checkNoData(timeout: number): void {
    const rt = this.rt;
    const now = this.scheduler.now();
    for (const st of rt.markets.values()) {
      if (!st.slot.conn.isOpen) continue;
      st.activity.check(st.channels, now, timeout, (channel, silentMs) => {
        rt.deps.metrics.inc('tickwire_no_data_total', { exchange: rt.id });
        rt.status({
          scope: 'stream',
          state: 'no_data',
          code: 'TW_ERR_NO_DATA',
          reason: `no ${channel} data for ${silentMs} ms on a healthy connection (unknown stream, or the exchange stopped sending)`,
          symbol: st.symbol,
          market: st.market,
          channel,
          connectionId: st.slot.conn.id,
        });
        if (channel === 'book' && st.book && this.silenceBreaks) {
          st.book.invalidate(
            'TW_ERR_NO_DATA',
            `book silent for ${silentMs} ms on a healthy connection: its feed cannot prove the book is still current`,
            rt.nowMicros(),
            { connectionId: st.slot.conn.id },
          );
        }
      });
    }
  }
}
