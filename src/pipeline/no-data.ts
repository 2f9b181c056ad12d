/**
 * The no-data watchdog: a stream (market × channel) whose data stops while its connection is healthy gets a
 * per-stream `no_data` status (TW_ERR_NO_DATA) — not a reconnect — and `subscribed` when its data resumes. Trades and
 * liquidations may rightly be silent for long and are not watched. `StreamActivity` keeps, per market, when each
 * channel last had data; `NoDataWatchdog` ticks on the injected scheduler. What a silence means for a book
 * (continuity.ts) and the statuses are the runtime's.
 */
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Channel } from '../schema/events.js';

/** Channels whose silence is reported (trades and liquidations may rightly be silent for long). */
export function watched(channel: Channel): boolean {
  return channel !== 'trades' && channel !== 'liquidations';
}

/** When each channel of one market last had data (scheduler time), and which are reported silent. */
export class StreamActivity {
  private readonly last = new Map<Channel, number>();
  private readonly silent = new Set<Channel>();

  /** Data of `channel` at `now`; returns when it had data before (undefined: never). */
  seen(channel: Channel, now: number): number | undefined {
    const before = this.last.get(channel);
    this.last.set(channel, now);
    return before;
  }

  /** Was `channel` reported silent? It is not any more. */
  resumed(channel: Channel): boolean {
    return this.silent.delete(channel);
  }

  /** Count `channels` as having had data at `now` (a new subscription, an open, a move to another connection). */
  restart(channels: Iterable<Channel>, now: number): void {
    for (const c of channels) this.last.set(c, now);
  }

  /** `channel` is no longer streamed. */
  forget(channel: Channel): void {
    this.last.delete(channel);
    this.silent.delete(channel);
  }

  /** Watched channels of `channels` silent for `timeout` and not yet reported: marked silent and passed to `report`. */
  check(channels: Iterable<Channel>, now: number, timeout: number, report: (channel: Channel, silentMs: number) => void): void {
    for (const channel of channels) {
      if (!watched(channel) || this.silent.has(channel)) continue;
      const last = this.last.get(channel) ?? now;
      if (now - last >= timeout) {
        this.silent.add(channel);
        report(channel, now - last);
      }
    }
  }
}

/** Ticks `check` every quarter of the timeout (50 ms … 1 s) on the scheduler, from the first `start`. */
export class NoDataWatchdog {
  private sub: Subscription | undefined;

  constructor(
    private readonly timeoutMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly check: (timeoutMs: number) => void,
  ) {}

  static periodOf(timeoutMs: number): number {
    return Math.max(50, Math.min(1000, Math.floor(timeoutMs / 4)));
  }

  start(): void {
    if (this.sub) return;
    this.sub = interval(NoDataWatchdog.periodOf(this.timeoutMs), this.scheduler).subscribe(() => this.check(this.timeoutMs));
  }

  stop(): void {
    this.sub?.unsubscribe();
  }
}
