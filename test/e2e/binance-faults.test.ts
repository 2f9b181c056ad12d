/**
 * Issue 2 proof against the simulator over real loopback sockets: three connections (spot BTC, spot ETH, futures
 * BTC — one symbol per connection). Each fault resyncs only what it must; every resynced book then equals the
 * simulator's true book at the same update id after at least 50 further deltas.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ExchangeId, MarketEvent } from '../../src/schema/events.js';
import { expectBookEqualsTruth, isStatus, startHarness, type Harness, troubleElsewhere } from '../helpers/harness.js';

const MARKETS = ['binance:BTC/USDT', 'binance:ETH/USDT', 'binance-futures:BTC/USDT'];
const BOOKS: Array<[ExchangeId, string]> = [
  ['binance', 'BTC/USDT'],
  ['binance', 'ETH/USDT'],
  ['binance-futures', 'BTC/USDT'],
];

let h: Harness;

const live = (ex: ExchangeId, symbol: string) =>
  isStatus({ exchange: ex, symbol, channel: 'book', state: 'live' });

async function allLive(): Promise<void> {
  await Promise.all(BOOKS.map(([ex, s]) => h.waitFor(live(ex, s), `${ex}:${s} live`)));
}

beforeEach(async () => {
  h = await startHarness({ exchanges: ['binance', 'binance-futures'], markets: MARKETS, config: { channels: ['book', 'ticker', 'trades'] } });
  await allLive();
});

afterEach(async () => {
  await h.close();
});

describe('binance end to end against the simulator', () => {
  it('dropped diff: resyncs that symbol only, then equals the true book', async () => {
    const from = h.events.length;
    h.sim.fault('binance', { kind: 'drop-diff', symbol: 'BTC/USDT' });
    const resync = await h.waitFor(
      isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }),
      'BTC resyncing',
    );
    expect(resync.code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live('binance', 'BTC/USDT'), 'BTC live again');
    await expectBookEqualsTruth(h, 'binance', 'BTC/USDT');
    await expectBookEqualsTruth(h, 'binance', 'ETH/USDT');
    expect(troubleElsewhere(h, from, [['binance', 'BTC/USDT']])).toEqual([]);
  });

  it('garbage-replaced diff: counted as malformed, resyncs that symbol only', async () => {
    const from = h.events.length;
    const report = h.waitFor(isStatus({ exchange: 'binance', code: 'TW_ERR_MALFORMED_FRAME', scope: 'connection' }), 'malformed report');
    const resync = h.waitFor(isStatus({ exchange: 'binance', symbol: 'ETH/USDT', channel: 'book', state: 'resyncing' }), 'ETH resyncing');
    h.sim.fault('binance', { kind: 'garbage-diff', symbol: 'ETH/USDT' });
    await report;
    // the unreadable diff names ETHUSDT: resynced on it, before the next diff shows the gap
    expect((await resync).code).toBe('TW_ERR_MALFORMED_FRAME');
    await h.waitFor(live('binance', 'ETH/USDT'), 'ETH live again');
    await expectBookEqualsTruth(h, 'binance', 'ETH/USDT');
    expect(troubleElsewhere(h, from, [['binance', 'ETH/USDT']])).toEqual([]);
    expect(h.hub.metrics.sum('tickwire_malformed_frames_total', { exchange: 'binance' })).toBeGreaterThanOrEqual(1);
  });

  it('garbage frame between good ones: counted and reported, resyncs nothing', async () => {
    const from = h.events.length;
    h.sim.fault('binance', { kind: 'garbage-frame', symbol: 'BTC/USDT' });
    const report = await h.waitFor(isStatus({ exchange: 'binance', code: 'TW_ERR_MALFORMED_FRAME' }), 'malformed report');
    expect(report.scope).toBe('connection');
    await expectBookEqualsTruth(h, 'binance', 'BTC/USDT', 60);
    expect(troubleElsewhere(h, from, [])).toEqual([]);
    expect(h.hub.metrics.sum('tickwire_malformed_frames_total', { exchange: 'binance' })).toBe(1);
  });

  it('silence (data stops, pings go on): NO_DATA for that symbol, no reconnect; on resume the gap resyncs it only', async () => {
    const from = h.events.length;
    h.sim.fault('binance', { kind: 'silence', symbol: 'BTC/USDT' });
    const noData = await h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'no_data' }), 'BTC no_data');
    expect(noData.code).toBe('TW_ERR_NO_DATA');
    // both follow from the first frame after the silence, in the same tick: wait for them together
    const resumed = h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'subscribed' }), 'data resumed');
    const resync = h.waitFor(isStatus({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' }), 'BTC resyncing');
    h.sim.clearFaults('binance');
    expect((await resumed).code).toBe('TW_OK');
    // the diffs missed during the silence are a gap: the book resyncs instead of carrying on
    expect((await resync).code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live('binance', 'BTC/USDT'), 'BTC live again');
    await expectBookEqualsTruth(h, 'binance', 'BTC/USDT');
    expect(h.events.slice(from).filter((e) => e.type === 'status' && e.scope === 'connection' && e.state !== 'error')).toEqual([]);
    expect(troubleElsewhere(h, from, [['binance', 'BTC/USDT']])).toEqual([]);
  });

  // server-shutdown: make-before-break, no reconnect of the old connection (test/e2e/make-before-break.test.ts)
  for (const fault of ['stop-all', 'close'] as const) {
    it(`${fault}: reconnects that connection and resyncs its books only`, async () => {
      const from = h.events.length;
      h.sim.fault('binance', fault === 'close' ? { kind: 'close', symbol: 'BTC/USDT', code: 1001, reason: 'going away' } : { kind: fault, symbol: 'BTC/USDT' });
      const reconnecting = await h.waitFor(
        isStatus({ exchange: 'binance', scope: 'connection', state: 'reconnecting' }),
        'reconnecting',
      );
      const expectedCode = { 'stop-all': 'TW_ERR_STALE', close: 'TW_ERR_SOCKET_CLOSED', 'server-shutdown': 'TW_ERR_SERVER_SHUTDOWN' }[fault];
      expect(h.statuses({ exchange: 'binance', scope: 'connection' }).slice(-3).map((s) => s.code)).toContain(expectedCode);
      if (fault === 'stop-all') h.sim.clearFaults('binance');
      await h.waitFor(
        (e: MarketEvent) => e.type === 'status' && e.scope === 'connection' && e.state === 'open' && e.connectionId === reconnecting.connectionId,
        'reopened',
      );
      const resync = h.statuses({ exchange: 'binance', symbol: 'BTC/USDT', channel: 'book', state: 'resyncing' });
      expect(resync.at(-1)?.code).toBe('TW_ERR_RECONNECTED');
      await h.waitFor(live('binance', 'BTC/USDT'), 'BTC live again');
      await expectBookEqualsTruth(h, 'binance', 'BTC/USDT');
      expect(troubleElsewhere(h, from, [['binance', 'BTC/USDT']])).toEqual([]);
      await expectBookEqualsTruth(h, 'binance-futures', 'BTC/USDT', 10);
    });
  }
});
