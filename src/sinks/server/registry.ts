/**
 * The stream registry: one upstream subscription per stream key shared by every client on it (reference
 * counted), dropped a grace period after the last client leaves; and the fan-out of the hub's events to the
 * client subscriptions of each stream, each event serialized once for all of them.
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Hub } from '../../pipeline/hub.js';
import type { Integrity, MarketEvent } from '../../schema/events.js';
import type { StreamName } from './protocol.js';
import type { TurnClock } from '../../util/turn-batch.js';

/** An event as routed to subscribers: its JSON without `seq`/`epoch`, built (and encoded) once on first use. */
export class RoutedEvent {
  private tail: string | undefined;
  private tailBytes: Buffer | undefined;
  constructor(readonly event: MarketEvent) {}
  /** The event's JSON members after the opening brace, without `seq`/`epoch` (e.g. `"type":"book_delta",…}`). */
  body(): string {
    if (this.tail === undefined) {
      const { seq: _seq, epoch: _epoch, ...rest } = this.event;
      this.tail = JSON.stringify(rest).slice(1);
    }
    return this.tail;
  }

  /** `body()` as UTF-8. */
  bytes(): Buffer {
    return (this.tailBytes ??= Buffer.from(this.body()));
  }
}

/** A client's subscription to one stream, as seen by the registry. */
export interface StreamSink {
  readonly name: StreamName;
  onEvent(e: RoutedEvent): void;
}

/** A reference on a stream; `release()` is idempotent. */
export interface Lease {
  readonly ok: Promise<boolean>;
  release(): void;
}

type UpstreamState = 'adding' | 'active' | 'grace' | 'failed';

interface Entry {
  readonly name: StreamName;
  readonly sinks: Set<StreamSink>;
  refs: number;
  pinned: boolean;
  state: UpstreamState;
  added: Promise<boolean>;
  grace: Subscription | undefined;
}

export interface StreamInfo {
  stream: string;
  clients: number;
  pinned: boolean;
  upstream: UpstreamState;
}

export class StreamRegistry {
  private readonly entries = new Map<string, Entry>();
  /** `exchange:symbol` → entries (stream statuses without a channel). */
  private readonly bySymbol = new Map<string, Set<Entry>>();
  /** exchange → entries (connection statuses). */
  private readonly byExchange = new Map<string, Set<Entry>>();
  /** Integrity of each book stream, from its last book event. */
  private readonly integrity = new Map<string, Integrity>();
  private readonly sub: Subscription;

  constructor(
    private readonly hub: Hub,
    private readonly scheduler: SchedulerLike,
    private readonly graceMs: number,
    /** Advanced with every event the hub emits, so that no client's batch waits for other markets' frames. */
    private readonly turns?: TurnClock,
  ) {
    this.sub = hub.events$.subscribe((e) => this.route(e));
  }

  /**
   * Take a reference on a stream, subscribing upstream if nobody had it (or cancelling a pending drop).
   * `lease.ok` resolves false when the upstream refused it (unknown symbol); the lease must still be released.
   */
  acquire(name: StreamName): Lease {
    let e = this.entries.get(name.key);
    if (e === undefined || e.state === 'failed') {
      const entry: Entry = {
        name,
        sinks: new Set(),
        refs: 0,
        pinned: false,
        state: 'adding',
        added: Promise.resolve(false),
        grace: undefined,
      };
      this.entries.set(name.key, entry);
      this.index(entry);
      entry.added = this.hub.add(name.exchange, name.symbol, [name.channel]).then((ok) => {
        if (entry.state === 'adding') entry.state = ok ? 'active' : 'failed';
        if (!ok && entry.refs === 0) this.forget(entry);
        return ok;
      });
      e = entry;
    }
    const entry = e;
    entry.refs++;
    if (entry.state === 'grace') {
      entry.grace?.unsubscribe();
      entry.grace = undefined;
      entry.state = 'active';
    }
    let released = false;
    return {
      ok: entry.added,
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  /** Keep a stream subscribed for the server's life (markets preloaded on the command line). */
  async pin(name: StreamName): Promise<boolean> {
    const lease = this.acquire(name);
    const ok = await lease.ok;
    const e = this.entries.get(name.key);
    if (ok && e) e.pinned = true;
    else lease.release();
    return ok;
  }

  /** Drop a reference; the last one schedules the upstream unsubscription after the grace period. */
  private release(e: Entry): void {
    e.refs = Math.max(0, e.refs - 1);
    if (e.refs > 0 || e.pinned || this.entries.get(e.name.key) !== e) {
      if (e.refs === 0 && e.state === 'failed') this.forget(e);
      return;
    }
    if (e.state === 'adding') {
      // Let the add finish first, so the removal is not overtaken by it.
      void e.added.then(() => {
        if (e.refs === 0 && this.entries.get(e.name.key) === e && e.state === 'active') this.startGrace(e);
      });
      return;
    }
    if (e.state === 'failed') this.forget(e);
    else if (e.state === 'active') this.startGrace(e);
  }

  private startGrace(e: Entry): void {
    e.state = 'grace';
    const drop = (): void => {
      e.grace = undefined;
      if (e.refs > 0 || this.entries.get(e.name.key) !== e) return;
      this.forget(e);
      this.hub.remove(e.name.exchange, e.name.symbol, [e.name.channel]);
    };
    if (this.graceMs === 0) drop();
    else e.grace = this.scheduler.schedule(drop, this.graceMs);
  }

  attach(sink: StreamSink): void {
    this.entries.get(sink.name.key)?.sinks.add(sink);
  }

  detach(sink: StreamSink): void {
    this.entries.get(sink.name.key)?.sinks.delete(sink);
  }

  bookIntegrity(exchange: string, symbol: string): Integrity | undefined {
    return this.integrity.get(`${exchange}:${symbol}`);
  }

  streams(): StreamInfo[] {
    return [...this.entries.values()].map((e) => ({
      stream: e.name.key,
      clients: e.sinks.size,
      pinned: e.pinned,
      upstream: e.state,
    }));
  }

  close(): void {
    this.sub.unsubscribe();
    for (const e of this.entries.values()) e.grace?.unsubscribe();
    this.entries.clear();
    this.bySymbol.clear();
    this.byExchange.clear();
  }

  private index(e: Entry): void {
    const sk = `${e.name.exchange}:${e.name.symbol}`;
    let s = this.bySymbol.get(sk);
    if (!s) this.bySymbol.set(sk, (s = new Set()));
    s.add(e);
    let x = this.byExchange.get(e.name.exchange);
    if (!x) this.byExchange.set(e.name.exchange, (x = new Set()));
    x.add(e);
  }

  private forget(e: Entry): void {
    e.grace?.unsubscribe();
    e.grace = undefined;
    if (this.entries.get(e.name.key) === e) this.entries.delete(e.name.key);
    this.bySymbol.get(`${e.name.exchange}:${e.name.symbol}`)?.delete(e);
    this.byExchange.get(e.name.exchange)?.delete(e);
  }

  private route(e: MarketEvent): void {
    this.turns?.advance(e.localTime);
    let key: string;
    switch (e.type) {
      case 'book_snapshot':
      case 'book_delta':
        this.integrity.set(`${e.exchange}:${e.symbol}`, e.integrity);
        key = `${e.exchange}:${e.symbol}@book`;
        break;
      case 'book_top':
        return; // the server builds its own ladders
      case 'ticker':
        key = `${e.exchange}:${e.symbol}@ticker`;
        break;
      case 'trade':
      case 'trade_bar': // bars (serve --bars) go to the subscribers of the trades they are built from
        key = `${e.exchange}:${e.symbol}@trades`;
        break;
      case 'derivative_ticker':
        key = `${e.exchange}:${e.symbol}@derivative`;
        break;
      case 'liquidation':
        key = `${e.exchange}:${e.symbol}@liquidations`;
        break;
      case 'status': {
        const routed = new RoutedEvent(e);
        if (e.symbol === undefined) {
          for (const entry of this.byExchange.get(e.exchange) ?? []) this.fan(entry, routed);
        } else if (e.channel === undefined) {
          for (const entry of this.bySymbol.get(`${e.exchange}:${e.symbol}`) ?? []) this.fan(entry, routed);
        } else {
          const entry = this.entries.get(`${e.exchange}:${e.symbol}@${e.channel}`);
          if (entry) this.fan(entry, routed);
        }
        return;
      }
    }
    const entry = this.entries.get(key);
    if (entry === undefined || entry.sinks.size === 0) return;
    this.fan(entry, new RoutedEvent(e));
  }

  private fan(entry: Entry, routed: RoutedEvent): void {
    for (const sink of entry.sinks) sink.onEvent(routed);
  }
}
