/**
 * Bybit v5 end to end over loopback: the simulator's spot and linear servers, a real tickwire hub. Three
 * connections (linear BTC, linear ETH, spot BTC — one symbol per connection), books at depth 50 over a 300-level
 * true book, so Bybit's own window deletes keep the books at 50 without any truncation by tickwire. Each fault
 * resyncs only what it must, and every book then equals the simulator's true book (top 50) at the same `u` after
 * at least 50 further deltas. Bybit's `u` rises by 1 per message of a topic (integrity `chained`): a lost message
 * is a gap on the next delta, whatever lost it (a drop, a silence, an unreadable frame).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OrderBook } from '../../src/book/order-book.js';
import type { ExchangeId, MarketEvent, TickerEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness, troubleElsewhere, expectBookEqualsTruth } from '../helpers/harness.js';

const DEPTH = 50;
const MARKETS = ['bybit-linear:BTC/USDT', 'bybit-linear:ETH/USDT', 'bybit:BTC/USDT'];
const BOOKS: Array<[ExchangeId, string]> = [
  ['bybit-linear', 'BTC/USDT'],
  ['bybit-linear', 'ETH/USDT'],
  ['bybit', 'BTC/USDT'],
];

let h: Harness;

const live = (ex: ExchangeId, symbol: string) => isStatus({ exchange: ex, symbol, channel: 'book', state: 'live' });

/** The harness's comparison at the book's `u` over the top `DEPTH`, plus: exactly the window, no more, no less. */
async function expectTopEqualsTruth(ex: ExchangeId, symbol: string, minDeltas = 50): Promise<number> {
  const { id, bids, asks } = await expectBookEqualsTruth(h, ex, symbol, minDeltas, DEPTH);
  // exactly the window: Bybit deletes what leaves it, tickwire truncates nothing
  expect([bids.length, asks.length]).toEqual([DEPTH, DEPTH]);
  return id;
}

beforeEach(async () => {
  h = await startHarness({
    exchanges: ['bybit', 'bybit-linear'],
    markets: MARKETS,
    sim: { levels: 300 },
    config: { channels: ['book', 'ticker', 'trades'], bookDepth: DEPTH },
  });
  await Promise.all(BOOKS.map(([ex, s]) => h.waitFor(live(ex, s), `${ex}:${s} live`)));
});

afterEach(async () => {
  await h.close();
});

describe('bybit end to end against the simulator', () => {
  it('steady state: integrity chained, books equal the truth, tickers and trades flow', async () => {
    for (const [ex, s] of BOOKS) await expectTopEqualsTruth(ex, s);
    const snap = h.events.find((e) => e.type === 'book_snapshot' && e.exchange === 'bybit-linear');
    expect(snap?.type === 'book_snapshot' && snap.integrity).toBe('chained');
    expect(h.events.some((e) => e.type === 'trade' && e.exchange === 'bybit')).toBe(true);
    expect(h.statuses({ state: 'resyncing' })).toEqual([]);
  });

  it('spot ticker: best bid/ask come from orderbook.1 and equal the true top at their u; 24 h fields from tickers', async () => {
    const isSpotTicker = (e: MarketEvent): e is TickerEvent =>
      e.type === 'ticker' && e.exchange === 'bybit' && e.updateId !== undefined && e.last !== undefined;
    const t = await h.waitFor(isSpotTicker, 'spot ticker with bid/ask and last');
    const truth = h.sim.trueBookAt('bybit', 'BTC/USDT', t.updateId!);
    expect(truth).toBeDefined();
    expect([t.bidPrice, t.bidSize]).toEqual(truth!.bids[0]);
    expect([t.askPrice, t.askSize]).toEqual(truth!.asks[0]);
    expect(t.high24h).toBeDefined();
  });

  it('linear ticker deltas merge: every ticker after the first snapshot still has bid, ask and last', async () => {
    const linear = (e: MarketEvent): e is TickerEvent => e.type === 'ticker' && e.exchange === 'bybit-linear' && e.symbol === 'ETH/USDT';
    for (let i = 0; i < 10; i++) await h.waitFor(linear, 'linear ETH ticker');
    const tickers = h.events.filter(linear);
    expect(tickers.length).toBeGreaterThanOrEqual(10);
    for (const t of tickers) {
      expect(t.bidPrice).toBeDefined();
      expect(t.askPrice).toBeDefined();
      expect(t.last).toBeDefined();
      expect(t.volume24h).toBeDefined();
    }
  });

  it('dropped delta (spot and linear): that book resyncs on the u gap, then equals the truth; never live and wrong', async () => {
    for (const [ex, s] of [['bybit', 'BTC/USDT'], ['bybit-linear', 'ETH/USDT']] as Array<[ExchangeId, string]>) {
      const from = h.events.length;
      const key = `${ex}:${s}`;
      // every delta the consumer applies is checked at once against the truth at its u (continuously, not only at
      // the end); the harness's book is updated before this subscriber runs
      let checked = 0;
      const wrong: number[] = [];
      const sub = h.hub.events$.subscribe((e) => {
        if (e.type !== 'book_delta' || e.exchange !== ex || e.symbol !== s) return;
        const truth = h.sim.trueBookAt(ex, s, e.updateId!);
        const mine = h.books.get(key)!.book.snapshot();
        checked++;
        if (truth === undefined || JSON.stringify(mine.bids) !== JSON.stringify(truth.bids.slice(0, DEPTH)) || JSON.stringify(mine.asks) !== JSON.stringify(truth.asks.slice(0, DEPTH))) {
          wrong.push(e.updateId!);
        }
      });
      h.sim.fault(ex, { kind: 'drop-diff', symbol: s });
      const resync = await h.waitFor(isStatus({ exchange: ex, symbol: s, channel: 'book', state: 'resyncing' }), `${key} resyncing`);
      expect(resync.code).toBe('TW_ERR_SEQUENCE_GAP');
      await h.waitFor(live(ex, s), `${key} live again`);
      await expectTopEqualsTruth(ex, s);
      sub.unsubscribe();
      expect(checked).toBeGreaterThanOrEqual(50);
      expect(wrong).toEqual([]);
      expect(troubleElsewhere(h, from, [[ex, s]])).toEqual([]);
    }
    // the other books went on untouched
    await expectTopEqualsTruth('bybit-linear', 'BTC/USDT', 5);
    expect(h.statuses({ exchange: 'bybit-linear', symbol: 'BTC/USDT', state: 'resyncing' })).toEqual([]);
  });

  it('u decrease: resyncs that book only (resubscribe), then equals the true book', async () => {
    const from = h.events.length;
    h.sim.fault('bybit-linear', { kind: 'bybit-u-decrease', symbol: 'BTC/USDT' });
    const resync = await h.waitFor(isStatus({ exchange: 'bybit-linear', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
    expect(resync.code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live('bybit-linear', 'BTC/USDT'), 'BTC live again');
    await expectTopEqualsTruth('bybit-linear', 'BTC/USDT');
    await expectTopEqualsTruth('bybit-linear', 'ETH/USDT', 5);
    expect(troubleElsewhere(h, from, [['bybit-linear', 'BTC/USDT']])).toEqual([]);
    // the resync was an unsubscribe + subscribe of that book alone
    const sent = h.sim.entries('bybit-linear').slice(-200).filter((e) => e.kind === 'ws-recv' && e.data?.includes('"op":"unsubscribe"'));
    expect(sent.map((e) => e.data)).toEqual([expect.stringContaining('"args":["orderbook.50.BTCUSDT"]')]);
  });

  it('snapshot with u == 1 (service restart): the book is replaced without a resync and follows the new ids', async () => {
    const from = h.events.length;
    h.sim.fault('bybit-linear', { kind: 'bybit-restart', symbol: 'ETH/USDT' });
    const snap = await h.waitFor(
      (e) => e.type === 'book_snapshot' && e.exchange === 'bybit-linear' && e.symbol === 'ETH/USDT' && e.updateId === 1,
      'ETH snapshot with u == 1',
    );
    expect(snap.type).toBe('book_snapshot');
    const id = await expectTopEqualsTruth('bybit-linear', 'ETH/USDT');
    expect(id).toBeLessThan(100_000); // on the restarted id scale
    expect(troubleElsewhere(h, from, [])).toEqual([]);
  });

  it('missing snapshot after a reconnect: deltas without a snapshot resync that book, then it equals the truth', async () => {
    const from = h.events.length;
    h.sim.fault('bybit-linear', { kind: 'bybit-missing-snapshot', symbol: 'BTC/USDT' });
    h.sim.fault('bybit-linear', { kind: 'close', symbol: 'BTC/USDT', code: 1001, reason: 'going away' });
    const gap = await h.waitFor(
      isStatus({ exchange: 'bybit-linear', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing', code: 'TW_ERR_SEQUENCE_GAP' }),
      'resync for deltas without a snapshot',
    );
    expect(gap.details).toMatchObject({ deltasBeforeSnapshot: 31 });
    const codes = h.statuses({ exchange: 'bybit-linear', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }).map((s) => s.code);
    expect(codes).toEqual(['TW_ERR_RECONNECTED', 'TW_ERR_SEQUENCE_GAP']);
    await h.waitFor(live('bybit-linear', 'BTC/USDT'), 'BTC live again');
    await expectTopEqualsTruth('bybit-linear', 'BTC/USDT');
    expect(troubleElsewhere(h, from, [['bybit-linear', 'BTC/USDT']])).toEqual([]);
  });

  it('deletes of levels not in the book are ignored: no resync, the book equals the truth', async () => {
    const from = h.events.length;
    // a shadow consumer book (a synchronous copy of the harness's, then fed the same events) counts the deletes
    // that name a price it does not hold
    const consumer = h.books.get('bybit:BTC/USDT')!;
    const shadow = new OrderBook();
    const copy = consumer.book.snapshot();
    shadow.applySnapshot(copy.bids, copy.asks);
    consumer.deltas = 0; // 50 deltas from here
    let absentDeletes = 0;
    const sub = h.hub.events$.subscribe((e) => {
      if ((e.type !== 'book_snapshot' && e.type !== 'book_delta') || e.exchange !== 'bybit' || e.symbol !== 'BTC/USDT') return;
      if (e.type === 'book_snapshot') return shadow.applySnapshot(e.bids, e.asks);
      for (const [p, sz] of e.bids) if (sz === '0' && shadow.sizeAt('bid', p) === undefined) absentDeletes++;
      for (const [p, sz] of e.asks) if (sz === '0' && shadow.sizeAt('ask', p) === undefined) absentDeletes++;
      shadow.applyLevels(e.bids, e.asks);
    });
    h.sim.fault('bybit', { kind: 'bybit-absent-deletes', symbol: 'BTC/USDT', count: 5 });
    await expectTopEqualsTruth('bybit', 'BTC/USDT');
    sub.unsubscribe();
    expect(absentDeletes).toBe(10);
    expect(troubleElsewhere(h, from, [])).toEqual([]);
    expect(h.statuses({ exchange: 'bybit', symbol: 'BTC/USDT', state: 'resyncing' })).toEqual([]);
  });

  it('a subscribe error reply affects only its own stream', async () => {
    const from = h.events.length;
    h.sim.fault('bybit-linear', { kind: 'bybit-error-reply', symbol: 'XRP/USDT' });
    void h.hub.add('bybit-linear', 'XRP/USDT', ['trades']);
    const err = await h.waitFor(isStatus({ exchange: 'bybit-linear', symbol: 'XRP/USDT', state: 'error' }), 'XRP error');
    expect(err).toMatchObject({ channel: 'trades', code: 'TW_ERR_UNKNOWN_SYMBOL' });
    await expectTopEqualsTruth('bybit-linear', 'BTC/USDT', 5);
    expect(troubleElsewhere(h, from, [['bybit-linear', 'XRP/USDT']])).toEqual([]);
    expect(h.statuses({ state: 'error' }).filter((s) => s.symbol !== 'XRP/USDT')).toEqual([]);
  });

  it('error reply to the re-subscribe after a reconnect ("Invalid symbol" for a listed symbol): retried with backoff, the book comes back', async () => {
    const from = h.events.length;
    // one firing per subscribe request: the re-subscribe after the reconnect (every channel), then one retry per
    // channel (book, ticker, trades) — every channel is refused twice
    h.sim.fault('bybit', { kind: 'bybit-error-reply', symbol: 'BTC/USDT', count: 4 });
    h.sim.fault('bybit', { kind: 'close', symbol: 'BTC/USDT', code: 1001, reason: 'going away' });
    const refused = isStatus({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'book', state: 'error' });
    await h.waitFor(refused, 'first refusal');
    await h.waitFor(refused, 'second refusal (the first retry)');
    await h.waitFor(live('bybit', 'BTC/USDT'), 'BTC live again');
    const errs = h.statuses({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'book', state: 'error' }).filter((e) => h.events.indexOf(e) >= from);
    // how many requests the 4 firings refuse depends on whether the channels' retries leave in one request or
    // several (timing): at least the two awaited above, every one transient, none dropping the stream
    expect(errs.length).toBeGreaterThanOrEqual(2);
    for (const e of errs) expect([e.code, e.details?.permanent]).toEqual(['TW_ERR_UNKNOWN_SYMBOL', false]);
    await expectTopEqualsTruth('bybit', 'BTC/USDT');
    expect(troubleElsewhere(h, from, [['bybit', 'BTC/USDT']])).toEqual([]);
  });

  it('garbage frame naming no market: counted as malformed; no book resyncs (the u chain shows nothing was lost)', async () => {
    const from = h.events.length;
    const report = h.waitFor(isStatus({ exchange: 'bybit-linear', code: 'TW_ERR_MALFORMED_FRAME', scope: 'connection' }), 'malformed report');
    h.sim.fault('bybit-linear', { kind: 'garbage-frame', symbol: 'ETH/USDT' });
    await report;
    // had the unreadable frame been an ETH delta, the next one would not chain: it was an extra frame, so ETH goes on
    await expectTopEqualsTruth('bybit-linear', 'ETH/USDT', 60);
    expect(troubleElsewhere(h, from, [])).toEqual([]);
    expect(h.statuses({ state: 'resyncing' })).toEqual([]);
  });

  it('garbage diff (truncated JSON naming its topic): that book resyncs at once, the others stay live', async () => {
    for (const [ex, s] of BOOKS) {
      const from = h.events.length;
      h.sim.fault(ex, { kind: 'garbage-diff', symbol: s });
      const r = await h.waitFor(isStatus({ exchange: ex, symbol: s, channel: 'book', state: 'resyncing' }), `${ex}:${s} resyncing`);
      expect(r.code).toBe('TW_ERR_MALFORMED_FRAME');
      expect(r.reason).toMatch(/unreadable frame/);
      await h.waitFor(live(ex, s), `${ex}:${s} live again`);
      await expectTopEqualsTruth(ex, s);
      expect(troubleElsewhere(h, from, [[ex, s]])).toEqual([]);
    }
  });

  it('silence with pings answered (no stale reconnect): NO_DATA, then the resumed delta shows the u gap: resynced', async () => {
    // frequent client pings keep the connection healthy through the silence, so only the no-data watchdog sees it;
    // the updates missed meanwhile used up their u, so the first delta after it does not chain
    await h.close();
    h = await startHarness({
      exchanges: ['bybit', 'bybit-linear'],
      markets: MARKETS,
      sim: { levels: 300 },
      config: { channels: ['book'], bookDepth: DEPTH, pingIntervalMs: 300 },
    });
    await Promise.all(BOOKS.map(([ex, s]) => h.waitFor(live(ex, s), `${ex}:${s} live`)));
    const from = h.events.length;
    const resync = h.waitFor(isStatus({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'resyncing');
    h.sim.fault('bybit', { kind: 'silence', symbol: 'BTC/USDT' });
    await h.waitFor(isStatus({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'book', state: 'no_data' }), 'no_data');
    h.sim.clearFaults('bybit');
    expect((await resync).code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live('bybit', 'BTC/USDT'), 'live again');
    await expectTopEqualsTruth('bybit', 'BTC/USDT');
    expect(h.events.slice(from).filter((e) => e.type === 'status' && e.scope === 'connection' && e.state === 'reconnecting')).toEqual([]);
    expect(troubleElsewhere(h, from, [['bybit', 'BTC/USDT']])).toEqual([]);
  });

  it('a silence shorter than the no-data timeout: the resumed delta shows the u gap, resynced, never live and wrong', async () => {
    await h.close();
    h = await startHarness({
      exchanges: ['bybit', 'bybit-linear'],
      markets: MARKETS,
      sim: { levels: 300 },
      config: { channels: ['book'], bookDepth: DEPTH, pingIntervalMs: 300, noDataTimeoutMs: 30_000, bookPauseMs: 400 },
    });
    await Promise.all(BOOKS.map(([ex, s]) => h.waitFor(live(ex, s), `${ex}:${s} live`)));
    const from = h.events.length;
    const resync = h.waitFor(isStatus({ exchange: 'bybit', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'resyncing');
    h.sim.fault('bybit', { kind: 'silence', symbol: 'BTC/USDT' });
    // ~1 s of silence, measured in deltas of another connection's book (20 ms apart)
    const other = h.books.get('bybit-linear:ETH/USDT')!;
    const target = other.applied + 50;
    await h.waitFor((e) => e.type === 'book_delta' && e.exchange === 'bybit-linear' && other.applied >= target, '50 ETH deltas');
    h.sim.clearFaults('bybit');
    // the u chain, not the book pause (400 ms here), catches it: a chained feed needs no pause rule
    const r = await resync;
    expect(r.code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live('bybit', 'BTC/USDT'), 'live again');
    await expectTopEqualsTruth('bybit', 'BTC/USDT');
    expect(h.statuses({ state: 'no_data' })).toEqual([]);
    expect(troubleElsewhere(h, from, [['bybit', 'BTC/USDT']])).toEqual([]);
  });

  it('silence: the silent connection is detected and its book resyncs; the others stay live', async () => {
    const from = h.events.length;
    h.sim.fault('bybit', { kind: 'silence', symbol: 'BTC/USDT' });
    await h.waitFor(
      (e) => e.type === 'status' && e.exchange === 'bybit' && (e.code === 'TW_ERR_STALE' || e.code === 'TW_ERR_NO_DATA'),
      'silence detected',
    );
    h.sim.clearFaults('bybit');
    await expectTopEqualsTruth('bybit', 'BTC/USDT');
    expect(troubleElsewhere(h, from, [['bybit', 'BTC/USDT']])).toEqual([]);
  });
});
