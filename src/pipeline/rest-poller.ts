/**
 * Polls, over REST, the derivative fields an exchange gives only there (Binance open interest) for every market
 * subscribed on channel `derivative`: once when a market is added, then every `intervalMs`, through the exchange's
 * REST scheduler at a low priority (inside its weight budget, after snapshots and cross-checks). At most one request
 * per market is queued or in flight. A failed request or an unreadable body is reported (`onError`: counted and
 * logged) and the market is polled again at the next tick — a value is never invented. All timers run on the
 * injected scheduler.
 */
import { interval, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import type { RestRequest } from '../rest/request.js';
import type { ExchangeAdapter, WireMessage } from '../exchanges/types.js';
import { TwError } from '../errors.js';
import type { Metrics } from './metrics.js';

/** Below every book request (snapshots 1–5, cross-checks 6). */
export const POLL_PRIORITY = 7;

export interface RestPollerOptions {
  intervalMs: number;
  scheduler: SchedulerLike;
  /** The adapter's request for one market (`pollRequest`). */
  requestFor: (market: string) => RestRequest;
  /** The adapter's body parser (`parsePoll`); may throw. */
  parse: (body: string) => WireMessage[];
  /** Perform a request through the REST scheduler; resolves with the body. */
  fetch: (req: RestRequest, opts: { priority: number; key: string }) => Promise<{ body: string }>;
  /** Parsed messages of one market. */
  onMessages: (market: string, msgs: WireMessage[]) => void;
  onError: (market: string, err: Error) => void;
}

export class RestPoller {
  private readonly markets = new Set<string>();
  private readonly inFlight = new Set<string>();
  private timer: Subscription | undefined;
  private closed = false;

  constructor(private readonly o: RestPollerOptions) {}

  /** Start polling a market (at once, then at every tick). */
  add(market: string): void {
    if (this.closed || this.markets.has(market)) return;
    this.markets.add(market);
    this.timer ??= interval(this.o.intervalMs, this.o.scheduler).subscribe(() => {
      for (const m of this.markets) this.poll(m);
    });
    this.poll(market);
  }

  remove(market: string): void {
    this.markets.delete(market);
    if (this.markets.size === 0) {
      this.timer?.unsubscribe();
      this.timer = undefined;
    }
  }

  /** Markets being polled. */
  get size(): number {
    return this.markets.size;
  }

  close(): void {
    this.closed = true;
    this.markets.clear();
    this.timer?.unsubscribe();
    this.timer = undefined;
  }

  private poll(market: string): void {
    if (this.inFlight.has(market)) return;
    this.inFlight.add(market);
    this.o.fetch(this.o.requestFor(market), { priority: POLL_PRIORITY, key: `poll:${market}` }).then(
      (res) => {
        this.inFlight.delete(market);
        if (this.closed || !this.markets.has(market)) return;
        let msgs: WireMessage[];
        try {
          msgs = this.o.parse(res.body);
        } catch (e) {
          this.o.onError(market, e as Error);
          return;
        }
        this.o.onMessages(market, msgs);
      },
      (err: unknown) => {
        this.inFlight.delete(market);
        if (this.closed || !this.markets.has(market)) return;
        this.o.onError(market, err instanceof Error ? err : new Error(String(err)));
      },
    );
  }
}

/**
 * The poller of an adapter with a `pollRequest`/`parsePoll` hook, or undefined (no hook, or `intervalMs` 0). A failed
 * poll is counted (`tickwire_rest_errors_total`) and logged at warn; REST errors themselves are also reported by the
 * scheduler (connection-scoped status of the REST host: the key is `poll:MARKET`, not a book).
 */
export function pollerFor(
  adapter: ExchangeAdapter,
  intervalMs: number,
  deps: {
    scheduler: SchedulerLike;
    fetch: RestPollerOptions['fetch'];
    onMessage: (msg: Extract<WireMessage, { kind: 'derivative' }>) => void;
    logger: Logger;
    metrics: Metrics;
  },
): RestPoller | undefined {
  const { pollRequest, parsePoll } = adapter;
  if (pollRequest === undefined || parsePoll === undefined || intervalMs <= 0) return undefined;
  return new RestPoller({
    intervalMs,
    scheduler: deps.scheduler,
    requestFor: (m) => pollRequest.call(adapter, m),
    parse: (body) => parsePoll.call(adapter, body),
    fetch: deps.fetch,
    onMessages: (_m, msgs) => {
      for (const msg of msgs) if (msg.kind === 'derivative') deps.onMessage(msg);
    },
    onError: (market, err) => {
      deps.metrics.inc('tickwire_rest_errors_total', { exchange: adapter.id, code: err instanceof TwError ? err.code : 'TW_ERR_REST_FAILED' });
      deps.logger.warn({ exchange: adapter.id, market, err: err.message }, 'derivative REST poll failed: polled again at the next interval');
    },
  });
}
