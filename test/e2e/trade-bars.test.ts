/**
 * Trade bars through the hub (config `bars`), from the simulator: each complete bar equals the bar computed here
 * from the trade events the hub emitted; a connection closed by the simulator marks the bar open at the close
 * (and the first one after it) incomplete.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MarketEvent, type TradeBarEvent, type TradeEvent } from '../../src/schema/events.js';
import { isStatus, startHarness, type Harness } from '../helpers/harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const barsOf = (h: Harness): TradeBarEvent[] => h.events.filter((e): e is TradeBarEvent => e.type === 'trade_bar');
const tradesOf = (h: Harness): TradeEvent[] => h.events.filter((e): e is TradeEvent => e.type === 'trade');

/** Reference: the trades whose exchange time falls in [start, end), their OHLC and summed sizes (BigInt on the digits). */
function expectBarMatchesTrades(bar: TradeBarEvent, trades: TradeEvent[]): void {
  const inBar = trades.filter((t) => t.symbol === bar.symbol && t.exchangeTime! >= bar.start && t.exchangeTime! < bar.end);
  expect(inBar.length).toBe(bar.trades);
  expect([bar.firstTradeId, bar.lastTradeId]).toEqual([inBar[0]!.tradeId, inBar.at(-1)!.tradeId]);
  expect([bar.open, bar.close]).toEqual([inBar[0]!.price, inBar.at(-1)!.price]);
  const num = (s: string) => BigInt(s.replace('.', ''));
  const sorted = [...inBar].sort((a, b) => (num(a.price) < num(b.price) ? -1 : num(a.price) > num(b.price) ? 1 : 0));
  expect([bar.low, bar.high]).toEqual([sorted[0]!.price, sorted.at(-1)!.price]);
  const sum = (side?: 'buy' | 'sell') => inBar.filter((t) => side === undefined || t.side === side).reduce((a, t) => a + num(t.size), 0n);
  expect(num(bar.volume)).toBe(sum());
  expect(num(bar.buyVolume)).toBe(sum('buy'));
  expect(num(bar.sellVolume)).toBe(sum('sell'));
}

describe('trade bars from the simulator', () => {
  it('complete 1s bars equal the trades the hub emitted in their interval; bars are valid events', async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: ['binance:BTC/USDT', 'binance:ETH/USDT'],
      sim: { tradeIntervalMs: 20 },
      config: { channels: ['trades'], bars: { interval: '1s', closeAfterMs: 200 } },
    });
    const hh = h;
    await hh.waitFor(() => barsOf(hh).filter((b) => b.complete && b.symbol === 'ETH/USDT').length >= 2 && barsOf(hh).filter((b) => b.complete && b.symbol === 'BTC/USDT').length >= 2, 'two complete bars per market', 15_000);
    const trades = tradesOf(hh);
    const bars = barsOf(hh);
    for (const b of bars) expect(() => MarketEvent.parse(b)).not.toThrow();
    // the first bar of each market started before the subscription: incomplete
    for (const s of ['BTC/USDT', 'ETH/USDT']) expect(bars.find((b) => b.symbol === s)!.complete).toBe(false);
    for (const b of bars.filter((x) => x.complete)) expectBarMatchesTrades(b, trades);
    // every trade before the last emitted bar's end is in exactly one bar
    for (const s of ['BTC/USDT', 'ETH/USDT']) {
      const mine = bars.filter((b) => b.symbol === s);
      const until = mine.at(-1)!.end;
      const from = mine[0]!.start;
      expect(mine.reduce((a, b) => a + b.trades, 0)).toBe(trades.filter((t) => t.symbol === s && t.exchangeTime! >= from && t.exchangeTime! < until).length);
    }
  });

  it('a connection closed by the simulator: the bar open at the close is incomplete', async () => {
    h = await startHarness({
      exchanges: ['binance'],
      markets: ['binance:BTC/USDT'],
      sim: { tradeIntervalMs: 20 },
      config: { channels: ['trades'], bars: { interval: '1s', closeAfterMs: 200 } },
    });
    const hh = h;
    await hh.waitFor(() => barsOf(hh).some((b) => b.complete), 'a complete bar', 15_000);
    const before = tradesOf(hh).at(-1)!;
    hh.sim.fault('binance', { kind: 'close' });
    await hh.waitFor(isStatus({ exchange: 'binance', scope: 'connection', state: 'reconnecting' }), 'reconnecting');
    const n = barsOf(hh).length;
    await hh.waitFor(() => barsOf(hh).slice(n).filter((b) => b.complete).length >= 1, 'a complete bar after the reconnect', 15_000);
    const spanning = barsOf(hh).find((b) => b.start <= before.exchangeTime! && before.exchangeTime! < b.end)!;
    expect(spanning.complete).toBe(false);
  });
});
