/**
 * The derivative channels of okx-swap and deribit under the simulator's faults: a silenced market's `derivative`
 * stream says `no_data` and resumes, a closed connection reconnects and re-subscribes both channels (OKX: the index
 * and the per-type liquidation subscription too); what comes after is still exactly what the simulator published.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ExchangeId } from '../../src/schema/events.js';
import type { DerivativeTickerEvent, LiquidationEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const CASES: Array<{ exchange: ExchangeId; symbol: string; lotDecimals: number }> = [
  { exchange: 'okx-swap', symbol: 'BTC/USDT', lotDecimals: 2 },
  { exchange: 'deribit', symbol: 'BTC/USD:BTC', lotDecimals: 0 },
];

describe.each(CASES)('$exchange derivative channels under faults', ({ exchange, symbol, lotDecimals }) => {
  it('silence → derivative no_data, then resumes; close → reconnect, both channels flow again, values as published', async () => {
    h = await startHarness({
      exchanges: [exchange],
      markets: [`${exchange}:${symbol}`],
      sim: { symbols: [{ symbol, mid: '30000.0', tickDecimals: 1, lotDecimals }], tradeIntervalMs: 10, tickerIntervalMs: 50, fundingPeriodMs: 1000 },
      config: { channels: ['derivative', 'liquidations'], noDataTimeoutMs: 1000 },
    });
    const hh = h;
    const derivs = (from: number) => hh.events.slice(from).filter((e): e is DerivativeTickerEvent => e.type === 'derivative_ticker');
    const liqs = (from: number) => hh.events.slice(from).filter((e): e is LiquidationEvent => e.type === 'liquidation');
    await hh.waitFor(() => derivs(0).length > 0, 'a derivative_ticker');

    hh.sim.fault(exchange, { kind: 'silence', symbol });
    const noData = await hh.waitFor(isStatus({ exchange, symbol, channel: 'derivative', state: 'no_data' }), 'derivative no_data');
    expect(noData.code).toBe('TW_ERR_NO_DATA');
    hh.sim.clearFaults(exchange);
    await hh.waitFor(isStatus({ exchange, symbol, channel: 'derivative', state: 'subscribed' }), 'derivative resumed');

    hh.sim.fault(exchange, { kind: 'close', symbol, code: 1001, reason: 'going away' });
    await hh.waitFor(isStatus({ exchange, scope: 'connection', state: 'reconnecting' }), 'reconnecting');
    const from = hh.events.length;
    await hh.waitFor(() => derivs(from).length >= 8 && liqs(from).length >= 2, 'derivatives and liquidations after the reconnect', 20_000);

    const published = hh.sim.published(exchange, symbol);
    const marks = new Set(published.derivatives.map((d) => `${d.time * 1000} ${d.markPrice}`));
    for (const e of derivs(from)) expect(marks.has(`${e.exchangeTime} ${e.markPrice}`), `${e.exchangeTime} ${e.markPrice}`).toBe(true);
    const want = published.liquidations.map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.time * 1000 }));
    const all = liqs(0).map((l) => ({ side: l.side, price: l.price, size: l.size, exchangeTime: l.exchangeTime }));
    // every liquidation received is a published one, in order (those sent while silenced or closed are missing)
    let i = 0;
    for (const l of all) {
      while (i < want.length && JSON.stringify(want[i]) !== JSON.stringify(l)) i++;
      expect(i < want.length, JSON.stringify(l)).toBe(true);
      i++;
    }
  });
});

describe('okx-swap: a shutdown notice on a connection with derivative streams only', () => {
  it('the market moves to the replacement on its first derivative data (no wait for the no-data timeout)', async () => {
    h = await startHarness({
      exchanges: ['okx-swap'],
      markets: ['okx-swap:BTC/USDT'],
      // OKX announces the close 60 s ahead: the old connection stays up meanwhile
      sim: { tradeIntervalMs: 10, tickerIntervalMs: 50, fundingPeriodMs: 1000, shutdownCloseDelayMs: 60_000 },
      config: { channels: ['derivative', 'liquidations'], noDataTimeoutMs: 30_000 }, // markets left waiting move after this
    });
    const hh = h;
    await hh.waitFor((e) => e.type === 'derivative_ticker', 'a derivative_ticker');
    hh.sim.fault('okx-swap', { kind: 'server-shutdown', symbol: 'BTC/USDT' });
    const closed = await hh.waitFor(
      (e) => e.type === 'status' && e.scope === 'connection' && e.state === 'closed' && e.details?.['replacedBy'] !== undefined,
      'the old connection closed, replaced',
      10_000,
    );
    const from = hh.events.indexOf(closed);
    await hh.waitFor(() => hh.events.slice(from).filter((e) => e.type === 'derivative_ticker').length >= 4, 'derivative data after the switch');
    const published = hh.sim.published('okx-swap', 'BTC/USDT').derivatives.map((d) => `${d.time * 1000} ${d.markPrice}`);
    for (const e of hh.events.slice(from)) {
      if (e.type === 'derivative_ticker') expect(published).toContain(`${e.exchangeTime} ${e.markPrice}`);
    }
  });
});
