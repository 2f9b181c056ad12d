import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * Outgoing control-message throttle: at most `perSecond` writes in any 1000 ms window (a sliding window of the
 * last writes' times on the injected scheduler). Items wait in a FIFO queue and are never dropped while the
 * socket is open; `clear()` drops them when it closes. `note()` counts a write made outside the queue (the
 * automatic pong to a server ping) so the budget covers it too (Binance counts pings and pongs).
 */
export class Throttle<T> {
  private readonly queue: T[] = [];
  private readonly times: number[] = [];
  private timer: Subscription | undefined;
  private readonly unlimited: boolean;

  constructor(
    private readonly perSecond: number,
    private readonly scheduler: SchedulerLike,
    private readonly write: (item: T) => void,
  ) {
    this.unlimited = !(perSecond > 0) || perSecond === Infinity;
  }

  get pending(): number {
    return this.queue.length;
  }

  push(item: T): void {
    this.queue.push(item);
    if (this.timer === undefined) this.flush();
  }

  /** Count a write that did not go through the queue. */
  note(): void {
    if (!this.unlimited) this.times.push(this.scheduler.now());
  }

  /** Drop queued items and forget the window (a new socket starts a new budget). */
  clear(): void {
    this.queue.length = 0;
    this.times.length = 0;
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length > 0) {
      const now = this.scheduler.now();
      while (this.times.length > 0 && (this.times[0] as number) <= now - 1000) this.times.shift();
      if (!this.unlimited && this.times.length >= this.perSecond) {
        const wait = (this.times[0] as number) + 1000 - now;
        this.timer = this.scheduler.schedule(() => this.flush(), wait);
        return;
      }
      const item = this.queue.shift() as T;
      if (!this.unlimited) this.times.push(now);
      this.write(item);
    }
  }
}
