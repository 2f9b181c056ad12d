/**
 * Deribit end to end against the simulator over loopback: a perpetual, a dated future and an option, one per
 * connection, streaming books, tickers and trades. Books equal the simulator's true book at the same change_id;
 * sizes say their unit; Deribit's heartbeat test_requests are answered (a connection that does not answer is closed
 * by the simulator, as by Deribit); a broken chain resubscribes that book only. (One request per instrument and an
 * unknown instrument refused without a subscribe: test/conformance/.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BookSnapshotEvent, TradeEvent } from '../../src/schema/events.js';
import { expectBookEqualsTruth, isStatus, startHarness, troubleElsewhere, type Harness } from '../helpers/harness.js';

const PERP = 'BTC/USD:BTC';
const FUTURE = 'BTC/USD:BTC-241227';
const OPTION = 'ETH/USD:ETH-241227-3000-C';
const SYMBOLS = [PERP, FUTURE, OPTION];

let h: Harness;
const live = (symbol: string) => isStatus({ exchange: 'deribit', symbol, channel: 'book', state: 'live' });

beforeEach(async () => {
  h = await startHarness({
    exchanges: ['deribit'],
    markets: SYMBOLS.map((s) => `deribit:${s}`),
    sim: {
      symbols: [
        { symbol: PERP, mid: '30000.0', tickDecimals: 1, lotDecimals: 0 },
        { symbol: FUTURE, mid: '30500.0', tickDecimals: 1, lotDecimals: 0 },
        { symbol: OPTION, mid: '0.2500', tickDecimals: 4, lotDecimals: 1 },
      ],
      tickerIntervalMs: 100,
      levels: 200,
    },
    config: { channels: ['book', 'ticker', 'trades'] },
  });
  await Promise.all(SYMBOLS.map((s) => h.waitFor(live(s), `${s} live`)));
});

afterEach(async () => {
  await h.close();
});

describe('deribit end to end against the simulator', () => {
  it('perpetual, future and option: books equal the truth at the same change_id; sizes name their unit', async () => {
    for (const s of SYMBOLS) await expectBookEqualsTruth(h, 'deribit', s);
    const snap = (s: string): BookSnapshotEvent | undefined =>
      h.events.find((e): e is BookSnapshotEvent => e.type === 'book_snapshot' && e.symbol === s);
    expect(snap(PERP)).toMatchObject({ market: 'BTC-PERPETUAL', integrity: 'chained', sizeUnit: 'USD', contractValue: '10' });
    expect(snap(FUTURE)).toMatchObject({ market: 'BTC-27DEC24', sizeUnit: 'USD' });
    expect(snap(OPTION)).toMatchObject({ market: 'ETH-27DEC24-3000-C', sizeUnit: 'ETH', contractValue: '1' });
    await h.waitFor((e) => e.type === 'trade' && e.symbol === OPTION, 'an option trade');
    const trade = h.events.find((e): e is TradeEvent => e.type === 'trade' && e.symbol === OPTION)!;
    expect(trade.sizeUnit).toBe('ETH');
    expect(trade.price).toMatch(/^0\.\d{4}$/); // the sim's decimals, kept exactly (never through a float)
    await h.waitFor((e) => e.type === 'ticker' && e.symbol === PERP && e.bidPrice !== undefined, 'a perpetual ticker');
    expect(h.events.find((e) => e.type === 'ticker' && e.symbol === PERP)).toMatchObject({ sizeUnit: 'USD' });
  });

  it("answers every test_request with public/test, so the simulator (like Deribit) never closes a connection", async () => {
    const tests = (): number => h.sim.entries('deribit').filter((e) => e.kind === 'ws-recv' && e.data?.includes('"public/test"')).length;
    const requests = (): number =>
      h.sim.entries('deribit').filter((e) => e.kind === 'ws-send-control' && e.data?.includes('test_request')).length;
    await h.waitFor(() => tests() >= 6, 'six public/test answers');
    expect(requests()).toBeGreaterThanOrEqual(6);
    expect(h.sim.entries('deribit').some((e) => e.kind === 'ws-send-control' && e.data?.startsWith('close'))).toBe(false);
    expect(h.statuses({ state: 'reconnecting' })).toEqual([]);
  });

  it('a broken prev_change_id resubscribes that book only, which then equals the truth again', async () => {
    const from = h.events.length;
    h.sim.fault('deribit', { kind: 'deribit-broken-prev', symbol: FUTURE });
    const resync = await h.waitFor(isStatus({ exchange: 'deribit', symbol: FUTURE, channel: 'book', state: 'resyncing' }), 'future resyncing');
    expect(resync.code).toBe('TW_ERR_SEQUENCE_GAP');
    await h.waitFor(live(FUTURE), 'future live again');
    await expectBookEqualsTruth(h, 'deribit', FUTURE);
    expect(troubleElsewhere(h, from, [['deribit', FUTURE]])).toEqual([]);
    const unsubs = h.sim.entries('deribit').filter((e) => e.kind === 'ws-recv' && e.data?.includes('public/unsubscribe'));
    expect(unsubs.map((e) => JSON.parse(e.data!).params.channels)).toEqual([['book.BTC-27DEC24.100ms']]);
  });
});
