/**
 * Feedback on long work: what a stream/record/replay did since the last report (events per second per exchange,
 * books live of total, events dropped for a slow stdout), and a progress bar. Pure counting; the commands log it.
 */
import type { MarketEvent } from '../../schema/events.js';

export interface TallyReport {
  /** Events per second per exchange over the period. */
  eventsPerSec: Record<string, number>;
  /** Events since the start. */
  events: number;
  books: { live: number; total: number };
  /** Events dropped for a slow stdout since the start. */
  dropped: number;
}

/** One exchange's event counts: in the current period, and since the start. */
interface Counts {
  period: number;
  total: number;
}

export class Tally {
  /** Per exchange, in the order first seen. */
  private readonly counts = new Map<string, Counts>();
  /** The last event's exchange and its counts (a stream is mostly one exchange's events: no map lookup for them). */
  private lastExchange: string | undefined;
  private lastCounts: Counts = { period: 0, total: 0 };
  private readonly books = new Map<string, boolean>();
  private total = 0;
  private droppedTotal = 0;

  observe(e: MarketEvent): void {
    this.total++;
    if (e.exchange !== this.lastExchange) {
      let c = this.counts.get(e.exchange);
      if (c === undefined) this.counts.set(e.exchange, (c = { period: 0, total: 0 }));
      this.lastExchange = e.exchange;
      this.lastCounts = c;
    }
    this.lastCounts.period++;
    this.lastCounts.total++;
    if (e.type === 'book_snapshot') this.books.set(`${e.exchange}:${e.symbol}`, true);
    else if (e.type === 'status' && e.channel === 'book' && e.symbol !== undefined) {
      const key = `${e.exchange}:${e.symbol}`;
      if (e.state === 'live' || e.state === 'reconciled') this.books.set(key, true);
      else if (e.state !== 'no_data') this.books.set(key, false);
    }
  }

  dropped(n: number): void {
    this.droppedTotal += n;
  }

  /**
   * The report for a period of `elapsedMs` (the per-period counts start again), or with `whole`, over everything
   * since the start (`elapsedMs` = the whole run).
   */
  report(elapsedMs: number, whole = false): TallyReport {
    const eventsPerSec: Record<string, number> = {};
    for (const [ex, c] of this.counts) {
      const n = whole ? c.total : c.period;
      if (n > 0) eventsPerSec[ex] = Math.round((n * 10_000) / Math.max(1, elapsedMs)) / 10;
      c.period = 0;
    }
    let live = 0;
    for (const v of this.books.values()) if (v) live++;
    return { eventsPerSec, events: this.total, books: { live, total: this.books.size }, dropped: this.droppedTotal };
  }
}

/** `binance 812.4/s, okx 95/s · books 3/4 live · 0 dropped` */
export function summaryLine(r: TallyReport): string {
  const rates = Object.entries(r.eventsPerSec).map(([ex, v]) => `${ex} ${v}/s`);
  return `${rates.length > 0 ? rates.join(', ') : 'no events'} · books ${r.books.live}/${r.books.total} live · ${r.dropped} dropped`;
}

/** `[##########----------]  50%` */
export function progressBar(fraction: number, width = 30): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(f * 100)).padStart(3)}%`;
}

/** Bytes as `512 B`, `2.1 kB`, `3.4 MB`. */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
