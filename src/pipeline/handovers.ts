/**
 * Make-before-break, the orchestration (the per-market rules: handover.ts): a connection the exchange announces it
 * will close, or that reaches `maxConnectionAgeMs`, is replaced by a new one carrying the same streams; each market
 * moves over once the replacement has it (its shadow book live and caught up), and the old connection is closed when
 * the last market moved — or when the deadline (`noDataTimeoutMs`) forces the rest over. Owns the handovers in
 * progress and the age timers; the runtime lends connections, books and the event stream (`HandoverHost`).
 */
import type { SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { UnstampedEvent } from '../schema/events.js';
import type { TickwireConfig } from '../config.js';
import type { BookDriver } from './book-driver.js';
import type { ConnectionPool, ConnSlot } from './connection-pool.js';
import { MarketHandover, type HandoverCause, type SlotHandover } from './handover.js';
import type { MarketState } from './market-state.js';
import type { StatusFields } from './runtime-types.js';

export interface HandoverHost {
  readonly markets: ReadonlyMap<string, MarketState>;
  readonly pool: ConnectionPool;
  readonly scheduler: SchedulerLike;
  readonly logger: Logger;
  readonly config: Pick<TickwireConfig, 'noDataTimeoutMs' | 'maxConnectionAgeMs'>;
  /** The runtime is closing: nothing new starts. */
  readonly closed: boolean;
  /** A book driver of `st` fed by the connection `slotOf()` returns, its events to `emit`. */
  createBook(st: MarketState, slotOf: () => ConnSlot, emit: (e: UnstampedEvent) => void): BookDriver;
  emit(e: UnstampedEvent): void;
  status(e: StatusFields, localTime?: number): void;
  /** Now in epoch µs (the clock). */
  nowMicros(): number;
}

export class Handovers {
  private readonly active = new Set<SlotHandover<ConnSlot>>();

  constructor(private readonly host: HandoverHost) {}

  /** Is any connection being replaced? (false on the hot path: nothing to look up) */
  get any(): boolean {
    return this.active.size > 0;
  }

  /** The handover `slot` is part of (as the old connection or the replacement). */
  of(slot: ConnSlot): SlotHandover<ConnSlot> | undefined {
    if (this.active.size === 0) return undefined;
    for (const h of this.active) if (h.from === slot || h.to === slot) return h;
    return undefined;
  }

  has(h: SlotHandover<ConnSlot>): boolean {
    return this.active.has(h);
  }

  /** The pending handover of `st` when `slot` is the connection replacing its current one. */
  replacementFor(slot: ConnSlot, st: MarketState): MarketHandover | undefined {
    const h = this.of(slot);
    if (h?.to !== slot || h.from !== st.slot) return undefined;
    const mh = h.markets.get(st.market);
    return mh?.done === false ? mh : undefined;
  }

  /**
   * Replace `from` by a new connection carrying the same streams. False when not applicable (`from` is part of a
   * handover already, carries nothing, or the runtime is closing).
   */
  start(from: ConnSlot, cause: HandoverCause, reason: string): boolean {
    const host = this.host;
    if (host.closed || from.markets.size === 0 || this.of(from) !== undefined || !host.pool.has(from)) return false;
    const to = host.pool.open();
    const h: SlotHandover<ConnSlot> = { from, to, cause, reason, markets: new Map(), timer: undefined };
    for (const market of from.markets) {
      const st = host.markets.get(market);
      if (st === undefined) continue;
      to.markets.add(market);
      const mh = new MarketHandover(market);
      if (st.book !== undefined) {
        mh.shadow = host.createBook(st, () => to, (e) => (mh.done ? host.emit(e) : mh.hold(e)));
      }
      h.markets.set(market, mh);
    }
    this.active.add(h);
    host.logger.info({ from: from.conn.id, to: to.conn.id, cause, reason }, 'replacing connection (make-before-break)');
    // a replacement not ready in time: the markets still waiting move over anyway (see finish)
    h.timer = host.scheduler.schedule(() => {
      h.timer = undefined;
      if (this.active.has(h)) this.finish(h, host.nowMicros());
    }, host.config.noDataTimeoutMs);
    host.pool.run(to);
    return true;
  }

  /** Data of `st` arrived (on either connection): switch it when its plan allows; finish when all switched. */
  trySwitch(st: MarketState, mh: MarketHandover, localTime: number): void {
    const h = this.of(st.slot);
    if (h === undefined || mh.done) return;
    const plan = mh.plan(st.book?.state, st.book?.sync.updateId);
    if (plan.kind === 'wait') return;
    this.switchMarket(h, st, mh, localTime, plan.kind === 'chain' ? plan.deltas : undefined);
    if ([...h.markets.values()].every((m) => m.done)) this.finish(h, localTime);
  }

  /** Move `st` to the replacement: its held deltas (`chain`) or a fresh snapshot continue the consumer's book. */
  private switchMarket(h: SlotHandover<ConnSlot>, st: MarketState, mh: MarketHandover, localTime: number, chain: readonly UnstampedEvent[] | undefined): void {
    const host = this.host;
    mh.done = true;
    st.handedOver = mh;
    const old = st.book;
    if (mh.shadow !== undefined) {
      old?.stop();
      st.book = mh.shadow;
      if (mh.shadow.state === 'live') {
        if (chain !== undefined) for (const d of chain) host.emit(d);
        else host.emit(mh.shadow.sync.snapshotEvent(localTime));
        if (old?.state !== 'live') {
          host.status(
            { scope: 'stream', state: 'live', code: 'TW_OK', reason: 'book synced', symbol: st.symbol, market: st.market, channel: 'book', details: { updateId: mh.shadow.sync.updateId } },
            localTime,
          );
        }
      } else if (old?.state === 'live') {
        // not live on the replacement in time: explicitly untrustworthy until it is (its sync emits the snapshot)
        host.status(
          { scope: 'stream', state: 'resyncing', code: 'TW_ERR_SERVER_SHUTDOWN', reason: `connection ${h.from.conn.id} replaced before this book was live on ${h.to.conn.id}`, symbol: st.symbol, market: st.market, channel: 'book' },
          localTime,
        );
      }
    }
    h.from.markets.delete(st.market);
    st.slot = h.to;
    st.activity.restart(st.channels, host.scheduler.now());
    for (const t of mh.takeTrades()) host.emit(t);
  }

  /** Every market still on `from` moves to the replacement now; `from` is closed. */
  finish(h: SlotHandover<ConnSlot>, localTime: number): void {
    const host = this.host;
    for (const mh of h.markets.values()) {
      const st = host.markets.get(mh.market);
      if (mh.done || st === undefined) continue;
      const plan = mh.plan(st.book?.state, st.book?.sync.updateId);
      this.switchMarket(h, st, mh, localTime, plan.kind === 'chain' ? plan.deltas : undefined);
    }
    h.timer?.unsubscribe();
    this.active.delete(h);
    host.pool.drop(h.from);
    host.status(
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
  abort(h: SlotHandover<ConnSlot>, reconnect: boolean): void {
    const host = this.host;
    h.timer?.unsubscribe();
    this.active.delete(h);
    for (const mh of h.markets.values()) mh.shadow?.stop();
    host.logger.warn({ from: h.from.conn.id, to: h.to.conn.id }, 'replacement connection failed; keeping the old one');
    host.pool.drop(h.to);
    if (reconnect && host.pool.has(h.from)) h.from.conn.reconnect('TW_ERR_SERVER_SHUTDOWN', h.reason, { immediate: true });
  }

  /**
   * `slot`'s connection closed or is reconnecting. A replacement that fails before any market moved is dropped
   * (the old connection goes on; after a notice it reconnects early): true, nothing else to do. A replacement with
   * markets on it already takes them all (its books follow the reconnect).
   */
  onSlotDown(slot: ConnSlot, localTime: number): { handled: boolean; h: SlotHandover<ConnSlot> | undefined } {
    const h = this.of(slot);
    if (h?.to === slot) {
      if (![...h.markets.values()].some((m) => m.done)) {
        this.abort(h, h.cause === 'notice');
        return { handled: true, h };
      }
      this.finish(h, localTime);
    }
    return { handled: false, h };
  }

  /** Replace `slot` after `delayMs` (its age limit); retried while it is busy in another handover. */
  armAgeLimit(slot: ConnSlot, delayMs: number): void {
    const host = this.host;
    const maxAge = host.config.maxConnectionAgeMs;
    slot.ageTimer?.unsubscribe();
    slot.ageTimer = undefined;
    if (maxAge <= 0) return;
    slot.ageTimer = host.scheduler.schedule(() => {
      slot.ageTimer = undefined;
      if (host.closed || !host.pool.has(slot) || !slot.conn.isOpen) return;
      if (!this.start(slot, 'age', `connection ${slot.conn.id} reached maxConnectionAgeMs ${maxAge}`) && slot.markets.size > 0) {
        this.armAgeLimit(slot, Math.min(maxAge, 5_000));
      }
    }, delayMs);
  }

  /** `market` is no longer streamed: out of every handover. */
  forget(market: string): void {
    for (const h of this.active) {
      const mh = h.markets.get(market);
      if (mh === undefined) continue;
      if (!mh.done) mh.shadow?.stop();
      h.markets.delete(market);
      h.to.markets.delete(market);
      h.from.markets.delete(market);
    }
  }

  close(): void {
    for (const h of [...this.active]) this.abort(h, false);
  }
}
