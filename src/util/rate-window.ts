/**
 * At most `perSecond` events in any 1000 ms window (a sliding window of the last events' times). Used for
 * per-connection control-message throttling and, shared, for an exchange's per-IP limits (OKX: 3 connection
 * requests/s; Coinbase: 8 messages/s). Times come from the caller's scheduler.
 */
export class RateWindow {
  private readonly times: number[] = [];
  readonly unlimited: boolean;

  constructor(readonly perSecond: number) {
    this.unlimited = !(perSecond > 0) || perSecond === Infinity;
  }

  /** Milliseconds until one more event fits (0 = now). */
  waitMs(now: number): number {
    if (this.unlimited) return 0;
    while (this.times.length > 0 && this.times[0]! <= now - 1000) this.times.shift();
    return this.times.length < this.perSecond ? 0 : this.times[0]! + 1000 - now;
  }

  /** Record an event at `now`. */
  take(now: number): void {
    if (!this.unlimited) this.times.push(now);
  }

  clear(): void {
    this.times.length = 0;
  }
}
