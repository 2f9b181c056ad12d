/**
 * At most `perSecond` events in any 1000 ms window (a sliding window of the last events' times). Used for
 * per-connection control-message throttling and, shared, for an exchange's per-IP limits (OKX: 3 connection
 * requests/s; Coinbase: 8 messages/s). Times come from the caller's scheduler.
 */
export class RateWindow {
  /** Times of the events in the window, ascending. */
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

  /** Record an event at `now`; returns a handle for `settled`. */
  take(now: number): { at: number } {
    const handle = { at: now };
    if (!this.unlimited) this.times.push(now);
    return handle;
  }

  /**
   * The server counted the event somewhere between `take` and now (a connection request is counted when the
   * server sees it, at the latest when the handshake completes): hold it in the window from now, so latency jitter
   * can never let more than `perSecond` land in one of the server's seconds.
   */
  settled(handle: { at: number }, now: number): void {
    if (this.unlimited || now <= handle.at) return;
    const i = this.times.indexOf(handle.at);
    if (i === -1) return;
    this.times.splice(i, 1);
    let j = this.times.length;
    while (j > 0 && this.times[j - 1]! > now) j--;
    this.times.splice(j, 0, now);
    handle.at = now;
  }

  clear(): void {
    this.times.length = 0;
  }
}
