/**
 * Throttle of one connection's malformed/unknown-frame reports: at most `perSecond` reports per second of scheduler
 * time (the budget refills a second after its first use); the reports suppressed meanwhile are counted and named in
 * the next one (`suppressedReports`). A flood of garbage frames thus cannot flood the event stream.
 */
import type { SchedulerLike } from 'rxjs';

export class ReportThrottle {
  private budget: number;
  private suppressed = 0;

  constructor(
    private readonly scheduler: SchedulerLike,
    private readonly perSecond = 10,
  ) {
    this.budget = perSecond;
  }

  /**
   * May a report go out now? -1: no (it is counted); otherwise how many were suppressed since the last one that went
   * out (to be named in this one).
   */
  take(): number {
    if (this.budget <= 0) {
      this.suppressed++;
      return -1;
    }
    this.budget--;
    if (this.budget === this.perSecond - 1) {
      this.scheduler.schedule(() => {
        this.budget = this.perSecond;
      }, 1000);
    }
    const n = this.suppressed;
    this.suppressed = 0;
    return n;
  }

  /** A new socket: a full budget (the suppressed count carries over to the next report). */
  reset(): void {
    this.budget = this.perSecond;
  }
}
