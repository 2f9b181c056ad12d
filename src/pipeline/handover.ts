/**
 * Make-before-break: replacing a connection the exchange is about to close (Binance `serverShutdown` and its
 * 24 h limit, OKX `notice` 64008, …) without a hole. The runtime opens the replacement, which subscribes the same
 * streams; each market's book syncs there a second time ("shadow") while the old connection's book goes on
 * feeding the consumer. The shadow's events are held here, not emitted. A market switches to the replacement:
 *
 * - `chain`: the shadow is live, went live at or before the old book's update id A, and has reached A: the
 *   consumer's chain continues with the shadow's held deltas after A (none when both are at A), then the shadow's
 *   own deltas. No snapshot, no status: the consumer sees one continuous chain of update ids.
 * - `snapshot`: the ids cannot be aligned (a feed without update ids, the held deltas no longer reach back to A,
 *   or the old book is not live): a fresh `book_snapshot` of the verified shadow book, without a `resyncing`.
 *
 * Trades and tickers switch at the same moment as the book; trades the replacement delivered before the switch
 * are emitted then, minus the trade ids the old connection already delivered (and the old connection's recent
 * trade ids are skipped on the replacement afterwards). Pure bookkeeping: the runtime does the I/O.
 *
 * An error reply on the replacement (its subscription of a market refused, or an unreadable book message of it) is
 * the replacement's: the old connection's book is still live and stays so; the replacement's subscription is retried
 * on it with backoff (`MarketHandover.refused`). If it is still not live when the handover's deadline comes, the
 * usual path applies (the market moves over `resyncing`, naming the replacement).
 */
import type { Subscription } from 'rxjs';
import type { BookDeltaEvent, Channel, TradeEvent, UnstampedEvent } from '../schema/events.js';
import type { TwCode } from '../errors.js';
import type { BookDriver } from './book-driver.js';

type Unstamped<T> = Omit<T, 'seq' | 'epoch'>;
export type HeldDelta = Unstamped<BookDeltaEvent>;
export type HeldTrade = Unstamped<TradeEvent>;

/** Deltas (and trades) held per market while its shadow book waits for the switch. */
const MAX_HELD = 10_000;
/** Trade ids of the old connection remembered per market for deduplication. */
const MAX_TRADE_IDS = 2_000;

export type SwitchPlan = { kind: 'wait' } | { kind: 'chain'; deltas: HeldDelta[] } | { kind: 'snapshot' };

/** What the runtime lends `MarketHandover.refused` (the I/O). */
export interface RefusalIo {
  /** The replacement connection's id. */
  connectionId: string;
  /** Backoff before retry number `attempt` (1-based). */
  delayMs(attempt: number): number;
  /** A connection-scoped `error` status on the replacement. */
  status(e: { scope: 'connection'; state: 'error'; code: TwCode; reason: string; connectionId: string; details: Record<string, unknown> }): void;
  /** After `ms`: subscribe `channel` of the market again on the replacement (the runtime checks it is still wanted). */
  retry(channel: Channel, ms: number): void;
}

/** One market moving from the old connection to its replacement. */
export class MarketHandover {
  /** The book synced on the replacement (undefined for a market without a book channel). */
  shadow: BookDriver | undefined;
  /** Switched: the shadow's events now go to the consumer. */
  done = false;
  /** The replacement delivered data of this market (a market without a book switches on its first data). */
  seenData = false;
  private held: HeldDelta[] = [];
  /** Update id of the shadow's snapshot (or of the last delta dropped from `held`): held deltas follow it. */
  private heldFrom: number | undefined;
  private readonly trades: HeldTrade[] = [];
  private readonly oldTradeIds = new Set<string>();
  private lateChecks = 0;
  /** Refusals of this market's subscriptions on the replacement, per channel. */
  private readonly refusals = new Map<Channel, number>();

  constructor(readonly market: string) {}

  /**
   * The exchange answered the replacement with an error for this market: charged to the replacement, never to the
   * old connection's live book. An unreadable book message resyncs the shadow (if live; a syncing one waits for its
   * snapshot anyway); a refused subscription is reported on the replacement connection and retried there.
   */
  refused(channel: Channel, code: TwCode, message: string, localTime: number, io: RefusalIo): void {
    if (code === 'TW_ERR_MALFORMED_FRAME') {
      if (channel === 'book' && this.shadow?.state === 'live') {
        this.shadow.invalidate(code, `unreadable book message on the replacement connection: ${message}`, localTime);
      }
      return;
    }
    const attempt = (this.refusals.get(channel) ?? 0) + 1;
    this.refusals.set(channel, attempt);
    const retryInMs = io.delayMs(attempt);
    io.status({
      scope: 'connection',
      state: 'error',
      code,
      reason: `the replacement connection's subscription of ${this.market} ${channel} was refused (${message}); retried on it, the current book stays live`,
      connectionId: io.connectionId,
      details: { market: this.market, channel, replacement: true, permanent: false, attempt, retryInMs },
    });
    io.retry(channel, retryInMs);
  }

  /** An event of the shadow book before the switch: deltas held, its statuses (syncing, live…) not the consumer's. */
  hold(e: UnstampedEvent): void {
    if (e.type === 'book_snapshot') {
      this.held = [];
      this.heldFrom = e.updateId;
    } else if (e.type === 'book_delta') {
      this.held.push(e);
      if (this.held.length > MAX_HELD) this.heldFrom = this.held.shift()!.updateId;
    }
  }

  /** When and how may the book switch, given the old book's state and update id? */
  plan(oldState: string | undefined, oldId: number | undefined): SwitchPlan {
    const shadow = this.shadow;
    if (shadow === undefined) return this.seenData ? { kind: 'chain', deltas: [] } : { kind: 'wait' };
    if (shadow.state !== 'live') return { kind: 'wait' };
    const newId = shadow.sync.updateId;
    if (oldState !== 'live' || oldId === undefined || newId === undefined || this.heldFrom === undefined) {
      return { kind: 'snapshot' };
    }
    if (newId < oldId) return { kind: 'wait' }; // the replacement is behind: let it catch up
    if (this.heldFrom > oldId) {
      // the shadow went live after A: the old book reaches its start soon — unless the held deltas were trimmed
      return this.held.length >= MAX_HELD ? { kind: 'snapshot' } : { kind: 'wait' };
    }
    return { kind: 'chain', deltas: this.held.filter((d) => d.updateId === undefined || d.updateId > oldId) };
  }

  /**
   * Is a refused subscription of `channel` still to be retried? Not when the replacement delivers it anyway (an
   * error naming only a request may stand for some of its streams): a live book there, or any data of the market
   * for trades and tickers.
   */
  wantsRetry(channel: Channel): boolean {
    return channel === 'book' ? this.shadow?.state !== 'live' : !this.seenData;
  }

  /** A trade the old connection delivered (emitted). */
  noteOldTrade(id: string): void {
    this.oldTradeIds.add(id);
    if (this.oldTradeIds.size > MAX_TRADE_IDS) this.oldTradeIds.delete(this.oldTradeIds.values().next().value!);
  }

  /** A trade the replacement delivered: held before the switch, passed (unless the old one had it) after. */
  onNewTrade(t: HeldTrade): HeldTrade | undefined {
    if (this.oldTradeIds.has(t.tradeId)) return undefined;
    if (this.done) return t;
    this.trades.push(t);
    if (this.trades.length > MAX_HELD) this.trades.shift();
    return undefined;
  }

  /**
   * After the handover ended: did the old connection deliver this trade? The replacement may lag behind it by a
   * few frames at the switch; checked for the next MAX_TRADE_IDS trades only.
   */
  lateTrade(id: string): boolean {
    if (this.lateChecks >= MAX_TRADE_IDS) return false;
    this.lateChecks++;
    return this.oldTradeIds.has(id);
  }

  /** At the switch: the replacement's held trades the old connection did not deliver (held deltas are released). */
  takeTrades(): HeldTrade[] {
    const out = this.trades.filter((t) => !this.oldTradeIds.has(t.tradeId));
    this.trades.length = 0;
    this.held = [];
    return out;
  }
}

/** Why a connection is being replaced. */
export type HandoverCause = 'notice' | 'age';

/** One connection being replaced by another. */
export interface SlotHandover<S> {
  readonly from: S;
  readonly to: S;
  readonly cause: HandoverCause;
  readonly reason: string;
  readonly markets: Map<string, MarketHandover>;
  /** Forces the remaining markets over when the replacement is not ready in time. */
  timer: Subscription | undefined;
}
