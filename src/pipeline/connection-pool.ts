/**
 * The connections of one exchange: markets packed into slots within the exchange's limits, each slot one
 * `Connection` with its per-connection state (sequence, report throttle, subscribe budget, age timer). Creates and
 * drops connections; sends subscribe/unsubscribe messages through the slot's hourly budget where the exchange has
 * one. What a slot's frames and events mean is the runtime's (`PoolHost`).
 */
import type { SchedulerLike, Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { Connection, ConnectionEvent, ConnectionOptions } from '../connection/index.js';
import type { Endpoints, ExchangeAdapter } from '../exchanges/types.js';
import type { TickwireConfig } from '../config.js';
import type { Clock } from '../util/clock.js';
import { SubscribeBudget } from './subscribe-budget.js';
import { ReportThrottle } from './report-throttle.js';

export interface ConnSlot {
  readonly conn: Connection;
  /** Markets whose streams this connection carries (a replacement's too, during a handover). */
  readonly markets: Set<string>;
  opens: number;
  /** Last per-connection sequence number (Coinbase Advanced Trade `sequence_num`). */
  lastSeq: number | undefined;
  sub: Subscription | undefined;
  /** Throttle of malformed/unknown reports. */
  readonly reports: ReportThrottle;
  /** Subscribe/unsubscribe messages per hour, where the exchange caps them (`limits.subscribeMessagesPerHour`). */
  readonly subscribeBudget: SubscribeBudget | undefined;
  /** Replaces the connection (make-before-break) before it reaches `maxConnectionAgeMs`. */
  ageTimer: Subscription | undefined;
}

/** What a slot's connection reports, to the runtime. */
export interface PoolHost {
  /** A text frame, straight from the socket (the per-frame hot path). */
  onFrame(slot: ConnSlot, data: string, localTime: number, bytes?: Uint8Array): void;
  /** The socket opened: the subscribe messages to send first. */
  onOpen(slot: ConnSlot): string[];
  /** A status (or `sent`/`frame`) event of the connection. */
  onEvent(slot: ConnSlot, ev: ConnectionEvent): void;
}

export interface PoolDeps {
  scheduler: SchedulerLike;
  clock: Clock;
  logger: Logger;
  createConnection: (opts: ConnectionOptions) => Connection;
  /** Rate windows shared by every connection to one WebSocket host (per-IP limits). */
  sharedLimits?: (wsOrigin: string, limits: ExchangeAdapter['limits']) => ConnectionOptions['shared'];
}

type PoolConfig = Pick<TickwireConfig, 'symbolsPerConnection' | 'staleAfterMs' | 'pingIntervalMs' | 'backoff'>;

export class ConnectionPool {
  private readonly slots: ConnSlot[] = [];
  private seq = 0;

  constructor(
    private readonly adapter: ExchangeAdapter,
    private readonly endpoints: Endpoints,
    private readonly config: PoolConfig,
    private readonly deps: PoolDeps,
    private readonly host: PoolHost,
  ) {}

  /** Markets per connection: the configured count, within a quarter of the exchange's streams per connection. */
  get capacity(): number {
    return Math.max(1, Math.min(this.config.symbolsPerConnection, Math.floor(this.adapter.limits.maxStreamsPerConnection / 4)));
  }

  /** A connection with room for one more market (not `busy`, e.g. being replaced), else a new one. */
  slotFor(busy: (slot: ConnSlot) => boolean): ConnSlot {
    const cap = this.capacity;
    return this.slots.find((s) => s.markets.size < cap && !busy(s)) ?? this.open();
  }

  /** A new connection (not started: see `run`). */
  open(): ConnSlot {
    const id = `${this.adapter.id}#${++this.seq}`;
    const keepalive = {
      ...this.adapter.keepalive,
      ...(this.config.staleAfterMs ? { staleAfterMs: this.config.staleAfterMs } : {}),
    };
    if (this.config.pingIntervalMs && keepalive.ping) {
      keepalive.ping = { ...keepalive.ping, intervalMs: this.config.pingIntervalMs };
    }
    const perHour = this.adapter.limits.subscribeMessagesPerHour;
    const host = this.host;
    const slot: ConnSlot = {
      conn: undefined as unknown as Connection,
      markets: new Set(),
      opens: 0,
      lastSeq: undefined,
      sub: undefined,
      reports: new ReportThrottle(this.deps.scheduler),
      subscribeBudget:
        perHour === undefined ? undefined : new SubscribeBudget(perHour, 3_600_000, this.deps.scheduler, (m) => slot.conn.send(m)),
      ageTimer: undefined,
    };
    const conn = this.deps.createConnection({
      id,
      url: this.adapter.wsUrl(this.endpoints),
      keepalive,
      controlMessagesPerSecond: this.adapter.limits.controlMessagesPerSecond,
      // frames straight from the socket (connections that ignore it send `frame` events instead: both are handled)
      onFrame: (data, localTime, bytes) => host.onFrame(slot, data, localTime, bytes),
      onOpen: () => {
        const msgs = host.onOpen(slot);
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

  /** Start listening to the slot's connection (which connects it); once. */
  run(slot: ConnSlot): void {
    if (slot.sub) return;
    slot.sub = slot.conn.events$.subscribe({
      next: (ev) => this.host.onEvent(slot, ev),
      error: (err: unknown) => this.deps.logger.error({ err, connection: slot.conn.id }, 'connection stream failed'),
    });
  }

  /** Subscribe/unsubscribe messages go through the connection's hourly budget where the exchange has one. */
  send(slot: ConnSlot, msgs: readonly string[]): void {
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

  /** Close the slot's connection and forget it. */
  drop(slot: ConnSlot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
    slot.subscribeBudget?.close();
    slot.ageTimer?.unsubscribe();
    slot.sub?.unsubscribe();
    slot.conn.close();
  }

  has(slot: ConnSlot): boolean {
    return this.slots.includes(slot);
  }

  list(): readonly ConnSlot[] {
    return this.slots;
  }

  close(): void {
    for (const slot of [...this.slots]) this.drop(slot);
  }
}
