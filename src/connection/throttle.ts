import type { SchedulerLike, Subscription } from 'rxjs';
import { RateWindow, SENT_WINDOW_MS } from '../util/rate-window.js';

/**
 * Outgoing control-message throttle: at most `perSecond` writes in any {@link SENT_WINDOW_MS} window (a sliding
 * window of the last writes' times on the injected scheduler; longer than a second so arrival skew cannot put
 * more than `perSecond` into one of the server's seconds). Items wait in a FIFO queue and are never dropped while the
 * socket is open; `clear()` drops them when it closes. `note()` counts a write made outside the queue (the
 * automatic pong to a server ping) so the budget covers it too (Binance counts pings and pongs).
 */
export class Throttle<T> {
  private readonly queue: T[] = [];
  private readonly window: RateWindow;
  private timer: Subscription | undefined;

  /** `shared`: a window shared with other connections (an exchange's per-IP message limit). */
  constructor(
    perSecond: number,
    private readonly scheduler: SchedulerLike,
    private readonly write: (item: T) => void,
    private readonly shared?: RateWindow,
  ) {
    this.window = new RateWindow(perSecond, SENT_WINDOW_MS);
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
    const now = this.scheduler.now();
    this.window.take(now);
    this.shared?.take(now);
  }

  /** Drop queued items and forget the window (a new socket starts a new budget). */
  clear(): void {
    this.queue.length = 0;
    this.window.clear();
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length > 0) {
      const now = this.scheduler.now();
      const wait = Math.max(this.window.waitMs(now), this.shared?.waitMs(now) ?? 0);
      if (wait > 0) {
        this.timer = this.scheduler.schedule(() => this.flush(), wait);
        return;
      }
      const item = this.queue.shift() as T;
      this.window.take(now);
      this.shared?.take(now);
      this.write(item);
    }
  }
}
