/**
 * The window for messages we send: a server counts a message when it arrives, and one delayed in transit (or in
 * a busy server's event loop) more than the next ones lands closer to them than we sent it. Counting each write
 * for 1250 ms instead of 1000 keeps ≤ N in every one of the server's seconds under up to 250 ms of such skew
 * (a Coinbase connection was seen closed 1008 with 11 arrivals in a second from a 10/s-safe 8-per-1000 ms sender).
 */
export const SENT_WINDOW_MS = 1250;

/**
 * At most `perSecond` events in any `windowMs` window (a sliding window of the last events' times; 1000 ms, or
 * {@link SENT_WINDOW_MS} for messages counted on arrival). Used for per-connection control-message throttling
 * and, shared, for an exchange's per-IP limits (OKX: 3 connection requests/s; Coinbase: 8 messages/s). Times
 * come from the caller's scheduler.
 */
export class RateWindow {
  /** Times of the events in the window, ascending. */
  private readonly times: number[] = [];
  readonly unlimited: boolean;

  constructor(
    readonly perSecond: number,
    readonly windowMs = 1000,
  ) {
    this.unlimited = !(perSecond > 0) || perSecond === Infinity;
  }

  /** Milliseconds until one more event fits (0 = now). */
  waitMs(now: number): number {
    if (this.unlimited) return 0;
    while (this.times.length > 0 && this.times[0]! <= now - this.windowMs) this.times.shift();
    return this.times.length < this.perSecond ? 0 : this.times[0]! + this.windowMs - now;
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
