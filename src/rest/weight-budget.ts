/**
 * Request-weight accounting for one REST host over a sliding window (Binance: 1 minute). The estimate is the
 * larger of what tickwire itself sent in the window and the server's own count (`X-MBX-USED-WEIGHT-1M`) plus what
 * was sent since that reading; a reading is trusted for one window after it arrived.
 */
export class WeightBudget {
  private readonly ledger: Array<{ at: number; weight: number }> = [];
  private reading: { at: number; used: number } | undefined;

  /** `budget`: the most this scheduler lets the window hold (already the safety fraction of the limit). */
  constructor(
    public budget: number,
    readonly windowMs: number,
  ) {}

  /** Weight spent by a request sent at `at`; returns the ledger entry so `settled` can move it. */
  record(at: number, weight: number): { at: number; weight: number } {
    const entry = { at, weight };
    this.ledger.push(entry);
    return entry;
  }

  /**
   * The server counted the request at some moment between send and response: hold its weight for a window from
   * the response (the later bound), so latency jitter can never let two windows' worth land in one server window.
   */
  settled(entry: { at: number; weight: number }, at: number): void {
    if (at <= entry.at || !this.ledger.includes(entry)) return;
    entry.at = at;
    this.ledger.sort((a, b) => a.at - b.at);
  }

  serverReport(at: number, used: number): void {
    this.reading = { at, used };
  }

  estimate(now: number): number {
    this.prune(now);
    let local = 0;
    let sinceReading = 0;
    const reading = this.reading;
    for (const e of this.ledger) {
      local += e.weight;
      if (reading !== undefined && e.at >= reading.at) sinceReading += e.weight;
    }
    return reading === undefined ? local : Math.max(local, reading.used + sinceReading);
  }

  /** A request fits when it stays within the budget, or when the window is empty (a request heavier than the budget still goes, alone). */
  fits(now: number, weight: number): boolean {
    const used = this.estimate(now);
    return used === 0 || used + weight <= this.budget;
  }

  /** The next time the estimate can drop (an entry or the reading leaves the window). */
  nextRelease(now: number): number | undefined {
    this.prune(now);
    const times: number[] = [];
    const first = this.ledger[0];
    if (first !== undefined) times.push(first.at + this.windowMs);
    if (this.reading !== undefined) times.push(this.reading.at + this.windowMs);
    return times.length > 0 ? Math.min(...times) : undefined;
  }

  private prune(now: number): void {
    while (this.ledger.length > 0 && (this.ledger[0] as { at: number }).at <= now - this.windowMs) this.ledger.shift();
    if (this.reading !== undefined && this.reading.at <= now - this.windowMs) this.reading = undefined;
  }
}
