/**
 * Everything tickwire runs for one exchange: instruments, connections, per-market routing (tickers merged,
 * trades, book sync), REST snapshots through the per-host scheduler, no-data watchdogs and periodic REST
 * cross-checks. Adapters stay pure; this module owns their I/O and timers (all on the injected scheduler).
 */
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { DEFAULT_CHANNELS, type Channel, type ExchangeId, type UnstampedEvent } from '../schema/events.js';
import type { TwCode, TwErrorCode } from '../errors.js';
import { TwError } from '../errors.js';
import type {
  AdapterContext,
  DeltaMessage,
  DerivativeFields,
  Endpoints,
  ExchangeAdapter,
  Instrument,
  StreamRef,
  TickerFields,
  WireMessage,
} from '../exchanges/types.js';
import type { BookSync } from '../book/book-sync.js';
import { BookDriver } from './book-driver.js';
import type { Connection, ConnectionEvent, ConnectionOptions } from '../connection/index.js';
import { RestScheduler, type HttpGet } from '../rest/index.js';
import type { Clock } from '../util/clock.js';
import type { TickwireConfig } from '../config.js';
import type { Metrics } from './metrics.js';
import { SubscribeBudget } from './subscribe-budget.js';
import { marketsNamedIn } from './frame-blame.js';
import { backoffDelay } from '../util/backoff.js';
import { MarketHandover, type HandoverCause, type SlotHandover } from './handover.js';
import { InstrumentIndex, type Resolution } from './resolve.js';
import { derivativeEvent, liquidationEvent } from './derivative-events.js';
import { pollerFor, type RestPoller } from './rest-poller.js';

export interface RuntimeDeps {
  scheduler: SchedulerLike;
  clock: Clock;
  logger: Logger;
  createConnection: (opts: ConnectionOptions) => Connection;
  http?: HttpGet;
  random?: () => number;
  metrics: Metrics;
  emit: (e: UnstampedEvent) => void;
  /** Rate windows shared by every connection to one WebSocket host (per-IP limits). */
  sharedLimits?: (wsOrigin: string, limits: ExchangeAdapter['limits']) => ConnectionOptions['shared'];
  /** The REST scheduler of another runtime on the same host (a companion, hub.ts): one budget; default its own. */
  rest?: RestScheduler;
}

interface ConnSlot {
  readonly conn: Connection;
  readonly markets: Set<string>;
  opens: number;
  lastSeq: number | undefined;
  sub: Subscription | undefined;
  /** Throttle state for malformed/unknown reports. */
  reportBudget: number;
  suppressed: number;
  /** Subscribe/unsubscribe messages per hour, where the exchange caps them (`limits.subscribeMessagesPerHour`). */
  subscribeBudget: SubscribeBudget | undefined;
  /** Replaces the connection (make-before-break) before it reaches `maxConnectionAgeMs`. */
  ageTimer: Subscription | undefined;
}

interface MarketState {
  readonly symbol: string;
  readonly market: string;
  readonly channels: Set<Channel>;
  slot: ConnSlot;
  ticker: TickerFields | undefined;
  book: BookDriver | undefined;
  /** scheduler.now() of the last data per channel. */
  readonly lastData: Map<Channel, number>;
  readonly noData: Set<Channel>;
  /** The last handover of this market, kept after it ended to skip trades the old connection already delivered. */
  handedOver?: MarketHandover | undefined;
}

export interface BookView {
  exchange: ExchangeId;
  symbol: string;
  market: string;
  state: string;
  updateId: number | undefined;
  sync: BookSync;
}


export class ExchangeRuntime {
  readonly id: ExchangeId;
  private readonly endpoints: Endpoints;
  private readonly rest: RestScheduler;
  private readonly slots: ConnSlot[] = [];
  private readonly markets = new Map<string, MarketState>();
  private readonly ctx: { bookDepth: number; instruments: Map<string, Instrument>; nowMs: () => number };
  /** Symbol resolution over the loaded instruments (resolve.ts); undefined until (unless) they load. */
  private index: InstrumentIndex | undefined;
  private instrumentsError: Error | undefined;
  private instrumentsLoaded: Promise<boolean> | undefined;
  private reqId = 1;
  /** Subscribe request id → the streams it carried. */
  private readonly requests = new Map<number, StreamRef[]>();
  private watchdog: Subscription | undefined;
  /** Streams refused by a transient error reply, re-subscribed after a backoff (`market|channel` → state). */
  private readonly refusals = new Map<string, { attempt: number; timer: Subscription | undefined }>();
  private framesTotal: { value: number } | undefined;
  private closed = false;
  private connSeq = 0;
  /** Merged derivative fields per market (channel `derivative`; see derivative-events.ts). */
  private readonly derivatives = new Map<string, DerivativeFields>();
  /** Connections being replaced (make-before-break, see handover.ts). */
  private readonly handovers = new Set<SlotHandover<ConnSlot>>();
  /** REST-only derivative fields (Binance open interest), polled for the `derivative` markets (rest-poller.ts). */
  private readonly poller: RestPoller | undefined;

  constructor(
    private readonly adapter: ExchangeAdapter,
    private readonly config: TickwireConfig,
    private readonly deps: RuntimeDeps,
  ) {
    this.id = adapter.id;
    this.endpoints = config.endpoints[adapter.id] ?? adapter.defaultEndpoints;
    this.ctx = { bookDepth: config.bookDepth ?? 0, instruments: new Map(), nowMs: () => Math.floor(deps.clock.nowMicros() / 1000) };
    this.rest = deps.rest ?? new RestScheduler({
      origin: this.endpoints.rest,
      ...(adapter.limits.restWeightPerMinute ? { weightLimitPerMinute: adapter.limits.restWeightPerMinute } : {}),
      ...(adapter.limits.restUsedWeightHeader ? { usedWeightHeader: adapter.limits.restUsedWeightHeader } : {}),
      budgetFraction: config.restWeightShare,
      maxRetries: config.restMaxRetries,
      timeoutMs: config.restTimeoutMs,
      backoff: config.backoff,
      scheduler: deps.scheduler,
      ...(deps.http ? { http: deps.http } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      logger: deps.logger,
      onEvent: (e) => this.onRestEvent(e.code, e.reason, e.details, e.key),
    });
    this.poller = pollerFor(adapter, config.openInterestIntervalMs, {
      scheduler: deps.scheduler,
      fetch: (req, opts) => this.rest.request(req, opts),
      onMessage: (msg) => this.onDerivative(msg, this.now),
      logger: deps.logger,
      metrics: deps.metrics,
    });
  }

  /** A derivative update (stream or REST poll) merged into the market's state and emitted. */
  private onDerivative(msg: Extract<WireMessage, { kind: 'derivative' }>, localTime: number): void {
    const st = this.markets.get(msg.market);
    if (st === undefined || !st.channels.has('derivative')) return;
    const r = derivativeEvent(this.id, st.symbol, this.derivatives.get(st.market), msg, localTime);
    this.derivatives.set(st.market, r.state);
    this.deps.emit(r.event);
  }

  /** The channels the exchange offers (the adapter's, else ticker, book, trades). */
  get channels(): readonly Channel[] {
    return this.adapter.channels ?? DEFAULT_CHANNELS;
  }

  private get now(): number {
    return this.deps.clock.nowMicros();
  }

  private status(
    e: {
      scope: 'connection' | 'stream';
      state: Extract<UnstampedEvent, { type: 'status' }>['state'];
      code: TwCode;
      reason: string;
      symbol?: string;
      market?: string;
      channel?: Channel;
      connectionId?: string;
      details?: Record<string, unknown>;
    },
    localTime = this.now,
  ): void {
    this.deps.emit({ type: 'status', exchange: this.id, localTime, ...e });
  }

  /** Load instruments once; false when they could not be loaded (symbols are then not validated). */
  private loadInstruments(): Promise<boolean> {
    this.instrumentsLoaded ??= (async () => {
      try {
        const res = await this.rest.request(this.adapter.instrumentsRequest(), { priority: 0, key: 'instruments' });
        const limit = this.adapter.parseRestWeightLimit?.(res.body);
        if (limit !== undefined && limit > 0) this.rest.setWeightLimit(limit);
        const list = this.adapter.parseInstruments(res.body);
        for (const inst of list) this.ctx.instruments.set(inst.market, inst);
        this.index = new InstrumentIndex(this.id, list, (ref) => this.adapter.toMarket(ref));
        return true;
      } catch (e) {
        this.instrumentsError = e as Error;
        if (this.closed) return false;
        this.status({
          scope: 'connection',
          state: 'error',
          code: e instanceof TwError ? e.code : 'TW_ERR_REST_FAILED',
          reason: `could not load ${this.id} instruments, symbols are not validated: ${(e as Error).message}`,
        });
        return false;
      }
    })();
    return this.instrumentsLoaded;
  }

  /**
   * Subscribe `symbol` on `channels`. Resolves false (after an error status) when the symbol is unknown.
   * Adding channels to a market already streaming extends its subscription on the same connection.
   */
  async add(symbol: string, channels: readonly Channel[]): Promise<boolean> {
    const validated = await this.loadInstruments();
    if (this.closed) return false;
    const r = this.index?.resolve(symbol);
    const inst = r?.ok ? r.instrument : undefined;
    if (validated && (inst === undefined || !inst.trading)) {
      for (const channel of channels) {
        this.status({
          scope: 'stream',
          state: 'error',
          code: 'TW_ERR_UNKNOWN_SYMBOL',
          symbol,
          market: inst?.market ?? this.adapter.toMarket(symbol),
          channel,
          reason: r !== undefined && !r.ok ? r.reason : `${symbol} is listed on ${this.id} but not trading`,
          ...(r !== undefined && !r.ok && r.why === 'ambiguous' ? { details: { candidates: r.candidates } } : {}),
        });
      }
      return false;
    }
    const market = inst?.market ?? this.adapter.toMarket(symbol);
    let st = this.markets.get(market);
    const fresh = channels.filter((c) => !st?.channels.has(c));
    if (fresh.length === 0) return true;
    if (st === undefined) {
      const slot = this.slotFor();
      st = {
        symbol: inst?.symbol ?? symbol,
        market,
        channels: new Set(),
        slot,
        ticker: undefined,
        book: undefined,
        lastData: new Map(),
        noData: new Set(),
      };
      this.markets.set(market, st);
      slot.markets.add(market);
    }
    const now = this.deps.scheduler.now();
    for (const c of fresh) {
      st.channels.add(c);
      st.lastData.set(c, now);
      if (c === 'book') this.startBook(st);
      if (c === 'derivative') this.poller?.add(market);
    }
    const refs = fresh.map((channel) => ({ market, channel }));
    if (st.slot.conn.isOpen) {
      this.sendSubscription(st.slot, this.build('subscribe', refs));
    }
    this.ensureSlotRunning(st.slot);
    this.ensureWatchdog();
    return true;
  }

  /** Unsubscribe channels of a symbol; drops the market (and an empty connection) when nothing is left. */
  remove(symbol: string, channels: readonly Channel[]): void {
    const st = this.findBySymbol(symbol);
    if (st === undefined) return;
    const gone = channels.filter((c) => st.channels.has(c));
    if (gone.length === 0) return;
    if (st.slot.conn.isOpen) {
      const refs = gone.map((channel) => ({ market: st.market, channel }));
      this.sendSubscription(st.slot, this.build('unsubscribe', refs));
    }
    for (const c of gone) {
      this.clearRefusal(st.market, c);
      st.channels.delete(c);
      st.lastData.delete(c);
      st.noData.delete(c);
      if (c === 'book') this.stopBook(st);
      if (c === 'ticker') st.ticker = undefined;
      if (c === 'derivative') {
        this.derivatives.delete(st.market);
        this.poller?.remove(st.market);
      }
    }
    if (st.channels.size === 0) {
      this.markets.delete(st.market);
      st.slot.markets.delete(st.market);
      this.forgetInHandover(st.market);
      if (st.slot.markets.size === 0) this.dropSlot(st.slot);
    }
  }

  /** `{ sizeUnit }` where the instrument names the unit of its sizes (Deribit), else nothing. */
  private sizeUnitOf(market: string): { sizeUnit?: string } {
    const unit = this.ctx.instruments.get(market)?.sizeUnit;
    return unit === undefined ? {} : { sizeUnit: unit };
  }

  private findBySymbol(symbol: string): MarketState | undefined {
    for (const st of this.markets.values()) if (st.symbol === symbol) return st;
    const r = this.index?.resolve(symbol);
    return this.markets.get(r?.ok ? r.instrument.market : this.adapter.toMarket(symbol));
  }

  /** What `symbol` (unified, settle form or native id) names here; undefined when the instruments could not load. */
  async resolve(symbol: string): Promise<Resolution | undefined> {
    await this.loadInstruments();
    return this.index?.resolve(symbol);
  }

  /** The exchange's instrument list (the request symbols are validated with); throws when it could not be loaded. */
  async instruments(): Promise<Instrument[]> {
    if (!(await this.loadInstruments())) throw this.instrumentsError ?? new TwError('TW_ERR_REST_FAILED', `${this.id} instruments not loaded`);
    return [...this.ctx.instruments.values()];
  }

  /** Books this runtime maintains (for snapshots to late subscribers, health and reconciliation). */
  books(): BookView[] {
    const out: BookView[] = [];
    for (const st of this.markets.values()) {
      if (st.book) {
        const sync = st.book.sync;
        out.push({ exchange: this.id, symbol: st.symbol, market: st.market, state: sync.state, updateId: sync.updateId, sync });
      }
    }
    return out;
  }

  /** Streams (market × channel) subscribed or being retried; permanently refused ones are gone. */
  streamCount(): number {
    let n = 0;
    for (const st of this.markets.values()) n += st.channels.size;
    return n;
  }

  connections(): Array<{ id: string; open: boolean; markets: number }> {
    return this.slots.map((s) => ({ id: s.conn.id, open: s.conn.isOpen, markets: s.markets.size }));
  }

  get restScheduler(): RestScheduler {
    return this.rest;
  }

  get restUsedWeight(): number {
    return this.rest.usedWeight;
  }

  /** Fetch a REST snapshot now and cross-check it against the live book. */
  reconcileNow(symbol: string): void {
    const st = this.findBySymbol(symbol);
    st?.book?.reconcile();
  }

  close(): void {
    this.closed = true;
    this.watchdog?.unsubscribe();
    for (const r of this.refusals.values()) r.timer?.unsubscribe();
    this.refusals.clear();
    for (const st of this.markets.values()) this.stopBook(st);
    for (const h of [...this.handovers]) this.abortHandover(h, false);
    for (const slot of [...this.slots]) this.dropSlot(slot);
    this.poller?.close();
    this.rest.close();
  }

  // ---- connections ----

  private slotFor(): ConnSlot {
    const cap = Math.max(
      1,
      Math.min(this.config.symbolsPerConnection, Math.floor(this.adapter.limits.maxStreamsPerConnection / 4)),
    );
    const existing = this.slots.find((s) => s.markets.size < cap && this.handoverOf(s) === undefined);
    return existing ?? this.newSlot();
  }

  private newSlot(): ConnSlot {
    const id = `${this.id}#${++this.connSeq}`;
    const keepalive = {
      ...this.adapter.keepalive,
      ...(this.config.staleAfterMs ? { staleAfterMs: this.config.staleAfterMs } : {}),
    };
    if (this.config.pingIntervalMs && keepalive.ping) {
      keepalive.ping = { ...keepalive.ping, intervalMs: this.config.pingIntervalMs };
    }
    const slot: ConnSlot = {
      conn: undefined as unknown as Connection,
      markets: new Set(),
      opens: 0,
      lastSeq: undefined,
      sub: undefined,
      reportBudget: 10,
      suppressed: 0,
      subscribeBudget: undefined,
      ageTimer: undefined,
    };
    const perHour = this.adapter.limits.subscribeMessagesPerHour;
    if (perHour !== undefined) {
      slot.subscribeBudget = new SubscribeBudget(perHour, 3_600_000, this.deps.scheduler, (m) => slot.conn.send(m));
    }
    const conn = this.deps.createConnection({
      id,
      url: this.adapter.wsUrl(this.endpoints),
      keepalive,
      controlMessagesPerSecond: this.adapter.limits.controlMessagesPerSecond,
      // frames straight from the socket (connections that ignore it send `frame` events instead: both are handled)
      onFrame: (data, localTime, bytes) => this.onFrameEvent(slot, data, localTime, bytes),
      onOpen: () => {
        const msgs = this.subscribeAll(slot);
        slot.subscribeBudget?.reset(msgs.length);
        return msgs;
      },
      backoff: this.config.backoff,
      scheduler: this.deps.scheduler,
      clock: this.deps.clock,
      logger: this.deps.logger,
      ...(this.deps.sharedLimits ? { shared: this.deps.sharedLimits(this.endpoints.ws, this.adapter.limits) } : {}),
    });
    (slot as { conn: Connection }).conn = conn;
    this.slots.push(slot);
    return slot;
  }

  private ensureSlotRunning(slot: ConnSlot): void {
    if (slot.sub) return;
    slot.sub = slot.conn.events$.subscribe({
      next: (ev) => this.onConnectionEvent(slot, ev),
      error: (err: unknown) => this.deps.logger.error({ err, connection: slot.conn.id }, 'connection stream failed'),
    });
  }

  /** Subscribe/unsubscribe messages go through the connection's hourly budget where the exchange has one. */
  private sendSubscription(slot: ConnSlot, msgs: readonly string[]): void {
    const budget = slot.subscribeBudget;
    if (budget === undefined) {
      for (const m of msgs) slot.conn.send(m);
      return;
    }
    budget.send(msgs);
    if (budget.pending > 0) {
      this.deps.logger.warn(
        { connection: slot.conn.id, waiting: budget.pending, perHour: this.adapter.limits.subscribeMessagesPerHour },
        'subscribe/unsubscribe budget of this connection used up: messages wait for the window',
      );
    }
  }

  private dropSlot(slot: ConnSlot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.subscribeBudget?.close();
    slot.ageTimer?.unsubscribe();
    slot.sub?.unsubscribe();
    slot.conn.close();
  }

  private subscribeAll(slot: ConnSlot): string[] {
    const refs: StreamRef[] = [];
    for (const market of slot.markets) {
      const st = this.markets.get(market);
      if (st) for (const channel of st.channels) refs.push({ market, channel });
    }
    return refs.length === 0 ? [] : this.build('subscribe', refs);
  }

  /** Build (un)subscribe messages, remembering which streams each request id carried (errors name only the id). */
  private build(kind: 'subscribe' | 'unsubscribe', refs: readonly StreamRef[]): string[] {
    const ids: number[] = [];
    const msgs = this.adapter[kind](refs, this.ctx, () => {
      const id = this.reqId++;
      ids.push(id);
      return id;
    });
    if (kind === 'subscribe') {
      for (const id of ids) this.requests.set(id, [...refs]);
      // acks delete their entry; keep the map bounded if an exchange never acks
      while (this.requests.size > 1000) this.requests.delete(this.requests.keys().next().value!);
    }
    return msgs;
  }

  private onConnectionEvent(slot: ConnSlot, ev: ConnectionEvent): void {
    if (ev.kind === 'frame') {
      this.onFrameEvent(slot, ev.data, ev.localTime);
      return;
    }
    if (ev.kind === 'sent') return;
    const { kind: _kind, ...rest } = ev;
    this.deps.emit({ type: 'status', scope: 'connection', exchange: this.id, connectionId: slot.conn.id, ...rest });
    if (ev.state === 'open') {
      slot.opens++;
      slot.lastSeq = undefined;
      slot.reportBudget = 10;
      const now = this.deps.scheduler.now();
      for (const m of slot.markets) {
        const st = this.markets.get(m);
        if (st && st.slot === slot) for (const c of st.channels) st.lastData.set(c, now);
      }
      this.armAgeLimit(slot, this.config.maxConnectionAgeMs);
    } else if (ev.state === 'closed' || ev.state === 'reconnecting') {
      if (ev.state === 'reconnecting') this.deps.metrics.inc('tickwire_reconnects_total', { exchange: this.id, cause: ev.code });
      slot.ageTimer?.unsubscribe();
      slot.ageTimer = undefined;
      const h = this.handoverOf(slot);
      if (h?.to === slot) {
        if (![...h.markets.values()].some((m) => m.done)) {
          // the replacement failed before any market moved: the old connection goes on (a notice: early reconnect)
          this.abortHandover(h, h.cause === 'notice');
          return;
        }
        // some markets are on the replacement already: all move there, and its books follow the reconnect below
        this.finishHandover(h, ev.localTime);
      }
      // Every book on this connection may have missed updates: untrustworthy until resynced.
      for (const m of slot.markets) {
        const st = this.markets.get(m);
        if (st?.book && st.book.state === 'live') {
          st.book.invalidate('TW_ERR_RECONNECTED', `connection ${slot.conn.id} ${ev.state}: ${ev.reason}`, ev.localTime);
        }
      }
      // closed before every market moved over: the rest move now (their books said `resyncing` above)
      if (h !== undefined && this.handovers.has(h)) this.finishHandover(h, ev.localTime);
    }
  }

  private onFrameEvent(slot: ConnSlot, data: string, localTime: number, bytes?: Uint8Array): void {
    (this.framesTotal ??= this.deps.metrics.counter('tickwire_frames_total', { exchange: this.id })).value++;
    this.onFrame(slot, data, localTime, bytes);
  }

  private report(slot: ConnSlot, code: TwErrorCode, reason: string, localTime: number, details?: Record<string, unknown>): void {
    // At most ~10 reports per connection per second of scheduler time; suppressed ones are counted in the next.
    if (slot.reportBudget <= 0) {
      slot.suppressed++;
      return;
    }
    slot.reportBudget--;
    if (slot.reportBudget === 9) {
      this.deps.scheduler.schedule(() => {
        slot.reportBudget = 10;
      }, 1000);
    }
    const suppressed = slot.suppressed;
    slot.suppressed = 0;
    this.status(
      {
        scope: 'connection',
        state: 'error',
        code,
        reason,
        connectionId: slot.conn.id,
        details: { ...details, ...(suppressed ? { suppressedReports: suppressed } : {}) },
      },
      localTime,
    );
  }

  private onFrame(slot: ConnSlot, data: string, localTime: number, bytes?: Uint8Array): void {
    let msgs: WireMessage[];
    try {
      msgs = this.adapter.parse(data, this.ctx, bytes);
    } catch (err) {
      this.deps.metrics.inc('tickwire_malformed_frames_total', { exchange: this.id });
      this.report(slot, 'TW_ERR_MALFORMED_FRAME', `malformed frame skipped: ${(err as Error).message}`, localTime, {
        frame: data.length > 200 ? `${data.slice(0, 200)}…` : data,
      });
      this.unreadableBookData(slot, data, undefined, `unreadable frame: ${(err as Error).message}`, localTime);
      return;
    }
    for (let i = 0; i < msgs.length; i++) this.onMessage(slot, msgs[i]!, localTime, data);
  }

  private onMessage(slot: ConnSlot, msg: WireMessage, localTime: number, frame: string): void {
    switch (msg.kind) {
      case 'book': {
        const st = this.markets.get(msg.market);
        if (st?.book === undefined) return;
        if (st.slot !== slot) {
          const mh = this.replacementFor(slot, st);
          if (mh?.shadow === undefined) return;
          mh.seenData = true;
          mh.shadow.onMessage(msg, localTime);
          this.trySwitch(st, mh, localTime);
          return;
        }
        this.touch(st, 'book', localTime, msg);
        st.book.onMessage(msg, localTime);
        const mh = this.handoverOf(slot)?.markets.get(st.market);
        if (mh !== undefined) this.trySwitch(st, mh, localTime);
        return;
      }
      case 'ticker': {
        const st = this.markets.get(msg.market);
        if (st === undefined || !st.channels.has('ticker')) return;
        if (st.slot !== slot) {
          const mh = this.replacementFor(slot, st);
          if (mh !== undefined && !mh.seenData) {
            mh.seenData = true;
            this.trySwitch(st, mh, localTime);
          }
          return; // tickers of the replacement count from the switch (the merged ticker state carries over)
        }
        this.touch(st, 'ticker', localTime);
        st.ticker = st.ticker ? Object.assign(st.ticker, msg.fields) : { ...msg.fields };
        const t = st.ticker;
        this.deps.emit({
          type: 'ticker',
          exchange: this.id,
          symbol: st.symbol,
          market: st.market,
          ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
          localTime,
          ...t,
          ...this.sizeUnitOf(st.market),
        });
        return;
      }
      case 'trade': {
        const st = this.markets.get(msg.market);
        if (st === undefined || !st.channels.has('trades')) return;
        const trade = {
          type: 'trade' as const,
          exchange: this.id,
          symbol: st.symbol,
          market: st.market,
          ...(msg.exchangeTime !== undefined ? { exchangeTime: msg.exchangeTime } : {}),
          localTime,
          tradeId: msg.tradeId,
          price: msg.price,
          size: msg.size,
          side: msg.side,
          ...this.sizeUnitOf(st.market),
        };
        if (st.slot !== slot) {
          // the replacement's trades: held until the switch, then deduplicated against the old connection's
          const mh = this.replacementFor(slot, st);
          if (mh === undefined) return;
          mh.seenData = true;
          const pass = mh.onNewTrade(trade);
          if (pass) this.deps.emit(pass);
          else this.trySwitch(st, mh, localTime);
          return;
        }
        this.touch(st, 'trades', localTime);
        const h = this.handoverOf(slot);
        const mh = h?.markets.get(st.market);
        if (h !== undefined && mh !== undefined) {
          if (h.from === slot) mh.noteOldTrade(msg.tradeId);
          else if (mh.onNewTrade(trade) === undefined) return; // the old connection delivered it
        } else if (st.handedOver !== undefined && st.handedOver.lateTrade(msg.tradeId)) {
          return; // a replacement lagging behind the closed connection: delivered already
        }
        this.deps.emit(trade);
        return;
      }
      case 'derivative':
      case 'liquidation': {
        const channel = msg.kind === 'derivative' ? 'derivative' : 'liquidations';
        const st = this.markets.get(msg.market);
        if (st === undefined || !st.channels.has(channel)) return;
        if (st.slot !== slot) {
          // a replacement's: counted from the switch, which its first data of a market without a book allows (as tickers)
          const mh = this.replacementFor(slot, st);
          if (mh !== undefined && !mh.seenData) {
            mh.seenData = true;
            this.trySwitch(st, mh, localTime);
          }
          return;
        }
        this.touch(st, channel, localTime);
        if (msg.kind === 'liquidation') {
          this.deps.emit(liquidationEvent(this.id, st.symbol, msg, localTime));
          return;
        }
        this.onDerivative(msg, localTime);
        return;
      }
      case 'pong':
        slot.conn.notePong();
        return;
      case 'heartbeat':
        if (msg.reply !== undefined) slot.conn.send(msg.reply); // Deribit test_request → public/test
        return;
      case 'ack': {
        const acked = requestKey(msg.id);
        if (acked !== undefined) this.requests.delete(acked);
        return;
      }
      case 'reconnect':
        // make-before-break where possible; otherwise (a replacement itself, nothing subscribed) an early reconnect
        if (!this.startHandover(slot, 'notice', msg.reason)) {
          slot.conn.reconnect('TW_ERR_SERVER_SHUTDOWN', msg.reason, { immediate: true });
        }
        return;
      case 'sequence': {
        const prev = slot.lastSeq;
        slot.lastSeq = msg.value;
        if (prev !== undefined && msg.value > prev + 1) {
          // A per-connection sequence gap: every book on this connection may have missed updates.
          for (const m of slot.markets) {
            const book = this.bookOn(slot, m);
            if (book && book.state !== 'resyncing') {
              book.invalidate(
                'TW_ERR_SEQUENCE_GAP',
                `connection sequence jumped from ${prev} to ${msg.value}`,
                localTime,
                { connectionId: slot.conn.id, from: prev, to: msg.value },
              );
            }
          }
        }
        return;
      }
      case 'error': {
        this.deps.metrics.inc('tickwire_exchange_errors_total', { exchange: this.id });
        let targets: StreamRef[] = [];
        if (msg.market !== undefined) {
          const st = this.markets.get(msg.market);
          if (st) targets = (msg.channel ? [msg.channel] : [...st.channels]).map((channel) => ({ market: st.market, channel }));
        } else {
          const key = requestKey(msg.id);
          if (key !== undefined && this.requests.has(key)) {
            targets = this.requests.get(key)!;
            this.requests.delete(key);
          }
        }
        if (targets.length === 0) {
          this.status(
            { scope: 'connection', state: 'error', code: msg.code, reason: msg.message, connectionId: slot.conn.id },
            localTime,
          );
          return;
        }
        for (const { market, channel } of targets) {
          const st = this.markets.get(market);
          if (!st || !st.channels.has(channel)) continue;
          const mh = st.slot === slot ? undefined : this.replacementFor(slot, st);
          if (mh !== undefined) {
            // an answer on the replacement is the replacement's (handover.ts): the old book stays live
            mh.refused(channel, msg.code, msg.message, localTime, {
              connectionId: slot.conn.id,
              delayMs: (n) => backoffDelay(n, this.config.backoff, this.deps.random),
              status: (e) => this.status(e, localTime),
              retry: (ch, ms) => void this.deps.scheduler.schedule(() => {
                const wanted = this.markets.get(market) === st && st.channels.has(ch) && (st.slot === slot || this.replacementFor(slot, st) === mh) && mh.wantsRetry(ch);
                if (!this.closed && wanted && slot.conn.isOpen) this.sendSubscription(slot, this.build('subscribe', [{ market, channel: ch }]));
              }, ms),
            });
            continue;
          }
          // a book message of this market could not be read: the book lost an update
          if (msg.code === 'TW_ERR_MALFORMED_FRAME') {
            this.status({ scope: 'stream', state: 'error', code: msg.code, reason: msg.message, symbol: st.symbol, market, channel }, localTime);
            if (channel === 'book' && st.book?.state === 'live') {
              st.book.invalidate('TW_ERR_MALFORMED_FRAME', `unreadable book message: ${msg.message}`, localTime);
            }
            continue;
          }
          this.onRefused(st, channel, msg.code, msg.message, localTime);
        }
        return;
      }
      case 'malformed':
        this.deps.metrics.inc('tickwire_malformed_frames_total', { exchange: this.id });
        this.report(slot, 'TW_ERR_MALFORMED_FRAME', `malformed message skipped: ${msg.reason}`, localTime, {
          frame: frame.length > 200 ? `${frame.slice(0, 200)}…` : frame,
        });
        if (msg.channel === 'book') this.unreadableBookData(slot, frame, msg.market, `unreadable book message: ${msg.reason}`, localTime);
        return;
      case 'unknown':
        this.deps.metrics.inc('tickwire_unknown_messages_total', { exchange: this.id });
        this.report(slot, 'TW_ERR_UNKNOWN_MESSAGE', `unknown message skipped: ${msg.reason}`, localTime, {
          frame: frame.length > 200 ? `${frame.slice(0, 200)}…` : frame,
        });
        return;
    }
  }

  /**
   * The exchange refused a subscription of `channel` (first subscribe or a re-subscribe after a reconnect or a
   * resync). Permanent — an unknown symbol that the instrument list does not contradict (not listed, or the list
   * could not be loaded): the stream is removed (status `error`). Anything else — rate limits, maintenance, an
   * "invalid symbol" for a symbol the exchange lists as trading, any other error — is transient: status `error`
   * with `details.retryInMs`, the book (not receiving data) is marked `resyncing`, and the stream is subscribed
   * again after a capped, jittered backoff, for as long as it is wanted (the attempt count resets when its data
   * flows).
   */
  private onRefused(st: MarketState, channel: Channel, code: TwCode, message: string, localTime: number): void {
    const listed = this.index?.market(st.market)?.trading === true;
    const base = { scope: 'stream' as const, state: 'error' as const, code, reason: message, symbol: st.symbol, market: st.market, channel };
    if (code === 'TW_ERR_UNKNOWN_SYMBOL' && !listed) {
      this.remove(st.symbol, [channel]); // before the status: a consumer counting what is left sees it gone
      this.status({ ...base, details: { permanent: true } }, localTime);
      return;
    }
    const key = `${st.market}|${channel}`;
    let r = this.refusals.get(key);
    if (r === undefined) this.refusals.set(key, (r = { attempt: 0, timer: undefined }));
    r.attempt++;
    const retryInMs = backoffDelay(r.attempt, this.config.backoff, this.deps.random);
    this.status({ ...base, details: { permanent: false, attempt: r.attempt, retryInMs } }, localTime);
    if (channel === 'book' && st.book?.state === 'live') st.book.invalidate(code === 'TW_OK' ? 'TW_ERR_EXCHANGE_ERROR' : code, `subscription refused: ${message}`, localTime, { retryInMs }, false);
    r.timer?.unsubscribe();
    const entry = r;
    r.timer = this.deps.scheduler.schedule(() => {
      entry.timer = undefined;
      const cur = this.markets.get(st.market);
      if (this.closed || cur === undefined || !cur.channels.has(channel) || !cur.slot.conn.isOpen) return; // an open re-sends all
      this.sendSubscription(cur.slot, this.build('subscribe', [{ market: cur.market, channel }]));
    }, retryInMs);
  }

  /**
   * A frame that may have carried book data could not be read: the books it was for lost an update. The books it
   * names (`market`, or the connection's market ids found in its text) are resynced. A frame that names none
   * could have been for any book of the connection: books whose feed proves continuity (a per-book chain or a
   * checksum) will catch the loss on their next message; every other book of the connection is resynced now.
   */
  private unreadableBookData(slot: ConnSlot, frame: string, market: string | undefined, reason: string, localTime: number): void {
    const named = market !== undefined ? [market] : marketsNamedIn(frame, slot.markets);
    const targets = named.length > 0 ? named : this.unprovenAfterLoss() ? [...slot.markets] : [];
    for (const m of targets) {
      const book = this.bookOn(slot, m);
      if (book?.state === 'live') book.invalidate('TW_ERR_MALFORMED_FRAME', reason, localTime, { connectionId: slot.conn.id });
    }
  }

  private clearRefusal(market: string, channel: Channel): void {
    const key = `${market}|${channel}`;
    const r = this.refusals.get(key);
    if (r === undefined) return;
    r.timer?.unsubscribe();
    this.refusals.delete(key);
  }

  /** Can this feed's books not tell, from their next message, that a message was lost? (see unreadableBookData) */
  private unprovenAfterLoss(): boolean {
    const rules = this.adapter.book;
    return rules.integrity !== 'chained' && rules.integrity !== 'checksum';
  }

  private touch(st: MarketState, channel: Channel, localTime: number, bookMsg?: DeltaMessage): void {
    const now = this.deps.scheduler.now();
    const before = st.lastData.get(channel);
    st.lastData.set(channel, now);
    if (this.refusals.size > 0) this.clearRefusal(st.market, channel);
    // A pause of a book's data shorter than the no-data timeout (see pauseBreaksContinuity)
    const pauseMs = this.config.bookPauseMs;
    if (
      bookMsg?.action === 'delta' &&
      pauseMs > 0 &&
      before !== undefined &&
      now - before >= pauseMs &&
      st.book?.state === 'live' &&
      this.pauseBreaksContinuity()
    ) {
      st.book.invalidate(
        'TW_ERR_NO_DATA',
        `book data paused ${now - before} ms (book pause limit ${pauseMs} ms): this feed cannot prove nothing was missed`,
        localTime,
        { connectionId: st.slot.conn.id, pauseMs: now - before },
      );
    }
    if (st.noData.delete(channel)) {
      // `subscribed`, not `live`: for a book, only its sync says whether the data that resumed still chains
      this.status(
        { scope: 'stream', state: 'subscribed', code: 'TW_OK', reason: `${channel} data resumed`, symbol: st.symbol, market: st.market, channel },
        localTime,
      );
      // A book that cannot prove continuity across a silence (see silenceBreaksContinuity) and resumes with a
      // delta — not with the snapshot of the resubscribe sent when it went silent — may have missed updates: what
      // it missed is unknowable, so it is resynced (again, also when a resubscribe's snapshot never came).
      if (bookMsg?.action === 'delta' && st.book && this.silenceBreaksContinuity()) {
        st.book.invalidate(
          'TW_ERR_NO_DATA',
          'book data resumed after a silence this feed cannot prove was lossless',
          localTime,
          { connectionId: st.slot.conn.id },
        );
      }
    }
  }

  /**
   * Does any pause of a book's data (from `bookPauseMs`, shorter than the no-data timeout) break its trust? For
   * feeds whose messages carry no per-book proof — `monotonic`/`none` (Coinbase Exchange) and a chain carried
   * by the connection (Coinbase Advanced Trade): the exchange may have stopped and resumed sending this book (or
   * its updates were lost upstream) and nothing in the next message tells. A per-book chain proves it on the next
   * delta; a checksum verifies the book (its checksummed levels) after every message. A data pause of such a book
   * that resumes with a delta (not a snapshot) therefore resyncs it. The cost: a genuinely quiet book of these feeds
   * is re-snapshotted when it wakes up after `bookPauseMs`.
   */
  private pauseBreaksContinuity(): boolean {
    const rules = this.adapter.book;
    return rules.integrity === 'monotonic' || rules.integrity === 'none' || rules.chainScope === 'connection';
  }

  /**
   * Does a silence break this book's trust? Not when its own update ids chain (`chained`, chain per book): data
   * that resumes then proves (or disproves, and resyncs) that nothing was missed, and a quiet book is just a quiet
   * market. Every other book cannot tell "no updates" from "updates lost" or "the exchange stopped sending this
   * stream": a checksum covers only its top levels, an unchained feed (`monotonic`/`none`) has no proof at all,
   * and a chain carried by the connection (`chainScope: 'connection'`) stays contiguous when the exchange closes
   * one channel (e.g. channels closed after a time without heartbeats), so the book would freeze while reported
   * live. Such books are invalidated (`resyncing`) and resubscribed (in-band) or re-snapshotted (REST) when they
   * go NO_DATA, and again when their data resumes with a delta instead of the fresh snapshot. A genuinely quiet
   * book of such a feed is therefore re-snapshotted once per no-data timeout: correct, and cheap next to serving a
   * frozen book as live.
   */
  private silenceBreaksContinuity(): boolean {
    const rules = this.adapter.book;
    return rules.integrity !== 'chained' || rules.chainScope === 'connection';
  }

  // ---- books ----

  private startBook(st: MarketState): void {
    st.book = this.createBook(st, () => st.slot, this.deps.emit);
  }

  /** A book driver of `st` whose data comes from the connection `slotOf()` returns, its events to `emit`. */
  private createBook(st: MarketState, slotOf: () => ConnSlot, emit: (e: UnstampedEvent) => void): BookDriver {
    return new BookDriver({
      exchange: this.id,
      symbol: st.symbol,
      market: st.market,
      rules: this.adapter.book,
      subscribedDepth: this.config.bookDepth ?? 0,
      contractValue: this.ctx.instruments.get(st.market)?.contractValue,
      sizeUnit: this.ctx.instruments.get(st.market)?.sizeUnit,
      snapshotDepth: this.config.snapshotDepth,
      firstSnapshotDepth: this.config.firstSnapshotDepth,
      reconcileIntervalMs: this.config.reconcileIntervalMs,
      bookCheckIntervalMs: this.config.bookCheckIntervalMs,
      rest: this.rest,
      scheduler: this.deps.scheduler,
      clock: this.deps.clock,
      logger: this.deps.logger,
      metrics: this.deps.metrics,
      emit,
      isOpen: () => slotOf().conn.isOpen,
      resubscribe: () => this.resubscribeBook(st, slotOf()),
    });
  }

  private stopBook(st: MarketState): void {
    st.book?.stop();
    st.book = undefined;
  }

  private resubscribeBook(st: MarketState, slot: ConnSlot): void {
    if (!slot.conn.isOpen) return; // the next open re-sends every subscription
    const refs = [{ market: st.market, channel: 'book' as const }];
    this.sendSubscription(slot, [...this.build('unsubscribe', refs), ...this.build('subscribe', refs)]);
  }

  /** The book of `market` that `slot` feeds: the market's own, or its shadow on a replacement connection. */
  private bookOn(slot: ConnSlot, market: string): BookDriver | undefined {
    const st = this.markets.get(market);
    if (st === undefined) return undefined;
    if (st.slot === slot) return st.book;
    return this.replacementFor(slot, st)?.shadow;
  }

  // ---- make-before-break (handover.ts) ----

  private handoverOf(slot: ConnSlot): SlotHandover<ConnSlot> | undefined {
    for (const h of this.handovers) if (h.from === slot || h.to === slot) return h;
    return undefined;
  }

  /** The pending handover of `st` when `slot` is the connection replacing its current one. */
  private replacementFor(slot: ConnSlot, st: MarketState): MarketHandover | undefined {
    const h = this.handoverOf(slot);
    if (h?.to !== slot || h.from !== st.slot) return undefined;
    const mh = h.markets.get(st.market);
    return mh?.done === false ? mh : undefined;
  }

  /**
   * Replace `from` by a new connection carrying the same streams, moving each market over once the replacement
   * has it (see handover.ts); `from` is closed when the last market moved. False when not applicable (`from` is
   * part of a handover already, carries nothing, or the runtime is closing).
   */
  private startHandover(from: ConnSlot, cause: HandoverCause, reason: string): boolean {
    if (this.closed || from.markets.size === 0 || this.handoverOf(from) !== undefined || !this.slots.includes(from)) return false;
    const to = this.newSlot();
    const h: SlotHandover<ConnSlot> = { from, to, cause, reason, markets: new Map(), timer: undefined };
    for (const market of from.markets) {
      const st = this.markets.get(market);
      if (st === undefined) continue;
      to.markets.add(market);
      const mh = new MarketHandover(market);
      if (st.book !== undefined) {
        mh.shadow = this.createBook(st, () => to, (e) => (mh.done ? this.deps.emit(e) : mh.hold(e)));
      }
      h.markets.set(market, mh);
    }
    this.handovers.add(h);
    this.deps.logger.info({ from: from.conn.id, to: to.conn.id, cause, reason }, 'replacing connection (make-before-break)');
    // a replacement not ready in time: the markets still waiting move over anyway (see finishHandover)
    h.timer = this.deps.scheduler.schedule(() => {
      h.timer = undefined;
      if (this.handovers.has(h)) this.finishHandover(h, this.now);
    }, this.config.noDataTimeoutMs);
    this.ensureSlotRunning(to);
    return true;
  }

  private trySwitch(st: MarketState, mh: MarketHandover, localTime: number): void {
    const h = this.handoverOf(st.slot);
    if (h === undefined || mh.done) return;
    const plan = mh.plan(st.book?.state, st.book?.sync.updateId);
    if (plan.kind === 'wait') return;
    this.switchMarket(h, st, mh, localTime, plan.kind === 'chain' ? plan.deltas : undefined);
    if ([...h.markets.values()].every((m) => m.done)) this.finishHandover(h, localTime);
  }

  /** Move `st` to the replacement: its held deltas (`chain`) or a fresh snapshot continue the consumer's book. */
  private switchMarket(
    h: SlotHandover<ConnSlot>,
    st: MarketState,
    mh: MarketHandover,
    localTime: number,
    chain: readonly UnstampedEvent[] | undefined,
  ): void {
    mh.done = true;
    st.handedOver = mh;
    const old = st.book;
    if (mh.shadow !== undefined) {
      old?.stop();
      st.book = mh.shadow;
      if (mh.shadow.state === 'live') {
        if (chain !== undefined) for (const d of chain) this.deps.emit(d);
        else this.deps.emit(mh.shadow.sync.snapshotEvent(localTime));
        if (old?.state !== 'live') {
          this.status(
            { scope: 'stream', state: 'live', code: 'TW_OK', reason: 'book synced', symbol: st.symbol, market: st.market, channel: 'book', details: { updateId: mh.shadow.sync.updateId } },
            localTime,
          );
        }
      } else if (old?.state === 'live') {
        // not live on the replacement in time: explicitly untrustworthy until it is (its sync emits the snapshot)
        this.status(
          { scope: 'stream', state: 'resyncing', code: 'TW_ERR_SERVER_SHUTDOWN', reason: `connection ${h.from.conn.id} replaced before this book was live on ${h.to.conn.id}`, symbol: st.symbol, market: st.market, channel: 'book' },
          localTime,
        );
      }
    }
    h.from.markets.delete(st.market);
    st.slot = h.to;
    const now = this.deps.scheduler.now();
    for (const c of st.channels) st.lastData.set(c, now);
    for (const t of mh.takeTrades()) this.deps.emit(t);
  }

  /** Every market still on `from` moves to the replacement now; `from` is closed. */
  private finishHandover(h: SlotHandover<ConnSlot>, localTime: number): void {
    for (const mh of h.markets.values()) {
      const st = this.markets.get(mh.market);
      if (mh.done || st === undefined) continue;
      const plan = mh.plan(st.book?.state, st.book?.sync.updateId);
      this.switchMarket(h, st, mh, localTime, plan.kind === 'chain' ? plan.deltas : undefined);
    }
    h.timer?.unsubscribe();
    this.handovers.delete(h);
    this.dropSlot(h.from);
    this.status(
      {
        scope: 'connection',
        state: 'closed',
        code: h.cause === 'notice' ? 'TW_ERR_SERVER_SHUTDOWN' : 'TW_OK',
        reason: `replaced by ${h.to.conn.id} (make-before-break: ${h.reason})`,
        connectionId: h.from.conn.id,
        details: { replacedBy: h.to.conn.id, cause: h.cause },
      },
      localTime,
    );
  }

  /** The replacement is given up: its shadows stopped, it is closed; `from` goes on (and reconnects if `reconnect`). */
  private abortHandover(h: SlotHandover<ConnSlot>, reconnect: boolean): void {
    h.timer?.unsubscribe();
    this.handovers.delete(h);
    for (const mh of h.markets.values()) mh.shadow?.stop();
    this.deps.logger.warn({ from: h.from.conn.id, to: h.to.conn.id }, 'replacement connection failed; keeping the old one');
    this.dropSlot(h.to);
    if (reconnect && this.slots.includes(h.from)) h.from.conn.reconnect('TW_ERR_SERVER_SHUTDOWN', h.reason, { immediate: true });
  }

  /** Replace `slot` after `delayMs` (its age limit); retried while it is busy in another handover. */
  private armAgeLimit(slot: ConnSlot, delayMs: number): void {
    const maxAge = this.config.maxConnectionAgeMs;
    slot.ageTimer?.unsubscribe();
    slot.ageTimer = undefined;
    if (maxAge <= 0) return;
    slot.ageTimer = this.deps.scheduler.schedule(() => {
      slot.ageTimer = undefined;
      if (this.closed || !this.slots.includes(slot) || !slot.conn.isOpen) return;
      if (!this.startHandover(slot, 'age', `connection ${slot.conn.id} reached maxConnectionAgeMs ${maxAge}`) && slot.markets.size > 0) {
        this.armAgeLimit(slot, Math.min(maxAge, 5_000));
      }
    }, delayMs);
  }

  private forgetInHandover(market: string): void {
    for (const h of this.handovers) {
      const mh = h.markets.get(market);
      if (mh === undefined) continue;
      if (!mh.done) mh.shadow?.stop();
      h.markets.delete(market);
      h.to.markets.delete(market);
      h.from.markets.delete(market);
    }
  }

  private onRestEvent(code: TwErrorCode, reason: string, details: Record<string, unknown>, key?: string): void {
    this.deps.metrics.inc('tickwire_rest_errors_total', { exchange: this.id, code });
    const st = key !== undefined ? this.markets.get(key) : undefined;
    if (st) {
      this.status({ scope: 'stream', state: 'error', code, reason, symbol: st.symbol, market: st.market, channel: 'book', details });
    } else {
      this.status({ scope: 'connection', state: 'error', code, reason, connectionId: `rest:${this.endpoints.rest}`, details });
    }
  }

  // ---- no-data watchdog ----

  private ensureWatchdog(): void {
    if (this.watchdog) return;
    const timeout = this.config.noDataTimeoutMs;
    const period = Math.max(50, Math.min(1000, Math.floor(timeout / 4)));
    this.watchdog = interval(period, this.deps.scheduler).subscribe(() => this.checkNoData(timeout));
  }

  private checkNoData(timeout: number): void {
    const now = this.deps.scheduler.now();
    for (const st of this.markets.values()) {
      if (!st.slot.conn.isOpen) continue;
      for (const channel of st.channels) {
        // Trades may be legitimately quiet for long: only books and tickers are watched.
        // trades and liquidations may rightly be silent for long
        if (channel === 'trades' || channel === 'liquidations' || st.noData.has(channel)) continue;
        const last = st.lastData.get(channel) ?? now;
        if (now - last >= timeout) {
          st.noData.add(channel);
          this.deps.metrics.inc('tickwire_no_data_total', { exchange: this.id });
          this.status({
            scope: 'stream',
            state: 'no_data',
            code: 'TW_ERR_NO_DATA',
            reason: `no ${channel} data for ${now - last} ms on a healthy connection (unknown stream, or the exchange stopped sending)`,
            symbol: st.symbol,
            market: st.market,
            channel,
            connectionId: st.slot.conn.id,
          });
          if (channel === 'book' && st.book && this.silenceBreaksContinuity()) {
            st.book.invalidate(
              'TW_ERR_NO_DATA',
              `book silent for ${now - last} ms on a healthy connection: its feed cannot prove the book is still current`,
              this.now,
              { connectionId: st.slot.conn.id },
            );
          }
        }
      }
    }
  }
}

export type { DeltaMessage, AdapterContext };

/** Request ids are numbers tickwire generated; some exchanges echo them as strings (OKX `"id":"12"`). */
function requestKey(id: string | number | undefined): number | undefined {
  if (typeof id === 'number') return id;
  if (typeof id === 'string' && /^\d+$/.test(id)) return Number(id);
  return undefined;
}
