import { afterEach, describe, expect, it } from 'vitest';
import { RestScheduler, RestSchedulerRegistry, parseRetryAfter, type RestEvent, type RestSchedulerOptions } from '../../src/rest/index.js';
import { TwError } from '../../src/errors.js';
import { startHttpServer, type Handler, type TestHttpServer } from '../helpers/http-server.js';

const DEPTH = { path: '/api/v3/depth?symbol=BTCUSDT&limit=1000', weight: 50 };
const OK = { status: 200, body: '{"lastUpdateId":1,"bids":[],"asks":[]}' };

let server: TestHttpServer | undefined;
let sched: RestScheduler | undefined;
afterEach(async () => {
  sched?.close();
  sched = undefined;
  await server?.close();
  server = undefined;
});

async function setup(handler: Handler, over: Partial<RestSchedulerOptions> = {}): Promise<{ srv: TestHttpServer; s: RestScheduler; events: RestEvent[] }> {
  server = await startHttpServer(handler);
  const events: RestEvent[] = [];
  sched = new RestScheduler({
    origin: server.origin,
    usedWeightHeader: 'X-MBX-USED-WEIGHT-1M',
    backoff: { initialMs: 20, maxMs: 1000, factor: 2 },
    random: () => 0.999_999,
    timeoutMs: 2000,
    onEvent: (e) => events.push(e),
    ...over,
  });
  return { srv: server, s: sched, events };
}

const gaps = (at: number[]): number[] => at.slice(1).map((t, i) => t - (at[i] as number));

describe('parseRetryAfter', () => {
  it('reads delay-seconds (scaled) and HTTP-dates', () => {
    expect(parseRetryAfter('2', 0)).toBe(2000);
    expect(parseRetryAfter(' 3 ', 0, 50)).toBe(150);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(parseRetryAfter(undefined, 0)).toBeUndefined();
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('RestScheduler against a loopback HTTP server', () => {
  it('429 + Retry-After pauses the whole host: no request (this one or another) arrives before it elapses', async () => {
    let pausedAt = 0;
    let second: Promise<unknown> | undefined;
    const { srv, s, events } = await setup((_req, n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '3' }, body: '{"code":-1003,"msg":"Too many requests"}' } : OK), {
      retryAfterUnitMs: 100,
      onEvent: (e) => {
        events.push(e);
        pausedAt = performance.now();
        // a second request issued while the pause is pending must wait too
        second = sched?.request({ path: '/api/v3/depth?symbol=ETHUSDT&limit=1000', weight: 50 });
      },
    });
    await expect(s.request(DEPTH, { key: 'binance:BTC/USDT' })).resolves.toMatchObject({ status: 200 });
    await second;
    expect(srv.arrivals.length).toBe(3);
    for (const a of srv.arrivals.slice(1)) expect(a.at - pausedAt).toBeGreaterThanOrEqual(295);
    expect(events[0]).toMatchObject({ code: 'TW_ERR_REST_RATE_LIMIT', key: 'binance:BTC/USDT', details: { status: 429, pauseMs: 300 } });
  });

  it('418 is honoured the same way', async () => {
    const { srv, s, events } = await setup((_req, n) => (n === 0 ? { status: 418, headers: { 'Retry-After': '2' } } : OK), { retryAfterUnitMs: 100 });
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
    expect(srv.arrivals.length).toBe(2);
    expect(gaps(srv.arrivals.map((a) => a.at))[0]).toBeGreaterThanOrEqual(195);
    expect(events[0]?.reason).toMatch(/418/);
  });

  it('403 (an IP ban: Bybit "access too frequent") pauses the host and is retried, with or without Retry-After', async () => {
    const ban = { status: 403, body: 'access too frequent' };
    const { srv, s, events } = await setup((_req, n) => (n === 0 ? { ...ban, headers: { 'Retry-After': '2' } } : n === 1 ? ban : OK), {
      retryAfterUnitMs: 100,
      backoff: { initialMs: 20, maxMs: 40, factor: 2 },
    });
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
    expect(srv.arrivals.length).toBe(3);
    expect(gaps(srv.arrivals.map((a) => a.at))[0]).toBeGreaterThanOrEqual(195);
    expect(events.map((e) => e.code)).toEqual(['TW_ERR_REST_RATE_LIMIT', 'TW_ERR_REST_RATE_LIMIT']);
    expect(events[0]).toMatchObject({ details: { status: 403, pauseMs: 200 } });
    expect(events[0]?.reason).toMatch(/IP banned \(403\)/);
  });

  it('5xx with Retry-After waits that long before the retry', async () => {
    const { srv, s } = await setup((_req, n) => (n === 0 ? { status: 503, headers: { 'Retry-After': '3' } } : OK), {
      retryAfterUnitMs: 100,
      backoff: { initialMs: 1, maxMs: 2, factor: 2 },
    });
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
    expect(gaps(srv.arrivals.map((a) => a.at))[0]).toBeGreaterThanOrEqual(295);
  });

  it('real Retry-After: 1 (seconds) is honoured', async () => {
    const { srv, s } = await setup((_req, n) => (n === 0 ? { status: 429, headers: { 'Retry-After': '1' } } : OK));
    await s.request(DEPTH);
    expect(gaps(srv.arrivals.map((a) => a.at))[0]).toBeGreaterThanOrEqual(995);
  });

  it('retries 500 with growing, capped backoff, then resolves', async () => {
    const { srv, s, events } = await setup((_req, n) => (n < 4 ? { status: 500, body: 'oops' } : OK), { backoff: { initialMs: 20, maxMs: 100, factor: 2 } });
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
    const g = gaps(srv.arrivals.map((a) => a.at));
    // random ~1: delays 20, 40, 80, then capped at 100
    expect(g.length).toBe(4);
    expect(g[0]).toBeGreaterThanOrEqual(19);
    expect(g[1]).toBeGreaterThanOrEqual(39);
    expect(g[2]).toBeGreaterThanOrEqual(79);
    expect(g[3]).toBeGreaterThanOrEqual(99);
    expect(g[3]).toBeLessThan(400);
    expect(events.map((e) => e.code)).toEqual(['TW_ERR_REST_HTTP', 'TW_ERR_REST_HTTP', 'TW_ERR_REST_HTTP', 'TW_ERR_REST_HTTP']);
  });

  it('gives up after maxRetries with a TwError', async () => {
    const { srv, s } = await setup(() => ({ status: 503 }), { maxRetries: 2, backoff: { initialMs: 5, maxMs: 5, factor: 1 } });
    const err = await s.request(DEPTH).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwError);
    expect(err).toMatchObject({ code: 'TW_ERR_REST_HTTP' });
    expect(srv.arrivals.length).toBe(3);
  });

  it('rejects 400 at once with TW_ERR_EXCHANGE_ERROR carrying the exchange message', async () => {
    const { srv, s, events } = await setup(() => ({ status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' }));
    const err = await s.request({ path: '/api/v3/depth?symbol=NOPE', weight: 5 }, { key: 'binance:NOPE/USDT' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TwError);
    expect(err).toMatchObject({ code: 'TW_ERR_EXCHANGE_ERROR', details: { status: 400, exchangeCode: -1121, key: 'binance:NOPE/USDT' } });
    expect((err as TwError).message).toMatch(/Invalid symbol\./);
    expect(srv.arrivals.length).toBe(1);
    expect(events).toEqual([]);
  });

  it('a hung request times out and is retried', async () => {
    const { srv, s, events } = await setup((_req, n) => (n === 0 ? 'hang' : OK), { timeoutMs: 100 });
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
    expect(srv.arrivals.length).toBe(2);
    expect(gaps(srv.arrivals.map((a) => a.at))[0]).toBeGreaterThanOrEqual(100);
    expect(events[0]).toMatchObject({ code: 'TW_ERR_REST_FAILED', details: { timeoutMs: 100 } });
  });

  it('a refused connection is a network failure, retried with backoff', async () => {
    const { s, events } = await setup(() => OK, { maxRetries: 1, backoff: { initialMs: 5, maxMs: 5, factor: 1 } });
    const dead = new RestScheduler({ origin: 'http://127.0.0.1:1', maxRetries: 1, backoff: { initialMs: 5, maxMs: 5, factor: 1 }, onEvent: (e) => events.push(e) });
    const err = await dead.request(DEPTH).catch((e: unknown) => e);
    dead.close();
    expect(err).toMatchObject({ code: 'TW_ERR_REST_FAILED' });
    expect(events.map((e) => e.code)).toEqual(['TW_ERR_REST_FAILED', 'TW_ERR_REST_FAILED']);
    await expect(s.request(DEPTH)).resolves.toMatchObject({ status: 200 });
  });

  it('trusts the used-weight header: paces requests when the server says the budget is nearly used', async () => {
    // limit 100 → budget 80; the server says 75 used, so a weight-10 request must wait for the window (300 ms)
    const { srv, s } = await setup(() => ({ ...OK, headers: { 'X-MBX-USED-WEIGHT-1M': '75' } }), {
      weightLimitPerMinute: 100,
      weightWindowMs: 300,
      maxInFlight: 1,
    });
    const req = { path: '/api/v3/depth?symbol=BTCUSDT&limit=100', weight: 10 };
    await Promise.all([s.request(req), s.request(req), s.request(req)]);
    expect(s.usedWeight).toBe(75);
    const g = gaps(srv.arrivals.map((a) => a.at));
    expect(g[0]).toBeGreaterThanOrEqual(295);
    expect(g[1]).toBeGreaterThanOrEqual(295);
  });

  it('without a header, counts its own weight: at most the budget per window', async () => {
    const { srv, s } = await setup(() => OK, { usedWeightHeader: undefined, weightLimitPerMinute: 100, weightWindowMs: 300 });
    const req = { path: '/x', weight: 30 }; // budget 80: two per window
    await Promise.all(Array.from({ length: 6 }, () => s.request(req)));
    const at = srv.arrivals.map((a) => a.at);
    for (let i = 0; i + 2 < at.length; i++) expect((at[i + 2] as number) - (at[i] as number)).toBeGreaterThanOrEqual(295);
    expect(s.usedWeight).toBeLessThanOrEqual(80);
  });

  it('serves the queue by priority (lower first), FIFO within a priority', async () => {
    const { srv, s } = await setup(() => OK, { maxInFlight: 1 });
    const order: string[] = [];
    const r = (name: string, priority: number): Promise<void> =>
      s.request({ path: `/${name}`, weight: 1 }, { priority }).then(() => {
        order.push(name);
      });
    // the first goes at once; the rest queue behind it and are served by priority
    await Promise.all([r('first', 5), r('c1', 3), r('b', 2), r('c2', 3), r('a', 0), r('d', 9)]);
    expect(srv.arrivals.map((a) => a.path)).toEqual(['/first', '/a', '/b', '/c1', '/c2', '/d']);
    expect(order).toEqual(['first', 'a', 'b', 'c1', 'c2', 'd']);
  });

  it('close() rejects queued and in-flight requests', async () => {
    const { srv, s } = await setup(() => 'hang', { maxInFlight: 1 });
    const a = s.request(DEPTH).catch((e: unknown) => e);
    const b = s.request(DEPTH).catch((e: unknown) => e);
    await srv.until(() => srv.arrivals.length === 1, 2000, 'first request');
    s.close();
    expect(await a).toMatchObject({ code: 'TW_ERR_REST_FAILED' });
    expect(await b).toMatchObject({ code: 'TW_ERR_REST_FAILED' });
    await expect(s.request(DEPTH)).rejects.toBeInstanceOf(TwError);
  });

  it('the registry gives one scheduler per origin', () => {
    const reg = new RestSchedulerRegistry({ weightLimitPerMinute: 6000 });
    const a = reg.for('https://api.binance.com');
    expect(reg.for('https://api.binance.com/')).toBe(a);
    expect(reg.for('https://fapi.binance.com')).not.toBe(a);
    reg.closeAll();
  });
});
