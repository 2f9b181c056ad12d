/**
 * Everything tickwire runs for one exchange, as the wiring of units that each own one concern:
 *
 * - `Instruments` (instruments.ts): the instrument list, symbol validation and resolution;
 * - `ConnectionPool` (connection-pool.ts): markets packed into connections within the exchange's limits;
 * - `RequestIds` (request-ids.ts): which streams each subscribe request carried;
 * - `FrameRouter` (frame-router.ts): each parsed message to its market's handler below (`RouterSink`);
 * - `StreamErrors` + `Refusals` (stream-errors.ts, refusals.ts): error replies, refusals and their retries;
 * - `ReportThrottle` (report-throttle.ts): malformed/unknown-frame reports per connection;
 * - `StreamActivity` + `NoDataWatchdog` (no-data.ts): silent streams; continuity.ts: what a silence means for a book;
 * - ticker/trade/derivative events (market-events.ts, derivative-events.ts);
 * - `BookDriver` (book-driver.ts): one book's sync and its I/O;
 * - `Handovers` (handovers.ts, handover.ts): make-before-break replacement of connections.
 * - `RestPoller` (rest-poller.ts): derivative fields an exchange gives only over REST (Binance open interest).
 *
 * This class owns the markets and routes between the units. Adapters stay pure; every timer runs on the injected
 * scheduler.
 */
import type { SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import { DEFAULT_CHANNELS, type Channel, type ExchangeId, type UnstampedEvent } from '../schema/events.js';
import type { TwErrorCode } from '../errors.js';
import type { AdapterContext, DeltaMessage, Endpoints, ExchangeAdapter, FrameParser, Instrument, WireMessage } from '../exchanges/types.js';
import { BookDriver } from './book-driver.js';
import { RestScheduler } from '../rest/index.js';
import type { TickwireConfig } from '../config.js';
import type { Resolution } from './resolve.js';
import { ConnectionPool, type ConnSlot } from './connection-pool.js';
import { RequestIds } from './request-ids.js';
import { Refusals } from './refusals.js';
import { StreamErrors } from './stream-errors.js';
import { FrameRouter } from './frame-router.js';
import { Handovers } from './handovers.js';
import type { MarketHandover } from './handover.js';
import { Instruments } from './instruments.js';
import { continuityFacts, type ContinuityFacts } from './continuity.js';
import { NoDataWatchdog, StreamActivity } from './no-data.js';
import type { MarketState } from './market-state.js';
import type { BookView, RuntimeDeps, StatusFields } from './runtime-types.js';
import { pollerFor, type RestPoller } from './rest-poller.js';
import { MarketHandlers } from './market-handlers.js';

export class ExchangeRuntime {
  readonly id: ExchangeId;
  readonly markets = new Map<string, MarketState>();
  readonly pool: ConnectionPool;
  readonly requests = new RequestIds();
  readonly refusals: Refusals;
  readonly handovers: Handovers;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly facts: ContinuityFacts;
  readonly ctx: AdapterContext & { instruments: Map<string, Instrument> };
  private readonly endpoints: Endpoints;
  /** The adapter's parser with its own working state (a scanner's buffers), or the adapter's stateless `parse`. */
  private readonly parser: FrameParser;
  private readonly rest: RestScheduler;
  private readonly instrumentList: Instruments;
  private readonly router: FrameRouter;
  private readonly errors: StreamErrors;
  private readonly watchdog: NoDataWatchdog;
  /** REST-only derivative fields (Binance open interest), polled for the `derivative` markets (rest-poller.ts). */
  private readonly poller: RestPoller | undefined;
  private framesTotal: { value: number } | undefined;
  closed = false;

  constructor(
    readonly adapter: ExchangeAdapter,
    readonly config: TickwireConfig,
    readonly deps: RuntimeDeps,
  ) {
    this.id = adapter.id;
    this.scheduler = deps.scheduler;
    this.logger = deps.logger;
    this.parser = adapter.newParser?.({ levelSpans: deps.levelSpans }) ?? adapter;
    this.facts = continuityFacts(adapter.book);
    this.endpoints = config.endpoints[adapter.id] ?? adapter.defaultEndpoints;
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
    this.instrumentList = new Instruments(this.id, adapter, this.rest, (e) => !this.closed && (this.status(e), true));
    this.ctx = { bookDepth: config.bookDepth ?? 0, instruments: this.instrumentList.byMarket, nowMs: () => Math.floor(deps.clock.nowMicros() / 1000) };
    this.refusals = new Refusals(deps.scheduler, config.backoff, deps.random);
    this.handovers = new Handovers(this); // uses the pool only once running
    const handlers = new MarketHandlers(this);
    this.pool = new ConnectionPool(adapter, this.endpoints, config, deps, {
      onFrame: (slot, data, localTime, bytes) => this.onFrame(slot, data, localTime, bytes),
      onOpen: (slot) => handlers.subscribeAll(slot),
      onEvent: (slot, ev) => handlers.onConnectionEvent(slot, ev),
    });
    this.router = new FrameRouter(this, handlers);
    this.errors = handlers.errors = new StreamErrors(this);
    this.watchdog = new NoDataWatchdog(config.noDataTimeoutMs, deps.scheduler, (timeout) => handlers.checkNoData(timeout));
    this.poller = pollerFor(adapter, config.openInterestIntervalMs, {
      scheduler: deps.scheduler,
      fetch: (req, opts) => this.rest.request(req, opts),
      onMessage: (msg) => handlers.derivativeUpdate(msg, this.nowMicros()),
      logger: deps.logger,
      metrics: deps.metrics,
    });
  }

  /** The channels the exchange offers (the adapter's, else ticker, book, trades). */
  get channels(): readonly Channel[] {
    return this.adapter.channels ?? DEFAULT_CHANNELS;
  }

  // what the units read of the runtime (HandoverHost, StreamErrorsHost, RouterState)
  get backoff(): TickwireConfig['backoff'] { return this.config.backoff; }
  get random(): (() => number) | undefined { return this.deps.random; }
  get unprovenAfterLoss(): boolean { return this.facts.unprovenAfterLoss; }
  replacementFor(slot: ConnSlot, st: MarketState): MarketHandover | undefined { return this.handovers.replacementFor(slot, st); }

  nowMicros(): number {
    return this.deps.clock.nowMicros();
  }

  emit(e: UnstampedEvent): void {
    this.deps.emit(e);
  }

  status(e: StatusFields, localTime = this.nowMicros()): void {
    this.deps.emit({ type: 'status', exchange: this.id, localTime, ...e });
  }

  /**
   * Subscribe `symbol` on `channels`. Resolves false (after an error status) when the symbol is unknown.
   * Adding channels to a market already streaming extends its subscription on the same connection.
   */
  async add(symbol: string, channels: readonly Channel[]): Promise<boolean> {
    const validated = await this.instrumentList.load();
    if (this.closed) return false;
    const r = this.instrumentList.resolve(symbol);
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
      const slot = this.pool.slotFor((s) => this.handovers.of(s) !== undefined);
      st = {
        symbol: inst?.symbol ?? symbol,
        market,
        channels: new Set(),
        slot,
        ticker: undefined,
        derivative: undefined,
        book: undefined,
        activity: new StreamActivity(),
      };
      this.markets.set(market, st);
      slot.markets.add(market);
    }
    const now = this.scheduler.now();
    for (const c of fresh) {
      st.channels.add(c);
      st.activity.restart([c], now);
      if (c === 'book') st.book = this.createBook(st, () => st.slot, this.deps.emit);
      if (c === 'derivative') this.poller?.add(market);
    }
    const refs = fresh.map((channel) => ({ market, channel }));
    if (st.slot.conn.isOpen) this.pool.send(st.slot, this.requests.build(this.adapter, 'subscribe', refs, this.ctx));
    this.pool.run(st.slot);
    this.watchdog.start();
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
      this.pool.send(st.slot, this.requests.build(this.adapter, 'unsubscribe', refs, this.ctx));
    }
    for (const c of gone) {
      this.refusals.clear(st.market, c);
      st.channels.delete(c);
      st.activity.forget(c);
      if (c === 'book') this.stopBook(st);
      if (c === 'ticker') st.ticker = undefined;
      if (c === 'derivative') {
        st.derivative = undefined;
        this.poller?.remove(st.market);
      }
    }
    if (st.channels.size === 0) {
      this.markets.delete(st.market);
      st.slot.markets.delete(st.market);
      this.handovers.forget(st.market);
      if (st.slot.markets.size === 0) this.pool.drop(st.slot);
    }
  }

  private findBySymbol(symbol: string): MarketState | undefined {
    for (const st of this.markets.values()) if (st.symbol === symbol) return st;
    return this.markets.get(this.instrumentList.marketOf(symbol));
  }

  /** What `symbol` (unified, settle form or native id) names here; undefined when the instruments could not load. */
  async resolve(symbol: string): Promise<Resolution | undefined> {
    await this.instrumentList.load();
    return this.instrumentList.resolve(symbol);
  }

  /** The exchange's instrument list (the request symbols are validated with); throws when it could not be loaded. */
  instruments(): Promise<Instrument[]> {
    return this.instrumentList.all();
  }

  listedAsTrading(market: string): boolean {
    return this.instrumentList.listedAsTrading(market);
  }

  sizeUnitOf(market: string): string | undefined {
    return this.instrumentList.sizeUnitOf(market);
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
    return this.pool.list().map((s) => ({ id: s.conn.id, open: s.conn.isOpen, markets: s.markets.size }));
  }

  get restScheduler(): RestScheduler {
    return this.rest;
  }

  get restUsedWeight(): number {
    return this.rest.usedWeight;
  }

  /** Fetch a REST snapshot now and cross-check it against the live book. */
  reconcileNow(symbol: string): void {
    this.findBySymbol(symbol)?.book?.reconcile();
  }

  close(): void {
    this.closed = true;
    this.watchdog.stop();
    this.refusals.close();
    for (const st of this.markets.values()) this.stopBook(st);
    this.handovers.close();
    this.pool.close();
    this.poller?.close();
    this.rest.close();
  }

  // ---- frames (the hot path) ----

  private onFrame(slot: ConnSlot, data: string, localTime: number, bytes?: Uint8Array): void {
    (this.framesTotal ??= this.deps.metrics.counter('tickwire_frames_total', { exchange: this.id })).value++;
    let msgs: WireMessage[];
    try {
      msgs = this.parser.parse(data, this.ctx, bytes);
    } catch (err) {
      this.deps.metrics.inc('tickwire_malformed_frames_total', { exchange: this.id });
      this.report(slot, 'TW_ERR_MALFORMED_FRAME', `malformed frame skipped: ${(err as Error).message}`, localTime, {
        frame: data.length > 200 ? `${data.slice(0, 200)}…` : data,
      });
      this.errors.unreadableBookData(slot, data, undefined, `unreadable frame: ${(err as Error).message}`, localTime);
      return;
    }
    for (let i = 0; i < msgs.length; i++) this.router.route(slot, msgs[i]!, localTime, data);
  }

  /** A `frame` event of a connection that does not take `onFrame`. */
  onFrameEvent(slot: ConnSlot, data: string, localTime: number): void {
    this.onFrame(slot, data, localTime);
  }

  /** A malformed/unknown report, throttled per connection (report-throttle.ts). */
  report(slot: ConnSlot, code: TwErrorCode, reason: string, localTime: number, details?: Record<string, unknown>): void {
    const suppressed = slot.reports.take();
    if (suppressed < 0) return;
    this.status(
      { scope: 'connection', state: 'error', code, reason, connectionId: slot.conn.id, details: { ...details, ...(suppressed ? { suppressedReports: suppressed } : {}) } },
      localTime,
    );
  }

  // ---- books ----

  /** A book driver of `st` whose data comes from the connection `slotOf()` returns, its events to `emit`. */
  createBook(st: MarketState, slotOf: () => ConnSlot, emit: (e: UnstampedEvent) => void): BookDriver {
    const inst = this.instrumentList.byMarket.get(st.market);
    return new BookDriver({
      exchange: this.id,
      symbol: st.symbol,
      market: st.market,
      rules: this.adapter.book,
      subscribedDepth: this.config.bookDepth ?? 0,
      contractValue: inst?.contractValue,
      sizeUnit: inst?.sizeUnit,
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
    this.pool.send(slot, [...this.requests.build(this.adapter, 'unsubscribe', refs, this.ctx), ...this.requests.build(this.adapter, 'subscribe', refs, this.ctx)]);
  }

  /** Subscribe `market` `channel` again on `slot`. */
  resubscribe(slot: ConnSlot, market: string, channel: Channel): void {
    this.pool.send(slot, this.requests.build(this.adapter, 'subscribe', [{ market, channel }], this.ctx));
  }

  /** The book of `market` that `slot` feeds: the market's own, or its shadow on a replacement connection. */
  bookOn(slot: ConnSlot, market: string): BookDriver | undefined {
    const st = this.markets.get(market);
    if (st === undefined) return undefined;
    if (st.slot === slot) return st.book;
    return this.handovers.replacementFor(slot, st)?.shadow;
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
}

export type { DeltaMessage, AdapterContext, BookView, RuntimeDeps };
