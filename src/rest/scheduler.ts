/**
 * One scheduler per REST host (origin). Requests wait in a priority queue (lower first, FIFO within a priority;
 * the pipeline gives invalid books the lowest numbers) and go out paced by the host's request-weight budget.
 *
 * - 429 / 418 / 403 (rate limit, IP ban — Bybit bans with `403 access too frequent`, Binance's WAF limit is 403
 *   too): the WHOLE host pauses until `Retry-After` (or, without it, a backoff delay) has elapsed — no request goes
 *   out meanwhile — and the request is retried.
 * - 5xx, network errors and timeouts: that request is retried after `Retry-After` when the answer has one, else a
 *   capped, jittered backoff.
 * - Any other non-2xx (400 invalid symbol, 404…): rejected at once with TW_ERR_EXCHANGE_ERROR and the body's
 *   `msg`.
 * All timers (pacing, pauses, backoff, timeouts) run on the injected scheduler.
 */
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import type { Logger } from 'pino';
import { TwError, type TwErrorCode } from '../errors.js';
import type { RestRequest } from './request.js';
import { backoffDelay, resolveBackoff, type BackoffOptions } from '../util/backoff.js';
import { nodeHttpGet, type HttpGet, type RestResponse } from './http.js';
import { parseRetryAfter } from './retry-after.js';
import { WeightBudget } from './weight-budget.js';
import { redactUrl } from '../util/redact.js';

export type { HttpGet, RestResponse } from './http.js';

export interface RestEvent {
  code: TwErrorCode;
  reason: string;
  details: Record<string, unknown>;
  key?: string;
}

export interface RestSchedulerOptions {
  /** e.g. `https://api.binance.com`; request paths are appended to it. */
  origin: string;
  /** The host's weight limit per window; default 6000. The scheduler uses at most `budgetFraction` of it. */
  weightLimitPerMinute?: number;
  /** Share of the limit the scheduler lets itself use; default 0.8. */
  budgetFraction?: number;
  /** Length of the weight window; default 60 000 ms (tests shrink it). */
  weightWindowMs?: number;
  /** Header with the server's count of used weight, e.g. `x-mbx-used-weight-1m`; when present it is trusted. */
  usedWeightHeader?: string;
  /** Retries after the first try (any retryable failure); default 8. */
  maxRetries?: number;
  backoff?: Partial<BackoffOptions>;
  /** Per-try deadline; default 10 000 ms. */
  timeoutMs?: number;
  /** Requests in flight at once; default 4. */
  maxInFlight?: number;
  /** Milliseconds per `Retry-After` second; default 1000 (tests shrink it). */
  retryAfterUnitMs?: number;
  scheduler?: SchedulerLike;
  http?: HttpGet;
  /** Jitter source in [0, 1); default Math.random. */
  random?: () => number;
  /** 429/418/5xx/network/timeouts, for status events. */
  onEvent?: (e: RestEvent) => void;
  logger?: Logger;
}

interface Pending {
  req: RestRequest;
  priority: number;
  seq: number;
  key: string | undefined;
  /** Failed tries so far. */
  failures: number;
  /** Not before this scheduler time (per-request backoff). */
  notBefore: number;
  resolve: (r: RestResponse) => void;
  reject: (e: unknown) => void;
  /** Called each time the request actually goes out (it may wait in the queue for the weight budget first). */
  onSend: (() => void) | undefined;
}

interface Flight {
  entry: Pending;
  spent: { at: number; weight: number };
  abort: AbortController;
  timer: Subscription | undefined;
}

export class RestScheduler {
  readonly origin: string;
  /** The origin as logs and errors show it (no userinfo). */
  private readonly shownOrigin: string;
  private readonly scheduler: SchedulerLike;
  private readonly http: HttpGet;
  private readonly ownsHttp: (() => void) | undefined;
  private readonly backoff: BackoffOptions;
  private readonly budget: WeightBudget;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Set<Flight>();
  private readonly maxInFlight: number;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly usedWeightHeader: string | undefined;
  private readonly retryAfterUnitMs: number;
  private readonly random: () => number;
  private readonly log: Logger | undefined;
  private seq = 0;
  private pausedUntil = 0;
  private rateLimitStrikes = 0;
  private timer: Subscription | undefined;
  private timerAt = Infinity;
  private closed = false;
  private lastUsedWeight = 0;
  private readonly budgetFraction: number;

  /** The exchange told us its limit (e.g. Binance exchangeInfo `rateLimits`): budget a fraction of it. */
  setWeightLimit(limitPerMinute: number): void {
    this.budget.budget = Math.floor(limitPerMinute * this.budgetFraction);
    this.pump();
  }

  constructor(private readonly opts: RestSchedulerOptions) {
    this.origin = opts.origin.replace(/\/+$/, '');
    this.shownOrigin = redactUrl(this.origin);
    this.scheduler = opts.scheduler ?? asyncScheduler;
    if (opts.http) {
      this.http = opts.http;
    } else {
      const get = nodeHttpGet();
      this.http = get;
      this.ownsHttp = get.destroy;
    }
    this.backoff = resolveBackoff(opts.backoff);
    const limit = opts.weightLimitPerMinute ?? 6000;
    this.budgetFraction = opts.budgetFraction ?? 0.8;
    this.budget = new WeightBudget(Math.floor(limit * this.budgetFraction), opts.weightWindowMs ?? 60_000);
    this.maxInFlight = Math.max(1, opts.maxInFlight ?? 4);
    this.maxRetries = opts.maxRetries ?? 8;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.usedWeightHeader = opts.usedWeightHeader?.toLowerCase();
    this.retryAfterUnitMs = opts.retryAfterUnitMs ?? 1000;
    this.random = opts.random ?? Math.random;
    this.log = opts.logger?.child({ rest: this.shownOrigin });
  }

  /** Last weight count the server reported (or, without the header, tickwire's own count in the window). */
  get usedWeight(): number {
    return this.usedWeightHeader !== undefined ? this.lastUsedWeight : this.budget.estimate(this.scheduler.now());
  }

  /** Requests waiting (not yet sent). */
  get queued(): number {
    return this.queue.length;
  }

  request(req: RestRequest, opts?: { priority?: number; key?: string; onSend?: () => void }): Promise<RestResponse> {
    if (this.closed) return Promise.reject(new TwError('TW_ERR_REST_FAILED', `REST scheduler for ${this.shownOrigin} is closed`));
    return new Promise<RestResponse>((resolve, reject) => {
      this.queue.push({
        req,
        priority: opts?.priority ?? 0,
        seq: this.seq++,
        key: opts?.key,
        failures: 0,
        notBefore: 0,
        resolve,
        reject,
        onSend: opts?.onSend,
      });
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    const err = new TwError('TW_ERR_REST_FAILED', `REST scheduler for ${this.shownOrigin} closed`);
    for (const p of this.queue.splice(0)) p.reject(err);
    for (const f of this.inFlight) {
      f.timer?.unsubscribe();
      f.abort.abort();
      f.entry.reject(err);
    }
    this.inFlight.clear();
    this.ownsHttp?.();
  }

  // ---- dispatch ----------------------------------------------------------------------------------------------
  private pump(): void {
    if (this.closed) return;
    const now = this.scheduler.now();
    if (now < this.pausedUntil) return this.wakeAt(this.pausedUntil);
    while (this.inFlight.size < this.maxInFlight && this.queue.length > 0) {
      let best: Pending | undefined;
      let soonest = Infinity;
      for (const p of this.queue) {
        if (p.notBefore > now) {
          soonest = Math.min(soonest, p.notBefore);
          continue;
        }
        if (best === undefined || p.priority < best.priority || (p.priority === best.priority && p.seq < best.seq)) best = p;
      }
      if (best === undefined) return this.wakeAt(soonest);
      if (!this.budget.fits(now, best.req.weight)) {
        const release = this.budget.nextRelease(now);
        this.log?.debug({ used: this.budget.estimate(now), budget: this.budget.budget }, 'weight budget full; pacing');
        if (release !== undefined) this.wakeAt(release);
        return;
      }
      this.queue.splice(this.queue.indexOf(best), 1);
      this.send(best, now);
    }
  }

  private wakeAt(at: number): void {
    if (at === Infinity || this.closed) return;
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.timer?.unsubscribe();
    this.timerAt = at;
    this.timer = this.scheduler.schedule(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, at - this.scheduler.now()));
  }

  private send(entry: Pending, now: number): void {
    const spent = this.budget.record(now, entry.req.weight);
    entry.onSend?.();
    const url = this.origin + entry.req.path;
    const abort = new AbortController();
    let settled = false;
    const flight: Flight = { entry, abort, timer: undefined, spent };
    flight.timer = this.scheduler.schedule(() => {
      if (settled) return;
      settled = true;
      abort.abort();
      this.finish(flight, () => this.onFailure(entry, `timeout after ${this.timeoutMs} ms`, { timeoutMs: this.timeoutMs }));
    }, this.timeoutMs);
    this.inFlight.add(flight);
    this.http(url, { timeoutMs: this.timeoutMs, signal: abort.signal }).then(
      (res) => {
        if (settled) return;
        settled = true;
        this.finish(flight, () => this.onResponse(entry, res));
      },
      (err: unknown) => {
        if (settled) return;
        settled = true;
        this.finish(flight, () => this.onFailure(entry, err instanceof Error ? err.message : String(err), {}));
      },
    );
  }

  private finish(flight: Flight, handle: () => void): void {
    if (this.closed || !this.inFlight.delete(flight)) return;
    flight.timer?.unsubscribe();
    this.budget.settled(flight.spent, this.scheduler.now());
    handle();
    this.pump();
  }

  // ---- outcomes ----------------------------------------------------------------------------------------------
  private onResponse(entry: Pending, res: RestResponse): void {
    const now = this.scheduler.now();
    if (this.usedWeightHeader !== undefined) {
      const raw = res.headers[this.usedWeightHeader];
      const used = raw === undefined ? NaN : Number(raw);
      if (Number.isFinite(used)) {
        this.lastUsedWeight = used;
        this.budget.serverReport(now, used);
      }
    }
    const { status } = res;
    if (status >= 200 && status < 300) {
      this.rateLimitStrikes = 0;
      entry.resolve(res);
      return;
    }
    const details: Record<string, unknown> = { status, path: entry.req.path, attempt: entry.failures + 1 };
    const retryAfter = parseRetryAfter(res.headers['retry-after'], Date.now(), this.retryAfterUnitMs);
    if (status === 429 || status === 418 || status === 403) {
      this.rateLimitStrikes++;
      const pauseMs = retryAfter ?? backoffDelay(this.rateLimitStrikes, this.backoff, this.random);
      this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
      const reason = `${status === 429 ? 'rate limited (429)' : `IP banned (${status})`}: host paused ${pauseMs} ms`;
      this.emit(entry, 'TW_ERR_REST_RATE_LIMIT', reason, { ...details, pauseMs, retryAfter: res.headers['retry-after'] });
      this.retry(entry, 'TW_ERR_REST_RATE_LIMIT', reason, details, 0);
      return;
    }
    if (status >= 500) {
      const reason = `HTTP ${status} from ${this.shownOrigin}${entry.req.path}`;
      this.emit(entry, 'TW_ERR_REST_HTTP', reason, details);
      this.retry(entry, 'TW_ERR_REST_HTTP', reason, details, retryAfter);
      return;
    }
    const msg = exchangeMessage(res.body);
    entry.reject(
      new TwError('TW_ERR_EXCHANGE_ERROR', `HTTP ${status} for ${entry.req.path}: ${msg.msg ?? res.body.slice(0, 200)}`, {
        ...details,
        ...(msg.code !== undefined ? { exchangeCode: msg.code } : {}),
        body: res.body.slice(0, 1000),
        ...(entry.key !== undefined ? { key: entry.key } : {}),
      }),
    );
  }

  private onFailure(entry: Pending, message: string, extra: Record<string, unknown>): void {
    const details = { ...extra, path: entry.req.path, attempt: entry.failures + 1, error: message };
    const reason = `GET ${this.shownOrigin}${entry.req.path} failed: ${message}`;
    this.emit(entry, 'TW_ERR_REST_FAILED', reason, details);
    this.retry(entry, 'TW_ERR_REST_FAILED', reason, details, undefined);
  }

  /** Requeue after `delayMs` (undefined: this request's own backoff), or reject once retries are used up. */
  private retry(entry: Pending, code: TwErrorCode, reason: string, details: Record<string, unknown>, delayMs: number | undefined): void {
    entry.failures++;
    if (entry.failures > this.maxRetries) {
      entry.reject(new TwError(code, `${reason} (gave up after ${entry.failures} tries)`, { ...details, ...(entry.key !== undefined ? { key: entry.key } : {}) }));
      return;
    }
    const wait = delayMs ?? backoffDelay(entry.failures, this.backoff, this.random);
    entry.notBefore = this.scheduler.now() + wait;
    this.queue.push(entry); // keeps its seq: still first in line within its priority
    this.log?.debug({ path: entry.req.path, failures: entry.failures, wait }, 'REST retry scheduled');
  }

  private emit(entry: Pending, code: TwErrorCode, reason: string, details: Record<string, unknown>): void {
    this.log?.warn({ code, ...details }, reason);
    this.opts.onEvent?.({ code, reason, details, ...(entry.key !== undefined ? { key: entry.key } : {}) });
  }
}

/** `{"code":-1121,"msg":"Invalid symbol."}` → its parts, when the body has that shape. */
function exchangeMessage(body: string): { code?: number | string; msg?: string } {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const o = parsed as Record<string, unknown>;
    const msg = typeof o.msg === 'string' ? o.msg : typeof o.message === 'string' ? o.message : undefined;
    const code = typeof o.code === 'number' || typeof o.code === 'string' ? o.code : undefined;
    return { ...(msg !== undefined ? { msg } : {}), ...(code !== undefined ? { code } : {}) };
  } catch {
    return {};
  }
}

/** A per-origin registry, so every book on one REST host shares one budget and one pause. */
export class RestSchedulerRegistry {
  private readonly byOrigin = new Map<string, RestScheduler>();

  constructor(private readonly defaults: Omit<RestSchedulerOptions, 'origin'> = {}) {}

  /** The scheduler of `origin`, created with the registry defaults plus `opts` on first use. */
  for(origin: string, opts: Omit<RestSchedulerOptions, 'origin'> = {}): RestScheduler {
    const key = origin.replace(/\/+$/, '');
    let s = this.byOrigin.get(key);
    if (s === undefined) {
      s = new RestScheduler({ ...this.defaults, ...opts, origin: key });
      this.byOrigin.set(key, s);
    }
    return s;
  }

  closeAll(): void {
    for (const s of this.byOrigin.values()) s.close();
    this.byOrigin.clear();
  }
}
