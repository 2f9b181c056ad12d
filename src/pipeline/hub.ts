/**
 * The hub: one running pipeline. It owns an ExchangeRuntime per exchange, stamps `seq`/`epoch` on every event and
 * publishes them on one hot stream. Streams can be added and removed live (the local server does).
 */
import { Observable, asyncScheduler, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Logger } from 'pino';
import { silentLogger } from '../util/silent-logger.js';
import type { Channel, ExchangeId, MarketEvent, StatusEvent, UnstampedEvent } from '../schema/events.js';
import type { TickwireConfig } from '../config.js';
import { loadAdapter } from '../exchanges/registry.js';
import { TwError } from '../errors.js';
import type { ExchangeAdapter, Instrument } from '../exchanges/types.js';
import type { Resolution } from './resolve.js';
import { createConnection as defaultCreateConnection, type Connection, type ConnectionOptions } from '../connection/index.js';
import type { HttpGet } from '../rest/index.js';
import { systemClock, type Clock } from '../util/clock.js';
import { ExchangeRuntime, type BookView } from './exchange-runtime.js';
import { Stamper, makeEpoch } from './stamper.js';
import { Metrics } from './metrics.js';
import { BarBuilder } from '../bars/bar-builder.js';
import { LoadQueue } from './load-queue.js';
import { hostLimits } from './host-limits.js';
import { EventCounters } from './event-counters.js';
import type { LevelSpans } from '../book/level-spans.js';

export interface HubDeps {
  scheduler?: SchedulerLike;
  clock?: Clock;
  logger?: Logger;
  createConnection?: (opts: ConnectionOptions) => Connection;
  http?: HttpGet;
  /** Jitter source in [0, 1) for REST backoff; default Math.random (a recording injects a seeded one). */
  random?: () => number;
  /**
   * Adapters to use instead of the keyless ones (e.g. `await adaptersFromEnv(process.env)` for credentials). An
   * exchange not given here has its adapter loaded when the hub first needs it.
   */
  adapters?: Partial<Record<ExchangeId, ExchangeAdapter>>;
  /** @internal Scanners record where their frames' level arrays lie, for the CLI's NDJSON sink (book/level-spans.ts). */
  levelSpans?: LevelSpans;
}

/** What an operation waiting for an exchange's runtime gets: it, the adapter's load failure, or undefined (the hub closed). */
type RuntimeOutcome = ExchangeRuntime | TwError | undefined;

export interface StreamSpec {
  exchange: ExchangeId;
  symbol: string;
  channel: Channel;
}

export class Hub {
  readonly metrics = new Metrics();
  readonly epoch: string;
  readonly startedAt: number;
  /**
   * The subscribers of `events$`, replaced (never mutated) on subscribe/unsubscribe so that an emit loop is not
   * disturbed by a subscriber leaving. A hand-rolled multicast instead of a Subject: a Subject's `next` allocates an
   * error-context closure and an iterator per event, which at 200k events/s is a measurable share of the GC load.
   */
  private observers: readonly Subscriber<MarketEvent>[] = [];
  private readonly stamper: Stamper;
  /** tickwire_events_total per exchange and type. */
  private readonly eventCounters = new EventCounters(this.metrics);
  private readonly runtimes = new Map<ExchangeId, ExchangeRuntime>();
  /**
   * Exchanges whose adapter is being loaded, with the operations asked meanwhile (add, resolve, instruments,
   * remove): they run in the order asked once the runtime exists, the load failed, or the hub closed.
   */
  private readonly loading = new LoadQueue<ExchangeId, RuntimeOutcome>();
  /**
   * The second runtime of an exchange whose adapter has a `companion` (Binance USD-M's `/market` path): it carries the
   * companion's channels, shares the main runtime's REST scheduler (one weight budget per host) and emits under the
   * same exchange id. Created with the main runtime.
   */
  private readonly companions = new Map<ExchangeId, { channels: readonly Channel[]; rt: ExchangeRuntime }>();
  private readonly deps: Required<Omit<HubDeps, 'http' | 'adapters' | 'random' | 'levelSpans'>> & Pick<HubDeps, 'http' | 'random' | 'levelSpans'>;
  private readonly adapters: Partial<Record<ExchangeId, ExchangeAdapter>>;
  private closed = false;
  /** Trade bars (config `bars`): fed every stamped event, its closed bars emitted after the event that closed them. */
  private readonly bars: BarBuilder | undefined;
  /** Per-IP limits are per host (see host-limits.ts). */
  private readonly sharedLimits = hostLimits();

  /** Every event of every stream, hot (completes when the hub closes). */
  readonly events$: Observable<MarketEvent> = new Observable<MarketEvent>((subscriber) => {
    if (this.closed) {
      subscriber.complete();
      return undefined;
    }
    this.observers = [...this.observers, subscriber];
    return () => {
      this.observers = this.observers.filter((o) => o !== subscriber);
    };
  });

  constructor(
    readonly config: TickwireConfig,
    deps: HubDeps = {},
  ) {
    const clock = deps.clock ?? systemClock;
    this.deps = {
      scheduler: deps.scheduler ?? asyncScheduler,
      clock,
      logger: deps.logger ?? silentLogger(),
      createConnection: deps.createConnection ?? defaultCreateConnection,
      ...(deps.http ? { http: deps.http } : {}),
      ...(deps.random ? { random: deps.random } : {}),
      ...(deps.levelSpans ? { levelSpans: deps.levelSpans } : {}),
    };
    this.adapters = deps.adapters ?? {};
    this.startedAt = clock.nowMicros();
    this.epoch = makeEpoch(this.startedAt);
    this.stamper = new Stamper(this.epoch);
    this.bars = config.bars ? new BarBuilder(config.bars) : undefined;
  }

  private emit = (e: UnstampedEvent): void => {
    if (this.closed) return;
    const stamped = this.stamper.stamp(e);
    this.eventCounters.count(e.exchange, e.type);
    const observers = this.observers;
    for (let i = 0; i < observers.length; i++) observers[i]!.next(stamped);
    if (this.bars !== undefined && stamped.type !== 'trade_bar') {
      const closed = this.bars.onEvent(stamped);
      for (let i = 0; i < closed.length; i++) this.emit(closed[i]!);
    }
  };

  /**
   * `f` of the exchange's runtime, as a promise (what `f` throws rejects it): at once when the runtime exists or its
   * adapter was given, else once the adapter's module is loaded — the first call starts the load, later ones queue
   * behind it, so that one runtime is made and the operations keep their order. `f` gets undefined when the hub
   * closed first, the error when the load failed (the next operation tries again).
   */
  private whenRuntime<T>(exchange: ExchangeId, f: (rt: RuntimeOutcome) => T | PromiseLike<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const op = (rt: RuntimeOutcome): void => {
        try {
          resolve(f(this.closed && rt instanceof ExchangeRuntime ? undefined : rt));
        } catch (err) {
          reject(err);
        }
      };
      if (this.loading.join(exchange, op)) return;
      const rt = this.runtimes.get(exchange);
      if (rt !== undefined) return op(rt);
      const given = this.adapters[exchange];
      if (given !== undefined) return op(this.createRuntime(exchange, given));
      const made = loadAdapter(exchange)
        .then((adapter) => (this.closed ? undefined : this.createRuntime(exchange, adapter)))
        .catch((err: unknown) => new TwError('TW_ERR_CONFIG', `the ${exchange} adapter could not be loaded: ${(err as Error)?.message ?? String(err)}`));
      this.loading.start(exchange, op, made);
    });
  }

  private createRuntime(exchange: ExchangeId, adapter: ExchangeAdapter): ExchangeRuntime {
    const rt = new ExchangeRuntime(adapter, this.config, {
      ...this.deps,
      metrics: this.metrics,
      emit: this.emit,
      sharedLimits: this.sharedLimits,
    });
    this.runtimes.set(exchange, rt);
    const c = adapter.companion;
    if (c !== undefined) {
      const createConnection = this.deps.createConnection;
      const companion = new ExchangeRuntime(c.adapter, this.config, {
        ...this.deps,
        // connection ids distinct from the main runtime's (`binance-futures#1` → `binance-futures#market-1`; the
        // exchange id stays the part before `#`, as recordings read it)
        createConnection: (opts) => createConnection({ ...opts, id: opts.id.replace('#', `#${c.name}-`) }),
        metrics: this.metrics,
        emit: this.emit,
        sharedLimits: this.sharedLimits,
        rest: rt.restScheduler,
      });
      this.companions.set(exchange, { channels: c.channels, rt: companion });
    }
    return rt;
  }

  /** Both runtimes of an exchange (the companion's, where there is one, second). */
  private runtimesOf(exchange: ExchangeId): ExchangeRuntime[] {
    const rt = this.runtimes.get(exchange);
    const c = this.companions.get(exchange);
    return rt === undefined ? [] : c === undefined ? [rt] : [rt, c.rt];
  }

  /** `channels` split between the main runtime and the companion (which takes its own channels). */
  private split(exchange: ExchangeId, channels: readonly Channel[]): { main: Channel[]; companion: Channel[] } {
    const c = this.companions.get(exchange);
    const mine = (ch: Channel) => c !== undefined && c.channels.includes(ch);
    return { main: channels.filter((ch) => !mine(ch)), companion: channels.filter(mine) };
  }

  /** Streams subscribed or being retried, over every exchange (0: every subscription was permanently refused). */
  streamCount(): number {
    let n = 0;
    for (const rt of this.runtimes.values()) n += rt.streamCount();
    for (const c of this.companions.values()) n += c.rt.streamCount();
    return n;
  }

  /**
   * Start streaming `channels` of `exchange:symbol`; false when the symbol is unknown (an error status says why).
   * A channel the exchange does not offer (`derivative` on a spot exchange) gets a permanent `error` status and is
   * left out.
   */
  add(exchange: ExchangeId, symbol: string, channels: readonly Channel[]): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    return this.whenRuntime(exchange, (rt) =>
      rt === undefined ? false : rt instanceof TwError ? this.refuse(exchange, symbol, channels, rt) : this.addTo(rt, exchange, symbol, channels),
    );
  }

  private addTo(rt: ExchangeRuntime, exchange: ExchangeId, symbol: string, channels: readonly Channel[]): Promise<boolean> {
    const companion = this.companions.get(exchange);
    const offered = companion === undefined ? rt.channels : [...rt.channels, ...companion.channels];
    const ok = channels.filter((c) => offered.includes(c));
    for (const c of channels) {
      if (ok.includes(c)) continue;
      this.emitStatus({
        scope: 'stream',
        exchange,
        symbol,
        channel: c,
        state: 'error',
        code: 'TW_ERR_CONFIG',
        reason: `${exchange} does not offer the ${c} channel (it offers ${offered.join(', ')})`,
        details: { permanent: true },
        localTime: this.deps.clock.nowMicros(),
      });
    }
    if (ok.length === 0 && channels.length > 0) return Promise.resolve(false); // (no channel: validates the symbol)
    const { main, companion: theirs } = this.split(exchange, ok);
    if (companion === undefined || theirs.length === 0) return rt.add(symbol, main);
    // each runtime validates the symbol against its instruments and reports an unknown one for its own channels
    const added = [companion.rt.add(symbol, theirs), ...(main.length > 0 ? [rt.add(symbol, main)] : [])];
    return Promise.all(added).then((all) => all.every(Boolean));
  }

  /** The exchange's adapter could not be loaded: a permanent error status per channel (one when none), false. */
  private refuse(exchange: ExchangeId, symbol: string, channels: readonly Channel[], err: TwError): false {
    const localTime = this.deps.clock.nowMicros();
    for (const channel of channels.length > 0 ? channels : [undefined]) {
      this.emitStatus({
        scope: 'stream',
        exchange,
        symbol,
        ...(channel !== undefined ? { channel } : {}),
        state: 'error',
        code: err.code,
        reason: err.message,
        details: { permanent: true },
        localTime,
      });
    }
    return false;
  }

  /**
   * What `symbol` names on `exchange` — a unified symbol, a derivative's settle form or a native id (resolve.ts) —
   * against the exchange's instruments (loaded once, shared with `add`); undefined when they could not be loaded.
   */
  resolve(exchange: ExchangeId, symbol: string): Promise<Resolution | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    return this.whenRuntime(exchange, (rt) => (rt instanceof ExchangeRuntime ? rt.resolve(symbol) : undefined));
  }

  /** The instruments `exchange` lists (the same request that validates symbols); rejects when it fails. */
  instruments(exchange: ExchangeId): Promise<Instrument[]> {
    if (this.closed) return Promise.reject(new Error('hub closed'));
    return this.whenRuntime(exchange, (rt) => {
      if (rt instanceof ExchangeRuntime) return rt.instruments();
      throw rt ?? new Error('hub closed');
    });
  }

  /** Stop streaming `channels` of `exchange:symbol` (after an `add` still waiting for the adapter, too). */
  remove(exchange: ExchangeId, symbol: string, channels: readonly Channel[]): void {
    // after the adds that wait for the adapter's load, if any (no runtime and none loading: nothing to remove)
    if (!this.loading.isLoading(exchange)) {
      const rt = this.runtimes.get(exchange);
      if (rt !== undefined) this.removeFrom(rt, exchange, symbol, channels);
      return;
    }
    void this.whenRuntime(exchange, (rt) => {
      if (rt instanceof ExchangeRuntime) this.removeFrom(rt, exchange, symbol, channels);
    });
  }

  private removeFrom(rt: ExchangeRuntime, exchange: ExchangeId, symbol: string, channels: readonly Channel[]): void {
    const { main, companion } = this.split(exchange, channels);
    rt.remove(symbol, main);
    if (companion.length > 0) this.companions.get(exchange)?.rt.remove(symbol, companion);
  }

  /** Every maintained book with its sync state. */
  books(): BookView[] {
    return [...this.runtimes.keys()].flatMap((id) => this.runtimesOf(id).flatMap((rt) => rt.books()));
  }

  book(exchange: ExchangeId, symbol: string): BookView | undefined {
    return this.runtimes.get(exchange)?.books().find((b) => b.symbol === symbol);
  }

  /**
   * Emit a `book_snapshot` of the current live book (for consumers that lost deltas). Returns false when the book
   * is not live (the consumer will get the snapshot that ends the resync).
   */
  emitSnapshot(exchange: ExchangeId, symbol: string): boolean {
    const b = this.book(exchange, symbol);
    if (b === undefined || b.state !== 'live') return false;
    const e = b.sync.snapshotEvent(this.deps.clock.nowMicros());
    this.emit(e);
    return true;
  }

  /** Emit a status that does not come from an exchange runtime (e.g. a damaged recording under replay). */
  emitStatus(e: Omit<StatusEvent, 'type' | 'seq' | 'epoch'>): void {
    this.emit({ type: 'status', ...e });
  }

  /** A sink lost events of a stream: say so explicitly, and re-snapshot a book stream. */
  emitGap(g: { key: string; exchange: ExchangeId; symbol: string | undefined; dropped: number; firstSeq: number; lastSeq: number; book: boolean }): void {
    const channel = g.key.slice(g.key.lastIndexOf('@') + 1);
    this.metrics.inc('tickwire_sink_dropped_total', { exchange: g.exchange }, g.dropped);
    this.emit({
      type: 'status',
      scope: 'stream',
      exchange: g.exchange,
      ...(g.symbol !== undefined ? { symbol: g.symbol } : {}),
      ...(channel === 'book' || channel === 'ticker' || channel === 'trades' ? { channel } : {}),
      state: 'gap',
      code: 'TW_ERR_BACKPRESSURE',
      reason: `slow consumer: ${g.dropped} event(s) of ${g.key} dropped (seq ${g.firstSeq}..${g.lastSeq})${g.book ? '; a fresh book snapshot follows' : ''}`,
      details: { stream: g.key, dropped: g.dropped, firstSeq: g.firstSeq, lastSeq: g.lastSeq },
      localTime: this.deps.clock.nowMicros(),
    });
    if (g.book && g.symbol !== undefined) this.emitSnapshot(g.exchange, g.symbol);
  }

  /**
   * Emit the open trade bars (config `bars`), marked incomplete where their interval had not ended: before a sink
   * stops, so that it gets them; `close()` does it too.
   */
  flushBars(): void {
    if (this.bars === undefined || this.closed) return;
    for (const b of this.bars.flush(this.deps.clock.nowMicros())) this.emit(b);
  }

  connections(): Array<{ exchange: ExchangeId; id: string; open: boolean; markets: number }> {
    return [...this.runtimes.keys()].flatMap((exchange) =>
      this.runtimesOf(exchange).flatMap((rt) => rt.connections().map((c) => ({ exchange, ...c }))),
    );
  }

  restUsedWeight(): Partial<Record<ExchangeId, number>> {
    const out: Partial<Record<ExchangeId, number>> = {};
    // a companion shares its main runtime's scheduler: counted once
    for (const [id, rt] of this.runtimes) out[id] = rt.restUsedWeight;
    return out;
  }

  reconcileNow(exchange: ExchangeId, symbol: string): void {
    this.runtimes.get(exchange)?.reconcileNow(symbol);
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  get scheduler(): SchedulerLike {
    return this.deps.scheduler;
  }

  close(): void {
    if (this.closed) return;
    // main runtimes first: each closes the REST scheduler its companion shares, after its own books stopped
    for (const rt of this.runtimes.values()) rt.close();
    for (const c of this.companions.values()) c.rt.close();
    this.runtimes.clear();
    this.companions.clear();
    this.flushBars();
    this.closed = true;
    const observers = this.observers;
    this.observers = [];
    for (const o of observers) o.complete();
  }
}
