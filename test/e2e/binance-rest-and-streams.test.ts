/**
 * Issue 2 proof, continued: REST 429/418/500/slow seen in the simulator's own request log; NO_DATA for a
 * subscription that never gets data; an unknown symbol's error while the rest stream on; periodic REST
 * reconciliation; the embedded API closing its sockets on unsubscribe.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { firstValueFrom, filter, take, toArray } from 'rxjs';
import type { SimLogEntry } from '../../src/sim/index.js';
import { MarketEvent } from '../../src/schema/events.js';
import { stream } from '../../src/api/stream.js';
import { startSim, type Simulator } from '../../src/sim/index.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
let sim: Simulator | undefined;
afterEach(async () => {
  await h?.close();
  await sim?.close();
  h = undefined;
  sim = undefined;
});

const MARKETS = ['binance:BTC/USDT', 'binance:ETH/USDT'];

async function started(): Promise<Harness> {
  h = await startHarness({ exchanges: ['binance'], markets: MARKETS, config: { channels: ['book'] } });
  const hh = h; // the books go live in any order: wait for both at once
  await Promise.all(
    ['BTC/USDT', 'ETH/USDT'].map((s) => hh.waitFor(isStatus({ exchange: 'binance', symbol: s, channel: 'book', state: 'live' }), `${s} live`)),
  );
  return h;
}

const depthRequests = (h: Harness, from: number): SimLogEntry[] =>
  h.sim.entries('binance').slice(from).filter((e) => e.kind === 'rest' && e.data?.includes('/api/v3/depth') && e.data.includes('BTCUSDT'));

/** Force BTC/USDT to resync (a dropped diff), and wait until it is live again and equals the truth. */
async function resyncThroughRestFault(h: Harness, fault: Parameters<Simulator['fault']>[1]): Promise<SimLogEntry[]> {
  const logFrom = h.sim.entries('binance').length;
  const evFrom = h.events.length;
  h.sim.fault('binance', fault);
  h.sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
  await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', state: 'resyncing' }), 'resyncing');
  await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'live' }), 'live again', 15_000);
  await expectBookEqualsTruth(h, 'binance', 'BTC/USDT');
  // the other book never left live
  expect(h.events.slice(evFrom).filter((e) => e.type === 'status' && e.symbol === 'ETH/USDT')).toEqual([]);
  return depthRequests(h, logFrom);
}

describe('REST faults, seen from the simulator', () => {
  for (const kind of ['rest-429', 'rest-418'] as const) {
    it(`${kind}: the host waits Retry-After before the next request, then the book syncs`, async () => {
      const h = await started();
      const reqs = await resyncThroughRestFault(h, { kind, count: 1, retryAfterSec: 1 });
      const limited = reqs.findIndex((r) => r.status === (kind === 'rest-429' ? 429 : 418));
      expect(limited).toBeGreaterThanOrEqual(0);
      expect(reqs[limited]!.headers?.['Retry-After']).toBe('1');
      const next = reqs[limited + 1]!;
      expect(next.status).toBe(200);
      expect(next.time - reqs[limited]!.time).toBeGreaterThanOrEqual(1000);
      expect(h.statuses({ symbol: 'BTC/USDT', code: 'TW_ERR_REST_RATE_LIMIT' }).length).toBeGreaterThanOrEqual(1);
      // every answer carried the weight header and stayed within the limit
      for (const r of h.sim.entries('binance').filter((e) => e.kind === 'rest')) {
        expect(Number(r.headers?.['X-MBX-USED-WEIGHT-1M'])).toBeLessThanOrEqual(6000);
      }
    });
  }

  it('the weight budget announced in exchangeInfo is respected: requests are held back, never a 429', async () => {
    // limit 400/min → tickwire budgets 80% = 320 (exchangeInfo 20, depth snapshots 50 each): force resyncs until one
    // is held back for the next window instead of going out
    h = await startHarness({ exchanges: ['binance'], markets: ['binance:BTC/USDT'], sim: { restWeightLimit: 400 }, config: { channels: ['book'] } });
    const hh = h;
    await hh.waitFor(isStatus({ symbol: 'BTC/USDT', channel: 'book', state: 'live' }), 'live');
    let heldBack = false;
    for (let i = 0; i < 10 && !heldBack; i++) {
      const resync = hh.waitFor(isStatus({ symbol: 'BTC/USDT', state: 'resyncing' }), `resync #${i + 1}`);
      hh.sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
      await resync;
      heldBack = await hh.waitFor(isStatus({ symbol: 'BTC/USDT', channel: 'book', state: 'live' }), `live #${i + 1}`, 2_500).then(
        () => false,
        () => true,
      );
    }
    const rest = hh.sim.entries('binance').filter((e) => e.kind === 'rest');
    expect(rest.filter((e) => e.status === 429 || e.status === 418)).toEqual([]);
    const used = rest.map((e) => Number(e.headers?.['X-MBX-USED-WEIGHT-1M']));
    expect(Math.max(...used)).toBeLessThanOrEqual(320);
    // unless the simulator's minute rolled over meanwhile, the budget ran out and a resync had to wait
    const minutes = new Set(rest.map((e) => Math.floor(e.time / 60_000)));
    if (minutes.size === 1) expect(heldBack).toBe(true);
  });

  it('rest-500: retried with growing backoff, then the book syncs', async () => {
    const h = await started();
    const reqs = await resyncThroughRestFault(h, { kind: 'rest-500', count: 3 });
    const statuses = reqs.map((r) => r.status);
    expect(statuses.slice(0, 4)).toEqual([500, 500, 500, 200]);
    const gaps = [1, 2, 3].map((i) => reqs[i]!.time - reqs[i - 1]!.time);
    // harness backoff: initial 50 ms ×2, equal jitter → waits in [25,50], [50,100], [100,200]
    expect(gaps[0]).toBeGreaterThanOrEqual(25);
    expect(gaps[1]).toBeGreaterThanOrEqual(50);
    expect(gaps[2]).toBeGreaterThanOrEqual(100);
    expect(gaps[1]! + 2).toBeGreaterThanOrEqual(gaps[0]!);
    expect(gaps[2]! + 2).toBeGreaterThanOrEqual(gaps[1]!);
    expect(h.statuses({ symbol: 'BTC/USDT', code: 'TW_ERR_REST_HTTP' }).length).toBe(3);
  });

  it('slow REST beyond the timeout: the request is retried, then the book syncs', async () => {
    const h = await started();
    const reqs = await resyncThroughRestFault(h, { kind: 'rest-slow', delayMs: 2_500, count: 1 });
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    const failed = h.statuses({ symbol: 'BTC/USDT', code: 'TW_ERR_REST_FAILED' });
    expect(failed.at(-1)?.reason).toMatch(/timeout/);
  });
});

describe('subscriptions', () => {
  it('a subscription that never gets data yields NO_DATA; an unknown symbol its error; the rest stream on', async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: ['binance:BTC/USDT', 'binance:ETH/USDT', 'binance:NOPE/USDT'],
      config: { channels: ['book', 'ticker'], noDataTimeoutMs: 800 },
    });
    h.sim.fault('binance', { kind: 'black-hole', symbol: 'ETH/USDT' });
    const unknown = await h.waitFor(isStatus({ symbol: 'NOPE/USDT', code: 'TW_ERR_UNKNOWN_SYMBOL' }), 'unknown symbol');
    expect(unknown.scope).toBe('stream');
    const noData = await h.waitFor(isStatus({ symbol: 'ETH/USDT', state: 'no_data' }), 'ETH no_data');
    expect(noData.code).toBe('TW_ERR_NO_DATA');
    // nothing reconnected over it: the connection stays up
    expect(h.statuses({ scope: 'connection', state: 'reconnecting' })).toEqual([]);
    await expectBookEqualsTruth(h, 'binance', 'BTC/USDT');
    // the unknown symbol was never subscribed upstream
    const sent = h.sim.entries('binance').filter((e) => e.kind === 'ws-recv').map((e) => e.data ?? '');
    expect(sent.some((d) => d.includes('nopeusdt'))).toBe(false);
  });

  it('periodic REST reconciliation compares the live book with a snapshot at the same id', async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: ['binance:BTC/USDT'],
      config: { channels: ['book'], reconcileIntervalMs: 300 },
    });
    const ok = await h.waitFor(isStatus({ symbol: 'BTC/USDT', state: 'reconciled' }), 'reconciled', 10_000);
    expect(ok.code).toBe('TW_OK');
    expect(h.statuses({ code: 'TW_ERR_RECONCILE_MISMATCH' })).toEqual([]);
  });
});

describe('reconciliation against an exchange book deeper than the REST depth', () => {
  it('no false mismatch when the true book is deeper than the snapshot; a corrupted book is caught and resynced', async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: ['binance:BTC/USDT'],
      sim: { levels: 1500 },
      config: { channels: ['book'], snapshotDepth: 1000, reconcileIntervalMs: 250 },
    });
    const hh = h;
    for (let i = 0; i < 4; i++) {
      const from = hh.events.length;
      await hh.waitFor((e) => hh.events.indexOf(e) >= from && isStatus({ symbol: 'BTC/USDT', state: 'reconciled' })(e), `reconciled #${i + 1}`, 10_000);
    }
    expect(hh.statuses({ code: 'TW_ERR_RECONCILE_MISMATCH' })).toEqual([]);
    expect(hh.statuses({ symbol: 'BTC/USDT', state: 'resyncing' })).toEqual([]);
    // now corrupt tickwire's own book silently (as a bug or a lost update would) and cross-check on demand
    // a phantom level between two real ones, off the tick grid: no exchange update will ever touch it
    const view = hh.hub.book('binance', 'BTC/USDT')!;
    const [deepPrice] = view.sync.book.top(200).bids[199]!;
    const phantom = deepPrice.replace(/(\.\d\d)0/, '$15');
    expect(phantom).not.toBe(deepPrice);
    view.sync.book.set('bid', phantom, '123.45600');
    hh.hub.reconcileNow('binance', 'BTC/USDT');
    const mismatch = await hh.waitFor(isStatus({ symbol: 'BTC/USDT', code: 'TW_ERR_RECONCILE_MISMATCH' }), 'mismatch', 10_000);
    expect(mismatch.state).toBe('resyncing');
    expect(JSON.stringify(mismatch.details)).toContain('123.45600');
    await hh.waitFor(isStatus({ symbol: 'BTC/USDT', channel: 'book', state: 'live' }), 'live again');
    // the true book has 1500 levels a side, the REST snapshot 1000: compare the best 500
    await expectBookEqualsTruth(hh, 'binance', 'BTC/USDT', 50, 500);
  });
});

describe('embedded API', () => {
  it('stream() emits schema-valid events and closes its sockets when unsubscribed', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 3, intervalMs: 20 });
    const s = sim;
    const events$ = stream({
      markets: ['binance:BTC/USDT'],
      endpoints: { binance: s.endpoints.binance! },
      reconcileIntervalMs: 0,
    });
    const seen = await firstValueFrom(
      events$.pipe(
        filter((e) => e.type === 'book_delta'),
        take(20),
        toArray(),
      ),
    );
    for (const e of seen) expect(MarketEvent.safeParse(e).success).toBe(true);
    // seq is +1 per event within the book stream
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.seq).toBeGreaterThan(seen[i - 1]!.seq);
    await expect.poll(() => s.connectionCount('binance'), { timeout: 3_000 }).toBe(0);
  });

  it('one stream() is shared by its subscribers; each stream() call opens its own connections', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 5, intervalMs: 20 });
    const s = sim;
    const opts = { markets: ['binance:BTC/USDT'], endpoints: { binance: s.endpoints.binance! }, reconcileIntervalMs: 0 };
    const a$ = stream(opts);
    const firstDelta = (o: typeof a$) => firstValueFrom(o.pipe(filter((e) => e.type === 'book_delta')));
    const sub1 = a$.subscribe();
    const [d1, d2] = await Promise.all([firstDelta(a$), firstDelta(a$)]);
    expect(d2).toBe(d1); // the very same event object: one pipeline
    expect(s.connectionCount('binance')).toBe(1);
    const b$ = stream(opts);
    const sub2 = b$.subscribe();
    await firstDelta(b$);
    expect(s.connectionCount('binance')).toBe(2);
    sub1.unsubscribe();
    await expect.poll(() => s.connectionCount('binance'), { timeout: 3_000 }).toBe(1);
    sub2.unsubscribe();
    await expect.poll(() => s.connectionCount('binance'), { timeout: 3_000 }).toBe(0);
    // subscribed again after everyone left: a fresh pipeline (a new epoch), its books synced again
    const again = await firstValueFrom(a$.pipe(filter((e) => e.type === 'book_snapshot')));
    expect(again.epoch).not.toBe(d1.epoch);
    await expect.poll(() => s.connectionCount('binance'), { timeout: 3_000 }).toBe(0);
  });

  it('tickers merge @bookTicker (best bid/ask with sizes) and @ticker (last price, 24 h statistics)', async () => {
    sim = await startSim({ exchanges: ['binance'], seed: 6, intervalMs: 20, tickerIntervalMs: 100 });
    const s = sim;
    const merged = await firstValueFrom(
      stream({ markets: ['binance:BTC/USDT'], channels: ['ticker'], endpoints: { binance: s.endpoints.binance! } }).pipe(
        filter((e) => e.type === 'ticker' && e.bidPrice !== undefined && e.last !== undefined && e.high24h !== undefined),
        take(1),
      ),
    );
    if (merged.type !== 'ticker') throw new Error('not a ticker');
    for (const k of ['bidPrice', 'bidSize', 'askPrice', 'askSize', 'last', 'open24h', 'high24h', 'low24h', 'volume24h', 'quoteVolume24h'] as const) {
      expect(merged[k], k).toMatch(/^\d+(\.\d+)?$/);
    }
    expect(Number(merged.bidPrice)).toBeLessThan(Number(merged.askPrice));
  });
});
