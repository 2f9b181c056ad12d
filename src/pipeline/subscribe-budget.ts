import type { SchedulerLike, Subscription } from 'rxjs';

/**
 * A per-connection budget of subscribe/unsubscribe messages in a sliding window (OKX: 480 per connection per hour).
 * Messages beyond it wait, in order, until the window frees; a new socket starts a new budget (`reset`). Without a
 * budget the runtime would be disconnected or refused by the exchange after a burst of resyncs.
 */
export class SubscribeBudget {
  private readonly times: number[] = [];
  private readonly queue: string[] = [];
  private timer: Subscription | undefined;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly scheduler: SchedulerLike,
    private readonly write: (message: string) => void,
  ) {}

  /** Messages waiting for the window to free. */
  get pending(): number {
    return this.queue.length;
  }

  send(messages: readonly string[]): void {
    this.queue.push(...messages);
    if (this.timer === undefined) this.flush();
  }

  /** A new socket: waiting messages are dropped (the open re-sends every subscription) and `sentOnOpen` messages
   * sent by the open itself are counted. */
  reset(sentOnOpen: number): void {
    this.queue.length = 0;
    this.times.length = 0;
    this.timer?.unsubscribe();
    this.timer = undefined;
    const now = this.scheduler.now();
    for (let i = 0; i < sentOnOpen; i++) this.times.push(now);
  }

  close(): void {
    this.reset(0);
  }

  private flush(): void {
    this.timer = undefined;
    while (this.queue.length > 0) {
      const now = this.scheduler.now();
      while (this.times.length > 0 && (this.times[0] as number) <= now - this.windowMs) this.times.shift();
      if (this.times.length >= this.limit) {
        this.timer = this.scheduler.schedule(() => this.flush(), (this.times[0] as number) + this.windowMs - now);
        return;
      }
      this.times.push(now);
      this.write(this.queue.shift() as string);
    }
  }
}
